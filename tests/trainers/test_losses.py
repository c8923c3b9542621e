"""The clipped policy loss, its aggregations and KL estimators against hand-worked values."""

from __future__ import annotations

import math

import pytest
import torch

from mmgym.trainers.losses import clipped_policy_loss, kl_penalty

# Two sequences: the first has 3 model tokens, the second 1 (then padding).
MASK = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])


def loss(logprobs, old, advantages, aggregation="token", eps_low=0.2, eps_high=0.2, **kwargs):
    return clipped_policy_loss(torch.tensor(logprobs), torch.tensor(old), torch.tensor(advantages), MASK,
                               eps_low=eps_low, eps_high=eps_high, aggregation=aggregation, max_tokens=4,
                               **kwargs)  # fmt: skip


def test_on_policy_loss_is_minus_the_aggregated_advantage():
    zeros = [[0.0] * 3] * 2
    # rho = 1 everywhere, so per token -A: -2 on the 3 tokens of seq 1 and +1 on the 1 of seq 2.
    assert loss(zeros, zeros, [2.0, -1.0], "token").loss.item() == pytest.approx((-6 + 1) / 4)
    assert loss(zeros, zeros, [2.0, -1.0], "sequence").loss.item() == pytest.approx((-2 + 1) / 2)
    assert loss(zeros, zeros, [2.0, -1.0], "constant").loss.item() == pytest.approx((-6 + 1) / (2 * 4))


def test_clip_higher_bounds_the_ratio_asymmetrically():
    old = [[0.0] * 3] * 2
    up, down = math.log(1.5), math.log(0.5)
    # Positive advantage, rho = 1.5: clipped at 1 + eps_high = 1.28 -> -1.28 per token.
    result = loss([[up] * 3, [up, 0, 0]], old, [1.0, 1.0], eps_low=0.2, eps_high=0.28)
    assert result.loss.item() == pytest.approx(-1.28)
    assert result.clip_fraction.item() == 1.0
    # Negative advantage, rho = 0.5: clipped at 1 - eps_low = 0.8 -> +0.8 per token.
    result = loss([[down] * 3, [down, 0, 0]], old, [-1.0, -1.0], eps_low=0.2, eps_high=0.28)
    assert result.loss.item() == pytest.approx(0.8)
    # The pessimistic side is never clipped: positive A with rho = 0.5 keeps -0.5.
    result = loss([[down] * 3, [down, 0, 0]], old, [1.0, 1.0], eps_low=0.2, eps_high=0.28)
    assert result.loss.item() == pytest.approx(-0.5)
    assert result.clip_fraction.item() == 0.0


def test_padding_tokens_carry_no_loss_and_no_gradient():
    logprobs = torch.zeros(2, 3, requires_grad=True)
    clipped_policy_loss(logprobs, torch.zeros(2, 3), torch.tensor([1.0, 1.0]), MASK, eps_low=0.2,
                        eps_high=0.2, aggregation="token", max_tokens=4).loss.backward()  # fmt: skip
    assert logprobs.grad[1, 1:].abs().sum() == 0
    assert (logprobs.grad[0] != 0).all() and logprobs.grad[1, 0] != 0


def test_kl_estimators():
    logp, ref = torch.tensor([math.log(0.5)]), torch.tensor([math.log(0.25)])
    assert kl_penalty(logp, ref, "k1").item() == pytest.approx(math.log(2))
    # k3 = r - log r - 1 with r = pi_ref / pi = 0.5.
    assert kl_penalty(logp, ref, "k3").item() == pytest.approx(0.5 - math.log(0.5) - 1)
    assert kl_penalty(ref, ref, "k3").item() == 0.0
    with pytest.raises(ValueError, match="use k1 or k3"):
        kl_penalty(logp, ref, "k2")


def test_kl_term_adds_coefficient_times_mean_kl():
    zeros = [[0.0] * 3] * 2
    ref = torch.full((2, 3), math.log(0.5))  # k1 = log 1 - log 0.5 = log 2 on every token
    result = loss(zeros, zeros, [0.0, 0.0], ref_logprobs=ref, kl_coef=0.1, kl_estimator="k1")
    assert result.kl.item() == pytest.approx(math.log(2))
    assert result.loss.item() == pytest.approx(0.1 * math.log(2))


def test_truncated_importance_sampling_weighs_tokens_by_the_capped_ratio():
    """TIS: the ratio starts from the trainer's log-probs, and each token weighs
    min(pi_trainer / pi_sampler, cap); padding weighs nothing. The gap is the mean |difference|."""
    from mmgym.trainers.config import GRPOConfig
    from mmgym.trainers.online import sampler_correction

    trainer = torch.tensor([[-1.0, -2.0, -0.5]])
    sampled = torch.tensor([[-1.0, -3.0, 0.0]])  # the last token is padding
    mask = torch.tensor([[1, 1, 0]])
    metrics = {}
    old, weights = sampler_correction(GRPOConfig(tis_cap=2.0), trainer, sampled, mask, metrics)
    assert torch.equal(old, trainer)
    assert weights.tolist() == [[1.0, 2.0, 0.0]]  # exp(1) = 2.72 is capped at 2
    assert metrics["sampler_logprob_gap"] == pytest.approx(0.5)
    old, weights = sampler_correction(GRPOConfig(), trainer, sampled, mask, metrics)
    assert torch.equal(old, sampled) and weights is None


def test_token_weights_scale_each_tokens_surrogate():
    logprobs = torch.zeros(1, 2, requires_grad=True)
    result = clipped_policy_loss(logprobs, torch.zeros(1, 2), torch.tensor([1.0]), torch.ones(1, 2),
                                 eps_low=0.2, eps_high=0.2, aggregation="token", max_tokens=2,
                                 token_weights=torch.tensor([[1.0, 0.5]]))  # fmt: skip
    result.loss.backward()
    assert result.loss.item() == pytest.approx(-(1.0 + 0.5) / 2)
    assert logprobs.grad.tolist() == [[-0.5, -0.25]]
