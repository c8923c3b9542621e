"""Instructions as hashed word features, for policies that cannot read text."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

import mmgym  # noqa: F401
from mmgym.envs.instruction_features import InstructionFeatures, instruction_features


def test_features_mark_each_word_and_ignore_case_and_punctuation():
    features = instruction_features("Reach the RED target.")
    assert features.dtype == np.float32 and set(np.unique(features)) <= {0.0, 1.0}
    np.testing.assert_array_equal(features, instruction_features("reach, the red  target"))
    assert not np.array_equal(features, instruction_features("Reach the blue target."))


def test_the_wrapper_replaces_the_instruction_and_keeps_the_rest():
    env = InstructionFeatures(gym.make("mmgym/ReachTargetContinuous-v0", width=32, height=32))
    observation, _ = env.reset(seed=0)
    assert env.observation_space.contains(observation)
    instruction = env.unwrapped.instruction
    np.testing.assert_array_equal(observation["instruction"], instruction_features(instruction))
    assert observation["image"].shape == (32, 32, 3) and observation["state"].shape == (7,)
