"""Advantage estimators against values worked out by hand."""

from __future__ import annotations

import doctest
import importlib

import pytest
import torch

from mmgym.trainers.advantages import (
    ESTIMATORS,
    cppo_keep,
    dr_grpo,
    grpo,
    informative_groups,
    overlong_penalty,
    rloo,
)


@pytest.mark.parametrize("module", ["mmgym.trainers.advantages", "mmgym.trainers.losses"])
def test_doctests_pass(module):
    failures, _ = doctest.testmod(importlib.import_module(module))
    assert failures == 0


def test_grpo_normalises_by_the_groups_sample_std():
    # Group 1: rewards 1, 0, 0 -> mean 1/3, Bessel std sqrt(((2/3)^2 + 2 (1/3)^2) / 2) = sqrt(1/3).
    advantages = grpo(torch.tensor([1.0, 0.0, 0.0, 0.5, 0.5, 0.5]), 3)
    std = (1 / 3) ** 0.5
    expected = [(2 / 3) / (std + 1e-4), (-1 / 3) / (std + 1e-4), (-1 / 3) / (std + 1e-4), 0.0, 0.0, 0.0]
    assert advantages.tolist() == pytest.approx(expected, rel=1e-6)


def test_dr_grpo_only_centres():
    assert dr_grpo(torch.tensor([3.0, 1.0, 2.0, 2.0]), 2).tolist() == [1.0, -1.0, 0.0, 0.0]


def test_rloo_baseline_leaves_each_episode_out():
    # 4 episodes: rewards 1, 0, 0, 1; baseline of the first = (0 + 0 + 1) / 3.
    advantages = rloo(torch.tensor([1.0, 0.0, 0.0, 1.0]), 4)
    assert advantages.tolist() == pytest.approx([2 / 3, -2 / 3, -2 / 3, 2 / 3])
    # ... which is G / (G - 1) times the centred reward.
    rewards = torch.rand(12)
    assert torch.allclose(rloo(rewards, 4), dr_grpo(rewards, 4) * 4 / 3, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_advantages_stay_in_their_group(name):
    """Changing one group's rewards never changes another group's advantages."""
    rewards = torch.tensor([1.0, 0.0, 0.2, 0.9, 0.0, 0.0, 0.7, 0.1])
    changed = rewards.clone()
    changed[4:6] = torch.tensor([5.0, -3.0])
    before, after = ESTIMATORS[name](rewards, 2), ESTIMATORS[name](changed, 2)
    keep = torch.tensor([1, 1, 1, 1, 0, 0, 1, 1], dtype=torch.bool)
    assert torch.equal(before[keep], after[keep])
    assert ESTIMATORS[name](torch.full((6,), 0.5), 3).abs().max() == 0  # equal rewards: no signal


def test_uneven_batches_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="do not split into groups of 4"):
        grpo(torch.zeros(6), 4)
    with pytest.raises(ValueError, match="group_size >= 2"):
        rloo(torch.zeros(3), 1)


def test_dynamic_sampling_keeps_groups_whose_rewards_differ():
    rewards = torch.tensor([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.3, 0.3, 0.4])
    assert informative_groups(rewards, 3).tolist() == [False, True, False, True]


def test_cppo_keeps_the_largest_magnitudes_of_each_group():
    advantages = torch.tensor([0.1, -0.9, 0.5, 0.0, 0.3, -0.3, 0.2, -0.25])
    assert cppo_keep(advantages, 4, 2).tolist() == [False, True, True, False,
                                                    True, True, False, False]  # fmt: skip
    assert cppo_keep(advantages, 4, 4).all()
    with pytest.raises(ValueError, match="between 1 and group_size=4"):
        cppo_keep(advantages, 4, 5)


def test_overlong_penalty_is_dapos_piecewise_line():
    # max 20, buffer 5: free up to 15 tokens, -0.2 per token after, -1 from 20 on.
    lengths = torch.tensor([0, 15, 16, 18, 20, 35])
    assert overlong_penalty(lengths, 20, 5).tolist() == pytest.approx([0, 0, -0.2, -0.6, -1, -1])
