"""Embodied envs in subprocess vector envs, started after the parent has rendered (a GL context
that fork would copy into the children; forkserver and spawn start them clean)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import mmgym  # noqa: F401


@pytest.mark.slow
@pytest.mark.parametrize("context", ["forkserver", "spawn"])
def test_async_vector_envs_step_like_single_envs_after_the_parent_rendered(context):
    single = gym.make("mmgym/PickPlaceContinuous-v0", width=48, height=48)
    expected, _ = single.reset(seed=7)  # the parent renders first
    vector = gym.make_vec("mmgym/PickPlaceContinuous-v0", num_envs=2, vectorization_mode="async",
                          vector_kwargs={"context": context}, width=48, height=48)  # fmt: skip
    try:
        observations, _ = vector.reset(seed=7)  # env i gets seed 7 + i
        np.testing.assert_array_equal(observations["image"][0], expected["image"])
        action = np.array([[1, 0, -1, 0], [0, 1, 0, 1]], np.float32)
        observations, rewards, *_ = vector.step(action)
        stepped, reward, *_ = single.step(action[0])
        np.testing.assert_array_equal(observations["image"][0], stepped["image"])
        assert rewards[0] == pytest.approx(reward) and observations["image"].shape == (2, 48, 48, 3)
    finally:
        vector.close()
        single.close()
