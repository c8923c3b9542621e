"""UI-R1's action-type and coordinate rewards, and GUI-R1's combined reward."""

import json
import math

import pytest

from mmgym.envs.actions import Action
from mmgym.rewards import (
    GUI_R1_ACCURACY_WEIGHT,
    GUI_R1_F1_THRESHOLD,
    GUI_R1_FORMAT_WEIGHT,
    GUI_R1_TOLERANCE_PX,
    action_type_reward,
    coordinate_in_box_reward,
    gui_r1_reward,
    make_gui_r1_reward,
)


def reply(action: dict | str, think: str = "I should act") -> str:
    body = action if isinstance(action, str) else json.dumps(action)
    return f"<think>{think}</think><answer>{body}</answer>"


def click(x, y, kind="click"):
    return reply({"action": kind, "coordinate": [x, y]})


# --- UI-R1 action type -------------------------------------------------------------------------


def test_action_type_reward_compares_types_only():
    expert = [{"action": "click", "coordinate": [100, 100]}] * 3
    replies = [click(0, 0), click(0, 0, "long_press"), reply({"action": "wait"})]
    assert action_type_reward(replies, expert_action=expert) == [1.0, 0.0, 0.0]


def test_action_type_reward_leaves_the_layout_to_format_reward():
    no_think = '<answer>{"action": "scroll", "direction": "down"}</answer>'
    assert action_type_reward([no_think], expert_action=[Action.scroll("up")]) == [1.0]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "scroll down",
        "<think>scroll</think><answer>",
        reply('{"action": "scroll", "direction": "sideways"}'),
        reply('{"action": "click", "coordinate": [NaN, NaN]}'),
    ],
)
def test_action_type_reward_scores_bad_output_zero(bad):
    assert action_type_reward([bad], expert_action=['{"action": "scroll", "direction": "up"}']) == [
        0.0
    ]


# --- UI-R1 coordinate in box -------------------------------------------------------------------


def test_coordinate_in_box_reward_matches_the_envs_exclusive_far_edges():
    box = [10, 20, 30, 40]
    replies = [
        click(20, 30),  # centre
        click(10, 20),  # top-left corner
        click(29, 39),  # last pixel inside (x2, y2 are exclusive, as the env's boxes)
        click(30, 30),  # on the right edge: outside
        click(20, 19),  # one pixel above
        click(20, 30, "long_press"),  # long_press counts as a point action
    ]
    assert coordinate_in_box_reward(replies, bbox=[box] * 6) == [1.0, 1.0, 1.0, 0.0, 0.0, 1.0]


def test_coordinate_in_box_reward_needs_a_point_action():
    box = [0, 0, 100, 100]
    replies = [
        reply({"action": "scroll", "direction": "down", "coordinate": [50, 50]}),
        reply({"action": "type", "text": "50, 50"}),
        "[0, 0, 100, 100]",
        reply('{"action": "click", "coordinate": [50, Infinity]}'),
    ]
    assert coordinate_in_box_reward(replies, bbox=[box] * 4) == [0.0, 0.0, 0.0, 0.0]


def test_coordinate_in_box_reward_converts_the_models_coordinates():
    # norm1000 on a 200 x 100 screen: (500, 500) -> pixel (100, 50); (100, 500) -> (20, 50).
    replies = [click(500, 500), click(100, 500)]
    scores = coordinate_in_box_reward(
        replies,
        bbox=[[90, 40, 110, 60]] * 2,
        screen_size=[(200, 100)] * 2,
        coordinates=["norm1000"] * 2,
    )
    assert scores == [1.0, 0.0]


# --- GUI-R1 combined ---------------------------------------------------------------------------


def test_gui_r1_constants_are_the_papers():
    assert (GUI_R1_FORMAT_WEIGHT, GUI_R1_ACCURACY_WEIGHT) == (0.2, 0.8)
    assert (GUI_R1_TOLERANCE_PX, GUI_R1_F1_THRESHOLD) == (140, 0.5)
    assert gui_r1_reward.__name__ == "gui_r1_reward"


def test_gui_r1_click_is_correct_within_140_pixels():
    expert = [{"action": "click", "coordinate": [0, 0]}] * 3
    # (84, 112) is sqrt(84^2 + 112^2) = 140 px away: correct, 0.2 + 0.8 = 1.0.
    # (85, 112) is sqrt(85^2 + 112^2) = 140.6 px away: format only, 0.2.
    replies = [click(84, 112), click(85, 112), click(0, 0, "long_press")]
    assert gui_r1_reward(replies, expert_action=expert) == pytest.approx([1.0, 0.2, 0.2])


def test_gui_r1_click_inside_the_optional_box_is_correct():
    expert = [{"action": "click", "coordinate": [0, 0]}] * 3
    replies = [click(500, 500)] * 3
    scores = gui_r1_reward(replies, expert_action=expert, bbox=[[400, 400, 600, 600], None, None])
    assert scores == pytest.approx([1.0, 0.2, 0.2])


@pytest.mark.parametrize(
    ("predicted", "expert", "expected"),
    [
        # token F1("hello there", "hello world") = 2 * 1/2 * 1/2 / (1/2 + 1/2) = 0.5 >= 0.5
        ({"action": "type", "text": "hello there"}, {"action": "type", "text": "hello world"}, 1.0),
        ({"action": "type", "text": "goodbye"}, {"action": "type", "text": "hello world"}, 0.2),
        ({"action": "open_app", "app": "The Clock"}, {"action": "open_app", "app": "clock"}, 1.0),
        ({"action": "finish", "text": "Paris."}, {"action": "finish", "text": "paris"}, 1.0),
        ({"action": "scroll", "direction": "up"}, {"action": "scroll", "direction": "up"}, 1.0),
        ({"action": "scroll", "direction": "up"}, {"action": "scroll", "direction": "down"}, 0.2),
        ({"action": "key", "key": "enter"}, {"action": "key", "key": "enter"}, 1.0),
        ({"action": "key", "key": "tab"}, {"action": "key", "key": "enter"}, 0.2),
        ({"action": "navigate_back"}, {"action": "navigate_back"}, 1.0),
        ({"action": "wait"}, {"action": "navigate_home"}, 0.2),
        ({"action": "type", "text": "home"}, {"action": "navigate_home"}, 0.2),
    ],
)
def test_gui_r1_scores_the_arguments_of_each_action_type(predicted, expert, expected):
    assert gui_r1_reward([reply(predicted)], expert_action=[expert]) == pytest.approx([expected])


def test_gui_r1_splits_format_from_accuracy():
    expert = [json.dumps({"action": "navigate_back"})] * 3
    bare = '<answer>{"action": "navigate_back"}</answer>'  # no think: accuracy only
    replies = [bare, "navigate back please", reply("{truncated")]
    assert gui_r1_reward(replies, expert_action=expert) == pytest.approx([0.8, 0.0, 0.0])


def test_make_gui_r1_reward_changes_the_tolerances():
    strict = make_gui_r1_reward(tolerance_px=10, f1_threshold=1.0)
    assert strict.__name__ == "gui_r1_reward(tolerance_px=10,f1_threshold=1)"
    expert = [{"action": "click", "coordinate": [0, 0]}] * 2
    assert strict([click(6, 8), click(6, 9)], expert_action=expert) == pytest.approx([1.0, 0.2])
    typed = [{"action": "type", "text": "hello world"}]
    assert strict([reply({"action": "type", "text": "hello"})], expert_action=typed) == [0.2]


@pytest.mark.parametrize(
    "options",
    [
        {"tolerance_px": -1},
        {"tolerance_px": math.inf},
        {"f1_threshold": 1.5},
        {"f1_threshold": -0.1},
    ],
)
def test_make_gui_r1_reward_rejects_impossible_tolerances(options):
    with pytest.raises(ValueError, match="must be"):
        make_gui_r1_reward(**options)
