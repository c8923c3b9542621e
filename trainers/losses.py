"""Losses of the GRPO and PPO families as pure tensor functions: the clipped policy surrogate and
the clipped value loss.

Shapes: ``B`` sequences (one per episode, every model turn of it), ``T`` tokens each. ``mask`` is 1
on tokens the model generated and 0 on prompt, environment and padding tokens, so only the model's
own tokens are trained.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

import torch
from torch import Tensor

Aggregation = Literal["token", "sequence", "constant"]
KLEstimator = Literal["k1", "k3"]


def token_mean(values: Tensor, mask: Tensor, max_tokens: int) -> Tensor:
    """DAPO token-level aggregation (Yu et al., 2025, eq. 12): every generated token of the batch
    weighs the same, so long replies are not down-weighted: ``sum(v * m) / sum(m)``."""
    return (values * mask).sum() / mask.sum().clamp(min=1)


def sequence_mean(values: Tensor, mask: Tensor, max_tokens: int) -> Tensor:
    """GRPO's aggregation (Shao et al., 2024, eq. 3): the mean over each sequence's tokens, then
    over sequences."""
    per_sequence = (values * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
    return per_sequence.mean()


def constant_normaliser(values: Tensor, mask: Tensor, max_tokens: int) -> Tensor:
    """Dr. GRPO (Liu et al., 2025): sum over tokens divided by a constant, ``B * max_tokens``,
    instead of each sequence's length, which biases towards long wrong and short right replies."""
    return (values * mask).sum() / (values.shape[0] * max_tokens)


AGGREGATIONS: dict[str, Callable[[Tensor, Tensor, int], Tensor]] = {
    "token": token_mean,
    "sequence": sequence_mean,
    "constant": constant_normaliser,
}


def kl_penalty(logprobs: Tensor, ref_logprobs: Tensor, estimator: KLEstimator) -> Tensor:
    """Per-token estimate of KL(pi || pi_ref) from samples of pi (Schulman, 2020, "Approximating
    KL divergence"): k1 = ``log pi - log pi_ref``; k3 = ``exp(-k1) + k1 - 1`` (always >= 0, as in
    GRPO's eq. 4).

    >>> kl_penalty(torch.tensor([0.0]), torch.tensor([-1.0]), "k3").item()  # doctest: +ELLIPSIS
    0.3678...
    """
    log_ratio = logprobs - ref_logprobs
    if estimator == "k1":
        return log_ratio
    if estimator == "k3":
        return torch.exp(-log_ratio) + log_ratio - 1
    raise ValueError(f"unknown KL estimator {estimator!r}; use k1 or k3")


class PolicyLoss(NamedTuple):
    loss: Tensor  # scalar to minimise
    clip_fraction: Tensor  # share of model tokens whose ratio was clipped
    kl: Tensor  # mean per-token KL estimate (0 without a reference)


def clipped_policy_loss(
    logprobs: Tensor,  # (B, T) under the policy being trained
    old_logprobs: Tensor,  # (B, T) under the policy that sampled
    advantages: Tensor,  # (B,) one per sequence, or (B, T) one per token
    mask: Tensor,  # (B, T) 1 on model tokens
    *,
    eps_low: float,
    eps_high: float,
    aggregation: Aggregation,
    max_tokens: int,
    ref_logprobs: Tensor | None = None,  # (B, T) under the frozen reference
    kl_coef: float = 0.0,
    kl_estimator: KLEstimator = "k3",
    token_weights: Tensor | None = None,  # (B, T) importance weights of the surrogate, e.g. TIS's
) -> PolicyLoss:
    """The PPO-style clipped surrogate of GRPO with DAPO's decoupled clip (clip-higher, Yu et al.,
    2025, eq. 10): ``-min(rho * A, clip(rho, 1 - eps_low, 1 + eps_high) * A)`` per token, with
    ``rho = exp(log pi - log pi_old)``, times ``token_weights`` if given, plus
    ``kl_coef * KL(pi || pi_ref)``, aggregated over tokens.
    """
    mask = mask.to(logprobs.dtype)
    ratio = torch.exp(logprobs - old_logprobs)
    advantage = advantages[:, None] if advantages.ndim == 1 else advantages
    unclipped = ratio * advantage
    clipped = ratio.clamp(1 - eps_low, 1 + eps_high) * advantage
    per_token = -torch.minimum(unclipped, clipped)
    if token_weights is not None:
        per_token = per_token * token_weights
    aggregate = AGGREGATIONS[aggregation]
    kl = torch.zeros((), dtype=logprobs.dtype)
    if ref_logprobs is not None and kl_coef:
        per_token_kl = kl_penalty(logprobs, ref_logprobs, kl_estimator)
        per_token = per_token + kl_coef * per_token_kl
        kl = token_mean(per_token_kl.detach(), mask, max_tokens)
    was_clipped = (clipped < unclipped).to(logprobs.dtype).detach()
    return PolicyLoss(aggregate(per_token, mask, max_tokens), token_mean(was_clipped, mask, max_tokens), kl)


class ValueLoss(NamedTuple):
    loss: Tensor  # scalar to minimise
    clip_fraction: Tensor  # share of model tokens whose clipped prediction set the loss


def clipped_value_loss(
    values: Tensor,  # (B, T) the critic's predictions now
    old_values: Tensor,  # (B, T) its predictions when the batch was collected
    returns: Tensor,  # (B, T) the targets
    mask: Tensor,  # (B, T) 1 where a value is trained
    clip: float,  # 0: plain squared error
) -> ValueLoss:
    """PPO's clipped value loss (Schulman et al., 2017, as in the OpenAI baselines ppo2 code):
    ``0.5 * max((V - R)^2, (V_clip - R)^2)`` with ``V_clip = V_old + clip(V - V_old, -c, c)``, the
    token mean over ``mask``. A prediction cannot gain by moving more than ``c`` from where it was.

    >>> loss = clipped_value_loss(torch.tensor([[2.0]]), torch.tensor([[0.0]]), torch.tensor([[3.0]]),
    ...                           torch.ones(1, 1), clip=0.5)
    >>> loss.loss.item(), loss.clip_fraction.item()  # 0.5 * (0.5 - 3)^2 beats 0.5 * (2 - 3)^2
    (3.125, 1.0)
    """
    mask = mask.to(values.dtype)
    squared = (values - returns) ** 2
    if not clip:
        return ValueLoss(0.5 * token_mean(squared, mask, 0), torch.zeros((), dtype=values.dtype))
    clipped = old_values + (values - old_values).clamp(-clip, clip)
    clipped_squared = (clipped - returns) ** 2
    per_token = 0.5 * torch.maximum(squared, clipped_squared)
    was_clipped = (clipped_squared > squared).to(values.dtype).detach()
    return ValueLoss(token_mean(per_token, mask, 0), token_mean(was_clipped, mask, 0))
