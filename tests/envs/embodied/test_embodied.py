"""Every embodied id keeps the Gymnasium contract in both action interfaces, replays by seed and is
solved by its oracle; the skills' text form; and, on the tabletop, the camera grounding of move_to
and what bad actions get."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import mmgym  # noqa: F401
from mmgym.agents import OracleAgent
from mmgym.agents.policies import OraclePolicy, RandomPolicy
from mmgym.envs.embodied import rendering
from mmgym.envs.embodied.skills import Skill
from mmgym.envs.embodied.tasks import EMBODIED_TASKS, embodied_env_ids
from mmgym.envs.text_actions import TextActions
from mmgym.episodes import evaluate_policy, run_episode

SMALL = {"width": 64, "height": 64}


@pytest.mark.parametrize("env_id", embodied_env_ids())
def test_check_env_and_same_seed_replays(env_id):
    env = gym.make(env_id, **SMALL)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*symmetric and normalized space.*")
        check_env(env.unwrapped)
    runs = []
    for _ in range(2):
        observation, _ = env.reset(seed=5)
        env.action_space.seed(5)
        run = [observation]
        for _ in range(4):
            observation, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            run.append((observation, reward, terminated))
        runs.append(run)
    for first, again in zip(*runs, strict=True):
        first, again = (first, again) if isinstance(first, tuple) else ((first,), (again,))
        assert first[1:] == again[1:] and first[0]["instruction"] == again[0]["instruction"]
        np.testing.assert_array_equal(first[0]["image"], again[0]["image"])
        np.testing.assert_array_equal(first[0]["state"], again[0]["state"])
    env.close()


def _success_rate(env_id: str, seeds: range, expert: bool, **kwargs) -> float:
    env = gym.make(env_id, **SMALL, **kwargs)
    policy = OraclePolicy() if expert else RandomPolicy(env.action_space)
    rate = evaluate_policy(env, policy, env_id, "", seeds).summary()["success_rate"]
    env.close()
    return rate


@pytest.mark.parametrize("env_id", embodied_env_ids("skills"))
def test_the_oracle_solves_every_seed_with_skills(env_id):
    assert _success_rate(env_id, range(100), expert=True) >= 0.95


@pytest.mark.slow
@pytest.mark.parametrize("env_id", embodied_env_ids("continuous"))
def test_the_oracle_solves_every_seed_with_continuous_control(env_id):
    assert _success_rate(env_id, range(100), expert=True) >= 0.95


@pytest.mark.parametrize("task", EMBODIED_TASKS[:3], ids=lambda task: task.name)
def test_random_actions_rarely_succeed(task):
    assert _success_rate(task.ids["skills"], range(20), expert=False) <= 0.3


@pytest.mark.parametrize("camera", ["top", "front"])
def test_move_to_goes_over_what_the_pixel_shows(camera):
    env = gym.make("mmgym/PickPlace-v0", camera=camera).unwrapped
    env.reset(seed=3)
    block = env.block_position(0)
    x, y = env.scene_to_pixel(block + (0, 0, 0.025))  # the centre of its top face
    _, _, _, _, info = env.step(Skill.move_to(x, y))
    assert "invalid_action" not in info
    assert np.linalg.norm(env.gripper[:2] - block[:2]) < 0.01
    _, _, _, _, info = env.step(Skill.grasp())
    assert env.observation_space["state"].contains(env._observation()["state"])
    assert env._observation()["state"][6] == 1.0  # holding it
    env.close()


def test_bad_actions_are_clipped_or_rejected_with_the_reason():
    env = gym.make("mmgym/ReachTarget-v0", **SMALL).unwrapped
    env.reset(seed=0)
    start = env.gripper
    _, _, _, _, info = env.step(Skill.move("left", 50))
    assert info["action_note"] == "amount 50 cm clipped to 20"
    assert env.gripper[0] == pytest.approx(start[0] - 0.2, abs=0.003)
    _, _, _, _, info = env.step(Skill.move_to(64, 3))
    assert info["invalid_action"].startswith("move_to [64, 3]")
    _, _, _, _, info = env.step({"action": "fly"})
    assert info["invalid_action"].startswith("action must be one of move, move_to")
    env = gym.make("mmgym/ReachTargetContinuous-v0", **SMALL).unwrapped
    env.reset(seed=0)
    _, _, _, _, info = env.step(np.array([3.0, 0, 0, 0]))
    assert info["action_note"] == "action clipped to [-1, 1]"
    _, _, _, _, info = env.step(np.array([np.nan, 0, 0, 0]))
    assert "invalid_action" in info


@pytest.mark.parametrize("data, why", [
    ({"action": "move", "direction": "north", "amount": 3}, "move needs a direction"),
    ({"action": "move", "direction": "up", "amount": "3"}, "move needs an amount"),
    ({"action": "move", "direction": "up", "amount": float("inf")}, "move needs an amount"),
    ({"action": "move_to", "coordinate": [1.5, 2]}, "move_to needs a coordinate"),
    (["grasp"], "a skill is a JSON object"),
])  # fmt: skip
def test_skills_parse_strictly(data, why):
    with pytest.raises(ValueError, match=why):
        Skill.from_dict(data)


SKILLS = [Skill.move("up", 4.5), Skill.move_to(3, 60), Skill.grasp(), Skill.release(), Skill.finish()]


@pytest.mark.parametrize("skill", SKILLS)
def test_skills_round_trip(skill):
    assert Skill.from_dict(skill.to_dict()) == skill
    assert Skill.from_space(skill.to_space()) == skill


def test_no_opengl_library_is_one_line(monkeypatch):
    monkeypatch.delenv("MUJOCO_GL", raising=False)
    monkeypatch.setattr(rendering.ctypes.util, "find_library", lambda name: None)
    one_line = "^no offscreen OpenGL library for MuJoCo: install libegl1 "
    with pytest.raises(rendering.RenderingUnavailable, match=one_line):
        rendering.choose_backend()


def test_model_replies_drive_the_skills_in_any_coordinate_convention():
    env = TextActions(gym.make("mmgym/BuildTower-v0", **SMALL), coordinates="norm1000")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*different from the unwrapped version.*")
        check_env(env)
    result = run_episode(env, OracleAgent(coordinates="norm1000"), seed=3)
    assert result.success and result.invalid_replies == 0 and result.type_matches == result.steps
    env.reset(seed=3)
    before = env.unwrapped.gripper
    _, _, _, _, info = env.step('<think>hm</think><answer>{"action": "click", "coordinate": [5, 5]}</answer>')
    assert info["action"] is None and info["parse_error"].startswith("action must be one of move, move_to")
    assert info["reward_components"]["format"] == 0.0
    np.testing.assert_allclose(env.unwrapped.gripper, before, atol=1e-3)  # an unparsed reply moves nothing
