"""Generalised advantage estimation (GAE) over multi-turn episodes, for the PPO family.

Episodes arrive episode-major: ``(E, K, R)`` tensors hold, for each of ``E`` episodes, its ``K``
turns (padded) of ``R`` reply tokens (padded); ``mask`` is 1 on the tokens the model generated and
0 elsewhere. Laid end to end, an episode's rows are its whole token stream with the padding where
the prompt and the environment's tokens would sit, so a masked recursion skips exactly the tokens
the model did not choose. A turn's reward sits on its last model token.

The three estimators (:data:`GAE_ESTIMATORS`) are one masked recursion, :func:`masked_gae`, run
over tokens, over turns, or over turns and then within each turn. An episode's end is terminal:
the value after its last token is 0. That includes episodes cut by the env's step limit, as in
verl and VAGEN: the limit is part of the task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class GAEParams:
    """Discounts and lambdas: ``gamma, lam`` over tokens, ``turn_gamma, turn_lam`` across turns;
    ``lam_alpha > 0`` replaces the token-level ``lam`` by VAPO's length-adaptive rule."""

    gamma: float = 1.0
    lam: float = 0.95
    turn_gamma: float = 1.0
    turn_lam: float = 0.95
    lam_alpha: float = 0.0

    def for_critic(self, critic_lam: float | None) -> GAEParams:
        """VC-PPO's decoupled GAE (Yuan et al., 2025, "What's Behind PPO's Collapse in Long-CoT?
        Value Optimization Holds the Secret", sec. 4.2): the critic's targets use ``critic_lam`` at
        every level (1.0: unbiased Monte-Carlo returns) while the policy keeps its own lambdas.
        ``None`` keeps the policy's."""
        if critic_lam is None:
            return self
        return GAEParams(self.gamma, critic_lam, self.turn_gamma, critic_lam, lam_alpha=0.0)


def masked_gae(rewards: Tensor, values: Tensor, mask: Tensor, gamma: float,
               lam: float | Tensor) -> tuple[Tensor, Tensor]:  # fmt: skip
    """GAE (Schulman et al., 2016, eq. 16) along each row of ``(B, T)`` tensors, over the
    positions where ``mask`` is 1 only: ``delta_t = r_t + gamma * V_next - V_t`` and
    ``A_t = delta_t + gamma * lam * A_next``, where *next* is the next masked-in position (``V = 0``
    after the last). ``lam`` is a float or one per row ``(B,)``. Returns advantages and returns
    ``A + V``, both 0 where ``mask`` is 0.

    >>> adv, ret = masked_gae(torch.tensor([[0.0, 9.0, 1.0]]), torch.tensor([[0.5, 9.0, 0.5]]),
    ...                       torch.tensor([[1, 0, 1]]), gamma=1.0, lam=1.0)
    >>> adv.tolist(), ret.tolist()
    ([[0.5, 0.0, 0.5]], [[1.0, 0.0, 1.0]])
    """
    rows, length = rewards.shape
    lam = torch.as_tensor(lam, dtype=values.dtype).expand(rows)
    inside = mask.bool()
    advantages = torch.zeros_like(values)
    next_value = torch.zeros(rows, dtype=values.dtype)
    next_advantage = torch.zeros(rows, dtype=values.dtype)
    for t in reversed(range(length)):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        advantage = delta + gamma * lam * next_advantage
        advantages[:, t] = torch.where(inside[:, t], advantage, 0.0)
        next_value = torch.where(inside[:, t], values[:, t], next_value)
        next_advantage = torch.where(inside[:, t], advantage, next_advantage)
    return advantages, (advantages + values) * inside


def length_adaptive_lambda(lengths: Tensor, alpha: float) -> Tensor:
    """VAPO's length-adaptive GAE (Yue et al., 2025, "VAPO: Efficient and Reliable Reinforcement
    Learning for Advanced Reasoning Tasks", eq. 7): ``lam = 1 - 1 / (alpha * l)`` for a sequence of
    ``l`` tokens, so that the sum of the GAE weights, ``1 / (1 - lam) = alpha * l``, grows with the
    length; clamped to [0, 1].

    >>> length_adaptive_lambda(torch.tensor([10, 100, 1000]), alpha=0.05).tolist()
    [0.0, 0.800000011920929, 0.9800000190734863]
    """
    return (1 - 1 / (alpha * lengths.float().clamp(min=1))).clamp(0.0, 1.0)


def _token_lam(mask: Tensor, params: GAEParams) -> float | Tensor:
    """The token-level lambda of each row of ``mask (B, T)``."""
    return length_adaptive_lambda(mask.sum(dim=1), params.lam_alpha) if params.lam_alpha else params.lam


def token_gae(rewards: Tensor, values: Tensor, mask: Tensor, params: GAEParams) -> tuple[Tensor, Tensor]:
    """Token-level GAE over each episode's whole stream of model tokens, environment tokens
    skipped (VAGEN-Base's masked GAE, Wang et al., 2025, "VAGEN: Reinforcing World Model Reasoning
    for Multi-Turn VLM Agents", sec. 4.1). ``(E, K, R)`` in and out; a value at every token.

    >>> rewards = torch.tensor([[[0.0, 1.0], [0.0, 1.0]]])  # two turns of two tokens, 1 per turn
    >>> values = torch.zeros(1, 2, 2)
    >>> mask = torch.ones(1, 2, 2)
    >>> token_gae(rewards, values, mask, GAEParams(gamma=0.5, lam=1.0))[0].tolist()
    [[[0.625, 1.25], [0.5, 1.0]]]
    """
    episodes, turns, length = rewards.shape
    flat = mask.reshape(episodes, turns * length)
    advantages, returns = masked_gae(rewards.reshape(episodes, -1), values.reshape(episodes, -1), flat,
                                     params.gamma, _token_lam(flat, params))  # fmt: skip
    return advantages.view_as(rewards), returns.view_as(rewards)


def _turn_level(rewards: Tensor, values: Tensor, mask: Tensor,
                params: GAEParams) -> tuple[Tensor, Tensor, Tensor]:  # fmt: skip
    """Turn-level GAE: each turn's value is the one at its first token (the state it answered),
    its reward the sum of its tokens' rewards. Returns ``(E, K)`` advantages, returns and the turns
    that exist."""
    taken = mask.any(dim=2)  # (E, K)
    turn_values = values[..., 0] * taken
    turn_rewards = (rewards * mask).sum(dim=2)
    advantages, returns = masked_gae(turn_rewards, turn_values, taken, params.turn_gamma, params.turn_lam)
    return advantages, returns, taken


def turn_gae(rewards: Tensor, values: Tensor, mask: Tensor, params: GAEParams) -> tuple[Tensor, Tensor]:
    """Turn-level GAE: one value per turn (read at its first token), GAE across turns with
    ``turn_gamma, turn_lam``, and each turn's advantage spread over its tokens (VAGEN's turn-wise
    PPO baseline). The returns, the critic's targets, sit on each turn's first token only.

    >>> rewards = torch.tensor([[[0.0, 1.0], [0.0, 1.0]]])
    >>> values = torch.tensor([[[0.5, 7.0], [0.5, 7.0]]])  # only the first token's value counts
    >>> adv, ret = turn_gae(rewards, values, torch.ones(1, 2, 2), GAEParams(turn_gamma=1.0, turn_lam=1.0))
    >>> adv.tolist(), ret.tolist()
    ([[[1.5, 1.5], [0.5, 0.5]]], [[[2.0, 0.0], [1.0, 0.0]]])
    """
    advantages, returns, _ = _turn_level(rewards, values, mask, params)
    first = torch.zeros_like(mask)
    first[..., 0] = 1
    return advantages[..., None] * mask, returns[..., None] * first * mask


def bilevel_gae(rewards: Tensor, values: Tensor, mask: Tensor, params: GAEParams) -> tuple[Tensor, Tensor]:
    """VAGEN's bi-level GAE (Wang et al., 2025, sec. 4.2): first GAE across turns, with
    ``turn_gamma, turn_lam`` and each turn valued at its first token, gives each turn the target
    ``A_turn + V_first``; that target becomes the reward of the turn's last token, and token-level
    GAE with ``gamma, lam`` runs inside each turn alone (the value after its last token is 0).

    >>> rewards = torch.tensor([[[0.0, 1.0], [0.0, 1.0]]])
    >>> values = torch.zeros(1, 2, 2)
    >>> params = GAEParams(gamma=1.0, lam=1.0, turn_gamma=0.5, turn_lam=1.0)
    >>> bilevel_gae(rewards, values, torch.ones(1, 2, 2), params)[0].tolist()
    [[[1.5, 1.5], [1.0, 1.0]]]
    """
    episodes, turns, length = rewards.shape
    turn_advantages, _, taken = _turn_level(rewards, values, mask, params)
    target = turn_advantages + values[..., 0] * taken  # (E, K)
    last = torch.zeros_like(mask)
    ends = (mask.cumsum(dim=2) == mask.sum(dim=2, keepdim=True)) & mask.bool()  # the last model token
    last[ends] = 1
    inner = mask.reshape(episodes * turns, length)
    advantages, returns = masked_gae((last * target[..., None]).reshape(episodes * turns, length),
                                     values.reshape(episodes * turns, length), inner, params.gamma,
                                     _token_lam(inner, params))  # fmt: skip
    return advantages.view_as(rewards), returns.view_as(rewards)


GAE_ESTIMATORS: dict[str, Callable[[Tensor, Tensor, Tensor, GAEParams], tuple[Tensor, Tensor]]] = {
    "token": token_gae,
    "turn": turn_gae,
    "bilevel": bilevel_gae,
}


def whiten(values: Tensor, mask: Tensor) -> Tensor:
    """``(v - mean) / std`` over the masked-in entries, 0 elsewhere (PPO's advantage normalisation)."""
    inside = mask.bool()
    chosen = values[inside]
    if chosen.numel() < 2:
        return values * inside
    return torch.where(inside, (values - chosen.mean()) / (chosen.std() + 1e-8), 0.0)
