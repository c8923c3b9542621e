"""format_reward: strict think/answer structure with an action in the answer."""

import pytest

from mmgym.rewards import format_reward

CLICK = '{"action": "click", "coordinate": [3, 4]}'


@pytest.mark.parametrize(
    "reply",
    [
        f"<think>the button is top left</think><answer>{CLICK}</answer>",
        '<think>done</think><answer>{"action": "finish", "text": "42"}</answer>',
        '<think>go</think><answer>{"action": "navigate_back"}</answer>',
    ],
)
def test_a_well_formed_reply_scores_one(reply):
    assert format_reward([reply]) == [1.0]


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "click the button",
        CLICK,  # no tags
        f"<answer>{CLICK}</answer>",  # no think
        "<think>the button</think>",  # no answer
        f"<think>the button</think><answer>{CLICK}",  # truncated: no closing tag
        f"<think>the button</think><answer>{CLICK[:-5]}</answer>",  # truncated JSON
        "<think>hm</think><answer>click the button</answer>",  # answer is not JSON
        '<think>hm</think><answer>{"action": "teleport"}</answer>',  # unknown action
        '<think>hm</think><answer>{"action": "click"}</answer>',  # missing coordinate
        '<think>hm</think><answer>{"action": "click", "coordinate": [NaN, 4]}</answer>',
        '<think>hm</think><answer>{"action": "click", "coordinate": [1e999, 4]}</answer>',
    ],
)
def test_a_malformed_reply_scores_zero(reply):
    assert format_reward([reply]) == [0.0]


def test_coordinates_are_checked_in_the_models_convention():
    norm = '<think>centre</think><answer>{"action": "click", "coordinate": [%d, 500]}</answer>'
    scores = format_reward(
        [norm % 500, norm % 1001], screen_size=[(200, 100)] * 2, coordinates=["norm1000"] * 2
    )
    assert scores == [1.0, 0.0]  # 1001 is outside the 0-1000 range
