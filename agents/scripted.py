"""Scripted agents: the oracle (the env's expert action, as a reply) and a uniform random policy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from mmgym.agents.base import Reply
from mmgym.envs.actions import KEYS, Action, ActionType, Direction
from mmgym.envs.coordinates import PIXEL, Coordinates
from mmgym.envs.parsing import format_reply
from mmgym.errors import UsageError


def _screen_size(observation: dict[str, Any]) -> tuple[int, int]:
    height, width = observation["image"].shape[:2]
    return width, height


class OracleAgent:
    """Replies with the env's ``info["expert_action"]``, formatted the way a model should write it.

    Args:
        coordinates: the coordinate convention to write points in (match the env's
            :class:`~mmgym.envs.TextActions` wrapper).
        with_think: write a ``<think>`` block before the answer.
    """

    def __init__(self, coordinates: Coordinates | str = PIXEL, with_think: bool = True):
        self.coordinates = Coordinates.parse(coordinates)
        self.with_think = with_think

    def reset(self, index: int, seed: int | None = None) -> None:
        pass

    def act(self, observations: Sequence[dict[str, Any]], infos: Sequence[dict[str, Any]]) -> list[Reply]:
        replies = []
        for observation, info in zip(observations, infos, strict=True):
            expert = info.get("expert_action")
            if expert is None:
                raise UsageError("the oracle agent needs info['expert_action'], which this env does not "
                                 "provide; pick another agent, or an env with a built-in oracle")  # fmt: skip
            think = f"The task is: {observation['instruction']} Next I {expert.type.label}."
            text = format_reply(expert, think=think, screen_size=_screen_size(observation),
                                coordinates=self.coordinates, with_think=self.with_think)  # fmt: skip
            replies.append(Reply(text))
        return replies


class RandomAgent:
    """Samples a valid action uniformly: action type, then its arguments.

    Points are uniform over the screen, texts are a word of the instruction (so typing sometimes
    makes progress), keys and directions are uniform. Replies are well formed, so this agent
    measures how far chance goes, not how often a model breaks the format.

    Args:
        seed: seed of the agent's own random generator. Given an episode seed, :meth:`reset`
            reseeds from it (and this seed, if any), so an episode's actions never depend on the
            episodes played before it.
        coordinates: the coordinate convention to write points in.
    """

    def __init__(self, seed: int | None = None, coordinates: Coordinates | str = PIXEL):
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.coordinates = Coordinates.parse(coordinates)

    def reset(self, index: int, seed: int | None = None) -> None:
        if seed is not None:
            self.rng = np.random.default_rng(seed if self.seed is None else [self.seed, seed])

    def act(self, observations: Sequence[dict[str, Any]], infos: Sequence[dict[str, Any]]) -> list[Reply]:
        replies = []
        for observation in observations:
            action = self.sample(observation)
            text = format_reply(action, think="I pick an action at random.",
                                screen_size=_screen_size(observation),
                                coordinates=self.coordinates)  # fmt: skip
            replies.append(Reply(text))
        return replies

    def sample(self, observation: dict[str, Any]) -> Action:
        rng = self.rng
        width, height = _screen_size(observation)
        kind = ActionType(int(rng.integers(len(ActionType))))
        point = (int(rng.integers(width)), int(rng.integers(height)))
        words = re.findall(r"[A-Za-z0-9@.$-]+", observation["instruction"]) or ["a"]
        word = str(words[int(rng.integers(len(words)))])
        if kind in (ActionType.CLICK, ActionType.LONG_PRESS):
            return Action(kind, point=point)
        if kind == ActionType.SCROLL:
            return Action.scroll(Direction(int(rng.integers(len(Direction)))), point)
        if kind == ActionType.KEY:
            return Action.press_key(KEYS[int(rng.integers(len(KEYS)))])
        if kind in (ActionType.TYPE, ActionType.OPEN_APP, ActionType.FINISH):
            return Action(kind, text=word)
        return Action(kind)
