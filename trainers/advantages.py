"""Advantages of the GRPO family, computed per group of episodes from one env seed.

Rewards arrive as a flat ``(B,)`` tensor in which each run of ``group_size`` consecutive entries is
one group (episodes of the same task instance). Estimators are plain functions in
:data:`ESTIMATORS`, picked by the trainer config's ``advantage`` field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import torch
from torch import Tensor

Estimator = Literal["grpo", "dr_grpo", "rloo"]
#: Added to the group's standard deviation before dividing (as in TRL), so a group whose rewards
#: are all equal gets advantages of 0, not NaN.
STD_EPS = 1e-4


def _groups(rewards: Tensor, group_size: int) -> Tensor:
    """``(B,)`` -> ``(B / group_size, group_size)``, with a clear error when B does not split."""
    if rewards.ndim != 1 or group_size < 1 or rewards.numel() % group_size:
        raise ValueError(f"{rewards.numel()} rewards do not split into groups of {group_size}")
    return rewards.view(-1, group_size)


def grpo(rewards: Tensor, group_size: int) -> Tensor:
    """GRPO (Shao et al., 2024, DeepSeekMath, eq. 3 outcome supervision):
    ``A_i = (r_i - mean(r)) / (std(r) + eps)`` over the group, with Bessel's std.

    >>> grpo(torch.tensor([1.0, 0.0, 0.0, 1.0]), 2).tolist()  # doctest: +ELLIPSIS
    [0.7070..., -0.7070..., -0.7070..., 0.7070...]
    """
    groups = _groups(rewards, group_size)
    centred = groups - groups.mean(dim=1, keepdim=True)
    std = groups.std(dim=1, keepdim=True) if group_size > 1 else torch.zeros_like(centred)
    return (centred / (std + STD_EPS)).view(-1)


def dr_grpo(rewards: Tensor, group_size: int) -> Tensor:
    """Dr. GRPO (Liu et al., 2025, "Understanding R1-Zero-Like Training"): ``A_i = r_i - mean(r)``,
    without the std division that weights easy and hard questions unequally.

    >>> dr_grpo(torch.tensor([1.0, 0.0, 0.5, 0.5]), 2).tolist()
    [0.5, -0.5, 0.0, 0.0]
    """
    groups = _groups(rewards, group_size)
    return (groups - groups.mean(dim=1, keepdim=True)).view(-1)


def rloo(rewards: Tensor, group_size: int) -> Tensor:
    """RLOO (Ahmadian et al., 2024, "Back to Basics"): each episode's baseline is the mean of the
    other ``G - 1`` in its group, ``A_i = r_i - (sum(r) - r_i) / (G - 1) = G / (G - 1) (r_i - mean(r))``.

    >>> rloo(torch.tensor([1.0, 0.0, 0.0]), 3).tolist()
    [1.0, -0.5, -0.5]
    """
    if group_size < 2:
        raise ValueError("rloo needs groups of at least 2 episodes; set group_size >= 2")
    groups = _groups(rewards, group_size)
    others = (groups.sum(dim=1, keepdim=True) - groups) / (group_size - 1)
    return (groups - others).view(-1)


ESTIMATORS: dict[str, Callable[[Tensor, int], Tensor]] = {"grpo": grpo, "dr_grpo": dr_grpo, "rloo": rloo}


def per_turn(returns: Sequence[Sequence[float]], group_size: int, estimator: Estimator) -> list[Tensor]:
    """Turn-level credit for multi-turn groups: turn ``t`` of an episode is compared only with turn
    ``t`` of the episodes of its group that lasted that long, each turn scored by its return from
    ``t`` on. A turn that only failing episodes reach is then judged against other failing ones,
    not pushed down wholesale because its episode failed; a turn no other episode reached gets 0.
    This is the group estimator applied per (group, turn) as a baseline that conditions on having
    reached the turn, the group-relative stand-in for a per-turn value baseline (GiGPO, Feng et
    al., 2025, groups steps by identical screens instead; here screens rarely repeat).

    ``returns[i][t]`` is episode ``i``'s return from turn ``t``; episodes come in groups of
    ``group_size``. Returns one ``(len(returns[i]),)`` tensor per episode.

    >>> returns = [[1.0, 1.0], [0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    >>> [a.tolist() for a in per_turn(returns, 2, "dr_grpo")]
    [[0.5, 0.0], [-0.5], [0.0, 0.0, 0.5], [0.0, 0.0, -0.5]]
    """
    if len(returns) % group_size:
        raise ValueError(f"{len(returns)} episodes do not split into groups of {group_size}")
    advantages = [torch.zeros(len(episode)) for episode in returns]
    for start in range(0, len(returns), group_size):
        members = range(start, start + group_size)
        for turn in range(max(len(returns[i]) for i in members)):
            reached = [i for i in members if len(returns[i]) > turn]
            if len(reached) < 2:
                continue
            values = torch.tensor([returns[i][turn] for i in reached], dtype=torch.float32)
            for i, advantage in zip(reached, ESTIMATORS[estimator](values, len(reached)), strict=True):
                advantages[i][turn] = advantage
    return advantages


def informative_groups(rewards: Tensor, group_size: int) -> Tensor:
    """DAPO dynamic sampling (Yu et al., 2025, eq. 11): a group whose episodes all got the same
    reward has zero advantage everywhere and teaches nothing; ``(B / G,)`` True where rewards differ.

    >>> informative_groups(torch.tensor([1.0, 1.0, 0.0, 1.0]), 2).tolist()
    [False, True]
    """
    groups = _groups(rewards, group_size)
    return groups.amax(dim=1) > groups.amin(dim=1)


def cppo_keep(advantages: Tensor, group_size: int, keep: int) -> Tensor:
    """CPPO (Lin et al., 2025, "CPPO: Accelerating the Training of Group Relative Policy
    Optimization-Based Reasoning Models"): train on only the ``keep`` episodes of each group with the
    largest ``|A|``; the rest contribute little gradient. A ``(B,)`` bool mask, ties to the earlier.

    >>> cppo_keep(torch.tensor([0.1, -0.9, 0.5, 0.0, 2.0, -2.0]), 3, 1).tolist()
    [False, True, False, False, True, False]
    """
    if not 1 <= keep <= group_size:
        raise ValueError(f"cppo keep={keep} must be between 1 and group_size={group_size}")
    magnitude = _groups(advantages.abs(), group_size)
    # A stable sort keeps the earlier of equal magnitudes, so the choice is deterministic.
    order = torch.sort(-magnitude, dim=1, stable=True).indices[:, :keep]
    mask = torch.zeros_like(magnitude, dtype=torch.bool).scatter_(1, order, True)
    return mask.view(-1)


def overlong_penalty(lengths: Tensor, max_length: int, buffer: int) -> Tensor:
    """DAPO soft overlong punishment (Yu et al., 2025, eq. 13): 0 up to ``max_length - buffer``
    tokens, then falling linearly to -1 at ``max_length``, and -1 beyond.

    >>> overlong_penalty(torch.tensor([10, 12, 14, 16, 20]), max_length=16, buffer=4).tolist()
    [0.0, 0.0, -0.5, -1.0, -1.0]
    """
    if not 0 < buffer <= max_length:
        raise ValueError(f"overlong buffer {buffer} must be in 1..max_length={max_length}")
    start = max_length - buffer
    return ((start - lengths.float()) / buffer).clamp(min=-1.0, max=0.0)
