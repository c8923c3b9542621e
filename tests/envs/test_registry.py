"""Registry-wide sweeps: every mmgym id keeps the Gymnasium contract and its oracle solves it."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import mmgym  # noqa: F401
from mmgym.agents import OracleAgent, RandomAgent
from mmgym.envs.actions import Action
from mmgym.envs.registration import TASKS
from mmgym.envs.text_actions import TextActions
from mmgym.episodes import run_episode

ENV_IDS = [spec.env_id for spec in TASKS]


@pytest.fixture(autouse=True)
def _quiet_checker():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*symmetric and normalized space.*")
        warnings.filterwarnings("ignore", message=".*different from the unwrapped version.*")
        yield


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env_structured_and_text(env_id):
    env = gym.make(env_id, render_mode="rgb_array")
    check_env(env.unwrapped)
    check_env(TextActions(env.unwrapped))


def _rollout(env_id: str, seed: int, steps: int, **kwargs):
    env = gym.make(env_id, **kwargs)
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    trace = [(obs, info)]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        trace.append((obs, reward, terminated, truncated, info))
        if terminated or truncated:
            obs, info = env.reset()
            trace.append((obs, info))
    return trace


def _assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, tuple | list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_same_rollout(env_id):
    first, second = _rollout(env_id, 7, 30), _rollout(env_id, 7, 30)
    _assert_same(first, second)
    other = _rollout(env_id, 8, 0)
    assert not np.array_equal(first[0][0]["image"], other[0][0]["image"])


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_oracle_solves_seeds_0_to_199(env_id):
    env = TextActions(gym.make(env_id))
    failures = [seed for seed in range(200) if not run_episode(env, OracleAgent(), seed).success]
    assert failures == []


@pytest.mark.slow
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_oracle_solves_large_screens(env_id):
    env = TextActions(gym.make(env_id, width=1280, height=720), coordinates="norm1000")
    agent = OracleAgent(coordinates="norm1000")
    failures = [seed for seed in range(20) if not run_episode(env, agent, seed).success]
    assert failures == []


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_random_agent_rarely_succeeds(env_id):
    env = TextActions(gym.make(env_id))
    results = [run_episode(env, RandomAgent(seed=seed), seed) for seed in range(30)]
    assert all(r.invalid_replies == 0 for r in results)
    assert sum(r.success for r in results) / len(results) < 0.5


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_expert_action_in_info_is_an_action(env_id):
    env = gym.make(env_id)
    _, info = env.reset(seed=0)
    assert isinstance(info["expert_action"], Action)
    _, _, terminated, _, info = env.step(info["expert_action"])
    assert set(info["reward_components"]) >= {"success"}
    assert "success" in info


@pytest.mark.slow
def test_async_vector_env():
    envs = gym.make_vec(ENV_IDS[0], num_envs=2, vectorization_mode="async")
    try:
        obs, info = envs.reset(seed=[3, 4])
        assert obs["image"].shape == (2, 224, 224, 3)
        assert len(obs["instruction"]) == 2
        actions = {"action_type": np.array([0, 8]),
                   "point": np.array([[1, 1], [2, 2]]), "direction": np.array([0, 0]),
                   "text": ("", ""), "key": np.array([0, 0])}  # fmt: skip
        _, reward, terminated, truncated, info = envs.step(actions)
        assert reward.shape == (2,) and terminated.all()  # single-step task
        assert info["success"].tolist() == [False, False]
        single = gym.make(ENV_IDS[0])
        expected, _ = single.reset(seed=3)
        envs.reset(seed=[3, 4])
        np.testing.assert_array_equal(envs.reset(seed=[3, 4])[0]["image"][0], expected["image"])
    finally:
        envs.close()


def test_screen_size_is_configurable_and_validated():
    env = gym.make(ENV_IDS[0], width=320, height=200)
    obs, _ = env.reset(seed=0)
    assert obs["image"].shape == (200, 320, 3)
    with pytest.raises(ValueError, match="width must be an int from 112 to 1920"):
        gym.make(ENV_IDS[0], width=5000)
