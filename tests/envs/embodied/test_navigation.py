"""Navigation on MuJoCo (the contract, replay and oracle sweeps are in test_embodied.py): the oracle
from the front camera, paths around the maze's walls, instructions that say only what is true, the
camera grounding of move_to, walls that stop the robot, and what bad actions get."""

from __future__ import annotations

import doctest
import re

import gymnasium as gym
import numpy as np
import pytest

import mmgym  # noqa: F401
from mmgym.agents.policies import OraclePolicy
from mmgym.envs.embodied import navigation
from mmgym.envs.embodied.base import COLOURS
from mmgym.envs.embodied.navigation import NEAR, REACH, ROBOT_RADIUS, NavigateEnv, clear_lines
from mmgym.envs.embodied.skills import Skill
from mmgym.episodes import evaluate_policy

SMALL = {"width": 64, "height": 64}
#: An instruction: the goal's "colour shape" in group 2, its neighbour's, if named, in group 4.
INSTRUCTION = re.compile(r"(Go|Navigate|Move the robot|Drive) to the (\w+ \w+)( next to the (\w+ \w+))?\.")


def test_the_oracle_solves_every_seed_seen_from_the_front_camera():
    env = gym.make("mmgym/Navigate-v0", camera="front", **SMALL)
    assert evaluate_policy(env, OraclePolicy(), "", "", range(100)).summary()["success_rate"] >= 0.95
    env.close()


def test_the_path_goes_around_walls_and_progress_pays_it_out():
    env = NavigateEnv(control="continuous", **SMALL)
    env.reset(seed=11)  # the robot starts 75 cm from the goal, on the other side of an inner wall
    straight = np.linalg.norm(env.robot - env.object_position(env.goal))
    path = -env._potential
    assert not clear_lines(env.robot, env.object_position(env.goal)[None], env._walls, ROBOT_RADIUS)[0]
    assert path > straight + 1.0
    info, earned, terminated = {"expert_action": env.expert_action()}, 0.0, False
    while not terminated:
        _, _, terminated, _, info = env.step(info["expert_action"])
        earned += info["reward_components"]["progress"]
    assert info["success"] and info["reward_components"]["success"] == 1.0
    assert earned == pytest.approx(path, abs=REACH)  # what is left of the path at the end is within reach


def test_instructions_name_the_goal_uniquely_and_say_only_what_is_true():
    env, layouts, counts, neighbours = NavigateEnv(**SMALL), set(), set(), 0
    for seed in range(100):
        env.reset(seed=seed)
        match = INSTRUCTION.fullmatch(env.instruction)
        assert match, env.instruction
        names = [env.object_name(index) for index in env._shown]
        assert match[2] == env.object_name(env.goal) and names.count(match[2]) == 1
        if match[4]:
            neighbours += 1
            centre = env.object_position(env.goal)
            gaps = {env.object_name(i): np.linalg.norm(env.object_position(i) - centre) for i in env._shown}
            del gaps[match[2]]
            assert min(gaps, key=gaps.get) == match[4] and gaps[match[4]] <= NEAR
        layouts.add(tuple(env._walls[4:, :2].ravel().round(2)) + (int(env._walls[4, 2] > env._walls[4, 3]),))
        counts.add(len(env._shown))
    assert len(layouts) == 8 and counts == {3, 4, 5} and 5 <= neighbours <= 50


def test_the_image_shows_the_goal_in_its_colour():
    env = NavigateEnv()
    for seed in range(5):
        observation, _ = env.reset(seed=seed)
        x, y = env.scene_to_pixel(env.model.geom_pos[env._objects[env.goal]])
        shown = observation["image"][y, x] / 255
        assert np.abs(shown - COLOURS[env.colours[env.goal]]).max() < 0.35, (seed, shown)


@pytest.mark.parametrize("camera", ["top", "front"])
def test_move_to_drives_to_the_floor_point_the_pixel_shows(camera):
    env = NavigateEnv(camera=camera)
    env.reset(seed=3)
    start = env.robot
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    targets = start + 0.4 * np.stack([np.cos(angles), np.sin(angles)], axis=-1)  # (16, 2)
    target = next(t for t in targets if clear_lines(start, t[None], env._obstacles(), ROBOT_RADIUS + 0.02)[0])
    x, y = env.scene_to_pixel(np.append(target, 0.0))
    spot = env.pixel_to_scene((x, y))
    assert spot[2] == pytest.approx(0.0, abs=1e-6) and np.linalg.norm(spot[:2] - target) < 0.02  # the floor
    _, _, _, _, info = env.step(Skill.move_to(x, y))
    assert "invalid_action" not in info and "skill_note" not in info
    assert np.linalg.norm(env.robot - spot[:2]) < 0.01
    assert np.abs(env._observation()["state"][2:]).max() < 0.02  # and stopped there
    env.close()


def test_walls_stop_the_robot():
    env = NavigateEnv(control="continuous", **SMALL)
    env.reset(seed=4)  # the robot is right of an inner wall along y, within its span
    wall = next(w for w in env._walls[4:] if w[3] > w[2] and abs(env.robot[1] - w[1]) < w[3])
    assert 0 < env.robot[0] - wall[0] < 0.6
    closest = min(env.step(np.array([-1.0, 0.0]))[0]["state"][0] for _ in range(40))
    assert closest == pytest.approx(wall[0] + wall[2] + ROBOT_RADIUS, abs=0.005)


def test_bad_actions_are_clipped_or_rejected_with_the_reason():
    env = NavigateEnv(camera="front", **SMALL)
    env.reset(seed=4)
    start = env.robot
    _, _, _, _, info = env.step(Skill.move("left", 50))
    assert info["action_note"] == "amount 50 cm clipped to 20"
    np.testing.assert_allclose(env.robot, start - (0.2, 0), atol=0.003)
    notes = [(Skill.grasp(), "grasp does nothing: the robot has no gripper"),
             (Skill.release(), "release does nothing: the robot has no gripper"),
             (Skill.move("up", 5), "the robot stays on the floor: moving up does nothing")]  # fmt: skip
    for skill, note in notes:
        before = env.robot
        _, _, terminated, _, info = env.step(skill)
        assert info["skill_note"] == note and not terminated
        np.testing.assert_allclose(env.robot, before, atol=1e-3)
    _, _, _, _, info = env.step(Skill.move_to(64, 3))
    assert info["invalid_action"].startswith("move_to [64, 3]")
    _, _, _, _, info = env.step(Skill.move_to(0, 0))  # above the room: the front camera shows nothing there
    assert info["invalid_action"] == "move_to [0, 0]: the pixel shows nothing to move to"
    _, _, _, _, info = env.step({"action": "fly"})
    assert info["invalid_action"].startswith("action must be one of move, move_to")
    _, _, terminated, _, info = env.step(Skill.finish())
    assert terminated and not info["success"]
    env = NavigateEnv(control="continuous", **SMALL)
    env.reset(seed=4)
    _, _, _, _, info = env.step(np.array([3.0, 0.0]))
    assert info["action_note"] == "action clipped to [-1, 1]"
    for bad in ([np.nan, 0.0], [1.0, 0.0, 0.0, 0.0]):
        _, _, _, _, info = env.step(np.array(bad))
        assert info["invalid_action"].startswith("a continuous action is 2 finite numbers")


def test_doctests_pass():
    assert doctest.testmod(navigation).failed == 0
