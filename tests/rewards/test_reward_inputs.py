"""Reading reward inputs: completion forms, per-completion columns and target coercion."""

import json

import numpy as np
import pytest

from mmgym.envs.actions import Action
from mmgym.rewards import action_type_reward, completion_text, format_reward, iou_reward

REPLY = '<think>tap it</think><answer>{"action": "click", "coordinate": [3, 4]}</answer>'


def test_completion_text_reads_strings_and_trl_conversations():
    assert completion_text(REPLY) == REPLY
    assert completion_text([{"role": "assistant", "content": REPLY}]) == REPLY
    parts = [
        {"type": "text", "text": "<think>tap it</think>"},
        {"type": "image"},  # non-text parts do not count
        {"type": "text", "text": '<answer>{"action": "click", "coordinate": [3, 4]}</answer>'},
    ]
    assert completion_text([{"role": "assistant", "content": parts}]) == REPLY


def test_completion_text_takes_the_last_assistant_message():
    conversation = [
        {"role": "assistant", "content": "first turn"},
        {"role": "assistant", "content": REPLY},
        {"role": "tool", "content": "screen changed"},
    ]
    assert completion_text(conversation) == REPLY
    assert completion_text([{"role": "assistant", "content": None}]) == ""


@pytest.mark.parametrize(
    "completion", [42, None, [], [{"role": "user", "content": "hi"}], [{"content": "no role"}]]
)
def test_completion_text_rejects_what_is_not_a_completion(completion):
    with pytest.raises(TypeError, match="completion must be"):
        completion_text(completion)


def test_conversational_and_string_completions_score_the_same():
    conversation = [[{"role": "assistant", "content": [{"type": "text", "text": REPLY}]}]]
    assert format_reward(conversation) == format_reward([REPLY]) == [1.0]


def test_expert_action_may_be_an_action_a_dict_or_a_json_string():
    as_dict = {"action": "click", "coordinate": [3, 4]}
    experts = [Action.click(3, 4), as_dict, json.dumps(as_dict)]
    assert action_type_reward([REPLY] * 3, expert_action=experts) == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("expert", "error"),
    [
        ("{not json", ValueError),
        ('{"action": "fly"}', ValueError),
        ({"action": "click"}, ValueError),  # a click without its point
        (7, TypeError),
        (None, TypeError),
    ],
)
def test_a_bad_expert_action_is_the_callers_mistake_and_raises(expert, error):
    with pytest.raises(error, match=r"expert_action\[0\]"):
        action_type_reward([REPLY], expert_action=[expert])


def test_columns_must_hold_one_entry_per_completion():
    with pytest.raises(ValueError, match="expert_action has 1 entries but there are 2 completions"):
        action_type_reward([REPLY, REPLY], expert_action=[{"action": "wait"}])
    with pytest.raises(ValueError, match="screen_size has 2 entries"):
        format_reward([REPLY], screen_size=[(10, 10), (10, 10)])
    with pytest.raises(TypeError, match="one entry per completion"):
        format_reward([REPLY], coordinates="norm1000", screen_size=[(10, 10)])


def test_a_missing_target_raises():
    with pytest.raises(TypeError, match="expert_action"):
        action_type_reward([REPLY])


def test_coordinates_other_than_pixel_need_the_screen_size():
    with pytest.raises(ValueError, match="needs the env screen"):
        format_reward([REPLY], coordinates=["norm1000"])
    with pytest.raises(ValueError, match="unknown coordinate convention"):
        format_reward([REPLY], coordinates=["percent"], screen_size=[(10, 10)])


@pytest.mark.parametrize(
    "box", [[0, 0, 10], [0, 0, 10, float("nan")], [10, 0, 0, 10], "0 0 10 10", None, [0, 0, 1, "x"]]
)
def test_a_bad_target_box_raises(box):
    with pytest.raises(ValueError, match=r"bbox\[0\]"):
        iou_reward(["[0, 0, 10, 10]"], bbox=[box])


def test_target_boxes_may_be_tuples_or_arrays():
    targets = [(0, 0, 10, 10), np.array([0.0, 0.0, 10.0, 10.0])]
    assert iou_reward(["[0, 0, 10, 10]"] * 2, bbox=targets) == [1.0, 1.0]


def test_unused_trl_keyword_arguments_are_ignored():
    extra = {"prompts": ["p"], "completion_ids": [[1, 2]], "trainer_state": object()}
    assert format_reward([REPLY], **extra) == [1.0]
