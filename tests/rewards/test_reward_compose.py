"""Composing rewards: weighted sums, named components and the (N, R) matrix."""

import math

import numpy as np
import pytest

from mmgym.rewards import (
    action_type_reward,
    format_reward,
    reward_components,
    reward_matrix,
    reward_name,
    weighted_sum,
)

GOOD = '<think>back</think><answer>{"action": "navigate_back"}</answer>'
NO_THINK = '<answer>{"action": "navigate_back"}</answer>'
WRONG = '<think>wait</think><answer>{"action": "wait"}</answer>'
COMPLETIONS = [GOOD, NO_THINK, WRONG, "garbage"]
EXPERT = [{"action": "navigate_back"}] * 4


def test_weighted_sum_known_answers():
    combined = weighted_sum({format_reward: 0.2, action_type_reward: 0.8})
    # format: [1, 0, 1, 0]; type: [1, 1, 0, 0] -> 0.2 * f + 0.8 * t
    scores = combined(COMPLETIONS, expert_action=EXPERT)
    assert scores == pytest.approx([1.0, 0.8, 0.2, 0.0])
    assert combined.__name__ == "weighted(format=0.2,action_type=0.8)"


def test_weighted_sum_allows_zero_and_negative_weights():
    penalty = weighted_sum({format_reward: -1.0, action_type_reward: 0.0})
    assert penalty(COMPLETIONS, expert_action=EXPERT) == [-1.0, 0.0, -1.0, 0.0]


@pytest.mark.parametrize("weight", [math.nan, math.inf, -math.inf, "0.5", None])
def test_weighted_sum_needs_finite_weights(weight):
    with pytest.raises(ValueError, match="format_reward must be a finite number"):
        weighted_sum({format_reward: weight})


def test_weighted_sum_needs_rewards():
    with pytest.raises(ValueError, match="at least one reward"):
        weighted_sum({})
    with pytest.raises(TypeError, match="must be reward functions"):
        weighted_sum({"format": 1.0})


def test_a_reward_breaking_the_contract_is_named():
    def nan_reward(completions, **kwargs):
        return [math.nan] * len(completions)

    def short_reward(completions, **kwargs):
        return []

    with pytest.raises(ValueError, match="reward nan_reward returned nan for completion 0"):
        weighted_sum({nan_reward: 1.0})(["x"])
    with pytest.raises(ValueError, match="short returned 0 scores for 1 completions"):
        reward_components({"short": short_reward}, ["x"])


def test_reward_components_score_each_reward_by_name():
    components = reward_components(
        {"format": format_reward, "action_type": action_type_reward},
        COMPLETIONS,
        expert_action=EXPERT,
    )
    assert components == {"format": [1.0, 0.0, 1.0, 0.0], "action_type": [1.0, 1.0, 0.0, 0.0]}


def test_reward_matrix_has_one_row_per_completion():
    rewards = {"format": format_reward, "action_type": action_type_reward}
    matrix = reward_matrix(rewards, COMPLETIONS, expert_action=EXPERT)
    assert matrix.dtype == np.float64
    np.testing.assert_array_equal(matrix, [[1, 1], [0, 1], [1, 0], [0, 0]])
    assert reward_matrix(rewards, [], expert_action=[]).shape == (0, 2)
    assert reward_matrix({}, COMPLETIONS).shape == (4, 0)


def test_reward_name_falls_back_to_the_type():
    class Scorer:
        def __call__(self, completions, **kwargs):
            return [0.0] * len(completions)

    assert reward_name(format_reward) == "format_reward"
    assert reward_name(Scorer()) == "Scorer"
    assert weighted_sum({Scorer(): 2}).__name__ == "weighted(Scorer=2)"
