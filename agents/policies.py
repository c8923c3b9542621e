"""Policies over structured actions, for the envs classical RL drives (the embodied ones): the
oracle, a random policy, and a saved stable-baselines3 model. Each maps one observation (and the
env's info) to one action of the env's action space."""

from __future__ import annotations

from typing import Any, Protocol

import gymnasium as gym

from mmgym.errors import UsageError


class Policy(Protocol):
    def reset(self, seed: int) -> None:
        """Start an episode; a stochastic policy reseeds, so that a seed replays."""

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        """An element of the env's action space."""


class OraclePolicy:
    """The env's ``info["expert_action"]``."""

    def reset(self, seed: int) -> None:
        pass

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        expert = info.get("expert_action")
        if expert is None:
            raise UsageError("the oracle needs info['expert_action'], which this env does not provide")
        return expert.to_space() if hasattr(expert, "to_space") else expert


class RandomPolicy:
    """Uniform samples of the action space, seeded per episode."""

    def __init__(self, action_space: gym.Space):
        self.action_space = action_space

    def reset(self, seed: int) -> None:
        self.action_space.seed(seed)

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        return self.action_space.sample()
