"""Known-answer tests of GAE over multi-turn episodes, worked out by hand (in the style of
stable-baselines3's tests/test_gae.py), and of the clipped value loss."""

from __future__ import annotations

import doctest

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mmgym.trainers import gae as gae_module
from mmgym.trainers.gae import GAEParams, bilevel_gae, masked_gae, token_gae, turn_gae, whiten
from mmgym.trainers.losses import clipped_policy_loss, clipped_value_loss


def close(actual: torch.Tensor, expected: list) -> None:
    torch.testing.assert_close(actual, torch.tensor(expected, dtype=actual.dtype), atol=1e-4, rtol=0)


def test_doctests_pass():
    assert doctest.testmod(gae_module).failed == 0


def test_masked_gae_skips_environment_tokens():
    """Two model tokens, two environment tokens (their rewards and values must be ignored), one
    model token; gamma 0.9, lambda 0.8:
    t=4: delta = 2 - 0.5 = 1.5, A = 1.5
    t=1: delta = 1 + 0.9 * 0.5 - 1.0 = 0.45, A = 0.45 + 0.72 * 1.5 = 1.53
    t=0: delta = 0 + 0.9 * 1.0 - 0.5 = 0.4, A = 0.4 + 0.72 * 1.53 = 1.5016"""
    rewards = torch.tensor([[0.0, 1.0, 5.0, 5.0, 2.0]])
    values = torch.tensor([[0.5, 1.0, 9.0, 9.0, 0.5]])
    mask = torch.tensor([[1, 1, 0, 0, 1]])
    advantages, returns = masked_gae(rewards, values, mask, gamma=0.9, lam=0.8)
    close(advantages, [[1.5016, 1.53, 0.0, 0.0, 1.5]])
    close(returns, [[2.0016, 2.53, 0.0, 0.0, 2.0]])


def plain_gae(rewards: list[float], values: list[float], gamma: float, lam: float) -> list[float]:
    advantages, last = [0.0] * len(rewards), 0.0
    for t in reversed(range(len(rewards))):
        next_value = values[t + 1] if t + 1 < len(rewards) else 0.0
        last = rewards[t] + gamma * next_value - values[t] + gamma * lam * last
        advantages[t] = last
    return advantages


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2), st.booleans()), min_size=1, max_size=12),
       st.floats(0, 1), st.floats(0, 1))  # fmt: skip
def test_masked_gae_equals_plain_gae_on_the_model_tokens_alone(tokens, gamma, lam):
    rewards = torch.tensor([[r for r, _, _ in tokens]], dtype=torch.float64)
    values = torch.tensor([[v for _, v, _ in tokens]], dtype=torch.float64)
    mask = torch.tensor([[m for _, _, m in tokens]])
    advantages, _ = masked_gae(rewards, values, mask, gamma, lam)
    kept = [(r, v) for r, v, m in tokens if m]
    expected = plain_gae([r for r, _ in kept], [v for _, v in kept], gamma, lam)
    assert advantages[mask.bool()].tolist() == pytest.approx(expected, abs=1e-9)


def test_token_gae_runs_across_turns_and_skips_padding():
    """One episode, two turns (2 and 1 tokens, then a padding slot); reward 1 per turn on its last
    token, values 0, gamma 0.5, lambda 1: the stream is r = [0, 1, 1] -> A = [0.75, 1.5, 1]."""
    rewards = torch.tensor([[[0.0, 1.0], [1.0, 0.0]]])
    mask = torch.tensor([[[1, 1], [1, 0]]])
    advantages, returns = token_gae(rewards, torch.zeros(1, 2, 2), mask, GAEParams(gamma=0.5, lam=1.0))
    close(advantages, [[[0.75, 1.5], [1.0, 0.0]]])
    close(returns, [[[0.75, 1.5], [1.0, 0.0]]])


def test_turn_gae_gives_each_turn_one_advantage():
    """Three turns of 2, 1 and 2 tokens; rewards 0, 0, 1; turn values 0.2, 0.4, 0.6 (read at each
    turn's first token); turn_gamma 0.9, turn_lam 0.5:
    k=2: delta = 1 - 0.6 = 0.4, A = 0.4
    k=1: delta = 0.9 * 0.6 - 0.4 = 0.14, A = 0.14 + 0.45 * 0.4 = 0.32
    k=0: delta = 0.9 * 0.4 - 0.2 = 0.16, A = 0.16 + 0.45 * 0.32 = 0.304"""
    rewards = torch.tensor([[[0.0, 0.0], [0.0, 0.0], [0.0, 1.0]]])
    values = torch.tensor([[[0.2, 5.0], [0.4, 0.0], [0.6, 5.0]]])
    mask = torch.tensor([[[1, 1], [1, 0], [1, 1]]])
    advantages, returns = turn_gae(rewards, values, mask, GAEParams(turn_gamma=0.9, turn_lam=0.5))
    close(advantages, [[[0.304, 0.304], [0.32, 0.0], [0.4, 0.4]]])
    close(returns, [[[0.504, 0.0], [0.72, 0.0], [1.0, 0.0]]])


def test_bilevel_gae_hands_the_turn_target_to_the_turns_last_token():
    """Two turns of two tokens; rewards 0.5 and 1; token values [0.2, 0.3] and [0.4, 0.6];
    turn_gamma 0.9, turn_lam 1, gamma 0.8, lambda 0.5.
    Turns (valued at first tokens 0.2, 0.4): A_1 = 1 - 0.4 = 0.6; A_0 = 0.5 + 0.9 * 0.4 - 0.2
    + 0.9 * 0.6 = 1.2; targets 1.2 + 0.2 = 1.4 and 0.6 + 0.4 = 1.0.
    Turn 0 tokens: A = 1.4 - 0.3 = 1.1; A = 0.8 * 0.3 - 0.2 + 0.4 * 1.1 = 0.48.
    Turn 1 tokens: A = 1.0 - 0.6 = 0.4; A = 0.8 * 0.6 - 0.4 + 0.4 * 0.4 = 0.24."""
    rewards = torch.tensor([[[0.0, 0.5], [0.0, 1.0]]])
    values = torch.tensor([[[0.2, 0.3], [0.4, 0.6]]])
    params = GAEParams(gamma=0.8, lam=0.5, turn_gamma=0.9, turn_lam=1.0)
    advantages, returns = bilevel_gae(rewards, values, torch.ones(1, 2, 2), params)
    close(advantages, [[[0.48, 1.1], [0.24, 0.4]]])
    close(returns, [[[0.68, 1.4], [0.64, 1.0]]])


@pytest.mark.parametrize("estimator", [token_gae, turn_gae, bilevel_gae])
def test_decoupled_critic_lambda_one_gives_monte_carlo_returns(estimator):
    """VC-PPO: with the critic's lambda at 1 (and gamma 1) its targets are the rewards still to
    come, whatever the values; the policy's advantages at lambda 0.5 do depend on the values."""
    torch.manual_seed(0)
    rewards = torch.tensor([[[0.0, 1.0], [0.0, 2.0], [3.0, 0.0]]])
    mask = torch.tensor([[[1, 1], [1, 1], [1, 0]]])
    to_go = torch.tensor([[[6.0, 6.0], [5.0, 5.0], [3.0, 0.0]]])
    params = GAEParams(gamma=1.0, lam=0.5, turn_gamma=1.0, turn_lam=0.5)
    for values in (torch.zeros(1, 3, 2), torch.randn(1, 3, 2)):
        _, returns = estimator(rewards, values * mask, mask, params.for_critic(1.0))
        where = returns != 0  # turn GAE keeps targets on each turn's first token only
        assert returns[where].tolist() == pytest.approx(to_go[where].tolist(), abs=1e-6)
    at_zero, at_one = (estimator(rewards, v * mask.float(), mask, params)[0] for v in (0.0, 1.0))
    assert not torch.allclose(at_zero, at_one)


def test_length_adaptive_lambda_is_per_episode():
    """VAPO: an episode of 40 model tokens gets lambda 1 - 1 / (0.05 * 40) = 0.5, one of 100
    tokens 0.8; each row's advantages equal plain GAE at its own lambda."""
    rewards = torch.zeros(2, 1, 100)
    rewards[0, 0, 39], rewards[1, 0, 99] = 1.0, 1.0
    values = torch.rand(2, 1, 100)
    mask = torch.zeros(2, 1, 100)
    mask[0, 0, :40], mask[1, 0, :] = 1, 1
    advantages, _ = token_gae(rewards, values * mask, mask, GAEParams(lam=0.95, lam_alpha=0.05))
    for row, (length, lam) in enumerate([(40, 0.5), (100, 0.8)]):
        expected = plain_gae(rewards[row, 0, :length].tolist(), values[row, 0, :length].tolist(), 1.0, lam)
        assert advantages[row, 0, :length].tolist() == pytest.approx(expected, abs=1e-5)


def test_whitening_uses_model_tokens_only():
    values = torch.tensor([[1.0, 3.0, 100.0]])
    close(whiten(values, torch.tensor([[1, 1, 0]])), [[-0.7071, 0.7071, 0.0]])


def test_value_clipping_bounds_how_far_a_prediction_can_gain():
    """Old value 0, clip 0.5. A prediction that moved past 0.5 towards its target 3 is scored as
    if it stopped at 0.5 (no gradient to move further); one that moved away is scored as itself."""
    values = torch.tensor([[2.0, -2.0, 0.3]], requires_grad=True)
    old, returns = torch.zeros(1, 3), torch.full((1, 3), 3.0)
    loss = clipped_value_loss(values, old, returns, torch.ones(1, 3), clip=0.5)
    # per token: 0.5 * max(1, 6.25) = 3.125; 0.5 * max(25, 6.25) = 12.5; 0.5 * max(7.29, 7.29) = 3.645
    assert loss.loss.item() == pytest.approx((3.125 + 12.5 + 3.645) / 3)
    assert loss.clip_fraction.item() == pytest.approx(1 / 3)
    loss.loss.backward()
    assert values.grad[0, 0] == 0.0 and values.grad[0, 1] != 0.0 and values.grad[0, 2] < 0.0
    unclipped = clipped_value_loss(values.detach(), old, returns, torch.ones(1, 3), clip=0.0)
    assert unclipped.loss.item() == pytest.approx(0.5 * (1 + 25 + 7.29) / 3)


def test_per_token_advantages_equal_broadcast_sequence_advantages():
    logprobs, old = torch.randn(2, 3), torch.randn(2, 3)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    kwargs = {"eps_low": 0.2, "eps_high": 0.28, "aggregation": "token", "max_tokens": 3}
    per_sequence = clipped_policy_loss(logprobs, old, torch.tensor([0.5, -1.0]), mask, **kwargs)
    per_token = clipped_policy_loss(logprobs, old, torch.tensor([[0.5] * 3, [-1.0] * 3]), mask, **kwargs)
    assert per_token.loss.item() == pytest.approx(per_sequence.loss.item())
