"""TextActions: replies in, parsed actions out, and bad replies never raise."""

import gymnasium as gym
import numpy as np
import pytest

import mmgym  # noqa: F401
from mmgym.envs.text_actions import TextActions


def _env(**kwargs):
    return TextActions(gym.make("mmgym/ClickShape-v0"), **kwargs)


def test_a_correct_reply_solves_the_task():
    env = _env()
    _, info = env.reset(seed=0)
    x, y = info["expert_action"].point
    answer = f'{{"action": "click", "coordinate": [{x}, {y}]}}'
    reply = f"<think>the shape is there</think><answer>{answer}</answer>"
    _, reward, terminated, _, info = env.step(reply)
    assert (reward, terminated, info["success"], info["parse_error"]) == (1.0, True, True, None)
    assert info["reward_components"] == {"success": 1.0, "format": 1.0}


def test_norm1000_points_are_converted_to_pixels():
    env = _env(coordinates="norm1000")
    _, info = env.reset(seed=0)
    x, y = info["expert_action"].point
    nx, ny = round((x + 0.5) * 1000 / 224), round((y + 0.5) * 1000 / 224)
    answer = f"[{{'action': 'click', 'point': [{nx}, {ny}]}}]"
    _, reward, _, _, info = env.step(f"<think></think><answer>{answer}</answer>")
    assert info["action"].point == (x, y)
    assert reward == 1.0


@pytest.mark.parametrize(
    "reply",
    ["", "click the red star", "<answer>{'action': 'click', 'coordinate': [9999, 3]}</answer>",
     "<think>x</think><answer>{\"action\": \"fly\"}</answer>", "<think>" * 10_000, "\x00\udcff"],
)  # fmt: skip
def test_bad_replies_are_a_wait_step_with_a_reason(reply):
    env = TextActions(gym.make("mmgym/FillForm-v0"))
    obs, _ = env.reset(seed=1)
    obs2, reward, terminated, truncated, info = env.step(reply)
    assert info["action"] is None
    assert isinstance(info["parse_error"], str) and "\n" not in info["parse_error"]
    assert (reward, terminated) == (0.0, False)
    np.testing.assert_array_equal(obs["image"], obs2["image"])  # a wait changes nothing here
    assert info["reward_components"]["format"] == 0.0  # layout and a parsed answer, as format_reward


def test_non_string_action_is_a_programming_error():
    env = _env()
    env.reset(seed=0)
    with pytest.raises(TypeError, match="takes the model's reply as a str"):
        env.step({"action_type": 0})
