"""MiniWoB++ tasks from the installed miniwob package, on mmgym's browser env: every id keeps the
Gymnasium contract and replays by seed; rewards follow MiniWoB's raw and binary semantics."""

from __future__ import annotations

import re
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import mmgym  # noqa: F401
from mmgym.envs.actions import Action
from mmgym.envs.browser.miniwob import CLOCK_DRIVEN, NEEDS_DRAG, MiniWoBEnv, miniwob_env_ids

pytest.importorskip("miniwob")
pytest.importorskip("playwright.sync_api")
IDS = miniwob_env_ids()


def _click(elements: str, pattern: str) -> Action:
    """A click on the centre of the first element line matching ``pattern``, from the ``elements``
    observation."""
    for line in elements.splitlines():
        box = re.match(r"\[(-?\d+),(-?\d+),(-?\d+),(-?\d+)\] (.*)", line)
        if box and re.search(pattern, box.group(5)):
            left, top, right, bottom = map(int, box.groups()[:4])
            return Action.click((left + right) // 2, (top + bottom) // 2)
    raise AssertionError(f"no element matches {pattern!r} in:\n{elements}")


def test_the_registered_tasks():
    assert len(IDS) == 125 - len(NEEDS_DRAG) - len(CLOCK_DRIVEN) == 108
    assert "mmgym/miniwob.click-test-2-v0" in IDS and "mmgym/miniwob.email-inbox-v0" in IDS
    assert not any(f"mmgym/miniwob.{name}-v0" in IDS for name in NEEDS_DRAG | CLOCK_DRIVEN)
    assert gym.spec("mmgym/miniwob.click-button-v0").max_episode_steps == 30


@pytest.mark.slow
@pytest.mark.parametrize("env_id", IDS)
def test_check_env_and_same_seed_replays(env_id):
    """Every id keeps the Gymnasium contract, and the same seed and actions give the same
    instruction, screens, rewards and ends."""
    env = gym.make(env_id)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*symmetric and normalized space.*")
            check_env(env.unwrapped, skip_render_check=True)
        runs = []
        for _ in range(2):
            observation, _ = env.reset(seed=11)
            env.action_space.seed(11)
            run = [observation]
            for _ in range(3):
                observation, reward, terminated, truncated, _ = env.step(env.action_space.sample())
                run.append((observation, reward, terminated, truncated))
                if terminated or truncated:
                    break
            runs.append(run)
        assert "{" not in runs[0][0]["instruction"] and len(runs[0]) == len(runs[1])
        for first, again in zip(*runs, strict=True):
            first, again = (first, again) if isinstance(first, tuple) else ((first,), (again,))
            assert first[0]["instruction"] == again[0]["instruction"] and first[1:] == again[1:]
            np.testing.assert_array_equal(first[0]["image"], again[0]["image"])
    finally:
        env.close()


@pytest.mark.parametrize("reward", ["raw", "binary"])
def test_the_right_button_scores_one_and_the_wrong_one_minus_one(reward):
    env = MiniWoBEnv("click-test-2", reward=reward, elements=True)
    try:
        observation, _ = env.reset(seed=0)
        assert observation["image"].shape == (210, 160, 3)
        wanted = re.fullmatch(r"Click button (ONE|TWO)\.", observation["instruction"]).group(1)
        _, score, terminated, _, info = env.step(_click(observation["elements"], f"button {wanted}$"))
        assert (score, terminated, info["success"]) == (1.0, True, True)

        observation, _ = env.reset(seed=0)
        other = {"ONE": "TWO", "TWO": "ONE"}[wanted]
        _, score, terminated, _, info = env.step(_click(observation["elements"], f"button {other}$"))
        assert (score, terminated, info["success"]) == (-1.0, True, False)
    finally:
        env.close()


def test_typing_into_a_form_and_giving_up():
    env = MiniWoBEnv("enter-text", elements=True)
    try:
        observation, _ = env.reset(seed=4)
        asked = r'Enter "(.+)" into the text field and press Submit\.'
        text = re.fullmatch(asked, observation["instruction"])[1]
        env.step(_click(observation["elements"], r"^input"))
        observation, score, terminated, _, _ = env.step(Action.type_text(text))
        assert (score, terminated) == (0.0, False) and f'value="{text}"' in observation["elements"]
        _, score, terminated, _, info = env.step(_click(observation["elements"], "button Submit"))
        assert (score, terminated, info["success"]) == (1.0, True, True)

        env.reset(seed=4)
        _, score, terminated, _, info = env.step(Action.finish())
        assert (score, terminated, info["success"]) == (-1.0, True, False)
    finally:
        env.close()
