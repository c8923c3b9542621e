"""Composing rewards: weighted sums for training, named components for logging."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from mmgym.rewards.inputs import Completion, RewardFunction


def reward_name(reward: RewardFunction) -> str:
    """The name a reward is logged under: its ``__name__`` as TRL uses it, else its type's name."""
    return getattr(reward, "__name__", type(reward).__name__)


def weighted_sum(weights: Mapping[RewardFunction, float]) -> RewardFunction:
    """A reward scoring ``sum_i w_i * r_i`` over the given rewards, with their keyword contract.

    Its ``__name__`` lists the parts, e.g. ``weighted(format=0.2,action_type=0.8)``, so TRL logs it
    under that name.

    >>> from mmgym.rewards import action_type_reward, format_reward
    >>> ui_r1 = weighted_sum({format_reward: 1.0, action_type_reward: 1.0})
    >>> ui_r1.__name__
    'weighted(format=1,action_type=1)'
    >>> reply = '<think>go back</think><answer>{"action": "navigate_back"}</answer>'
    >>> ui_r1([reply, "back"], expert_action=[{"action": "navigate_back"}] * 2)
    [2.0, 0.0]
    """
    if not weights:
        raise ValueError("weighted_sum needs at least one reward, e.g. {format_reward: 1.0}")
    for reward, weight in weights.items():
        if not callable(reward):
            raise TypeError(f"weighted_sum keys must be reward functions, got {reward!r:.200}")
        if not (isinstance(weight, Real) and math.isfinite(weight)):
            raise ValueError(
                f"the weight of {reward_name(reward)} must be a finite number, got {weight!r}; "
                "give every reward a finite weight (0 switches a reward off)"
            )
    parts = [(reward, float(weight)) for reward, weight in weights.items()]

    def weighted(completions: Sequence[Completion], **kwargs: Any) -> list[float]:
        total = [0.0] * len(completions)
        for reward, weight in parts:
            scores = _scores(reward_name(reward), reward, completions, kwargs)
            total = [t + weight * s for t, s in zip(total, scores, strict=True)]
        return total

    weighted.__name__ = weighted.__qualname__ = "weighted({})".format(
        ",".join(f"{reward_name(r).removesuffix('_reward')}={w:g}" for r, w in parts)
    )
    return weighted


def reward_components(
    rewards: Mapping[str, RewardFunction], completions: Sequence[Completion], **kwargs: Any
) -> dict[str, list[float]]:
    """Score the completions with every reward, by name (for logging each component).

    >>> from mmgym.rewards import format_reward
    >>> reward_components({"format": format_reward}, ["<answer>"])
    {'format': [0.0]}
    """
    return {name: _scores(name, reward, completions, kwargs) for name, reward in rewards.items()}


def reward_matrix(
    rewards: Mapping[str, RewardFunction], completions: Sequence[Completion], **kwargs: Any
) -> np.ndarray:
    """The ``(N, R)`` float64 matrix of ``R`` rewards (columns in mapping order) on ``N`` replies.

    >>> from mmgym.rewards import format_reward
    >>> reward_matrix({"format": format_reward, "again": format_reward}, ["a", "b", "c"]).shape
    (3, 2)
    """
    components = reward_components(rewards, completions, **kwargs)
    matrix = np.array(list(components.values()), dtype=np.float64)
    return matrix.reshape(len(rewards), len(completions)).T  # (R, N) -> (N, R)


def _scores(
    name: str, reward: RewardFunction, completions: Sequence[Completion], kwargs: dict[str, Any]
) -> list[float]:
    """Call one reward and check it kept the contract: one finite float per completion."""
    scores = reward(completions, **kwargs)
    if len(scores) != len(completions):
        raise ValueError(
            f"reward {name} returned {len(scores)} scores for {len(completions)} completions; "
            "a reward must return one float per completion"
        )
    for index, score in enumerate(scores):
        if not (isinstance(score, Real) and math.isfinite(score)):
            raise ValueError(
                f"reward {name} returned {score!r} for completion {index}; rewards must return "
                "finite floats (score unparseable output 0.0)"
            )
    return [float(score) for score in scores]
