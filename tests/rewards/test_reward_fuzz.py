"""Property tests: every reward returns one finite float in its range for any model output."""

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from mmgym.rewards import (
    action_type_reward,
    coordinate_in_box_reward,
    format_reward,
    gaussian_coverage_reward,
    gaussian_point_reward,
    gui_r1_reward,
    iou_reward,
    text_f1_reward,
    weighted_sum,
)

TARGETS = {
    "expert_action": {"action": "click", "coordinate": [50, 40]},
    "bbox": [40, 30, 60, 50],
    "answer": "the blue button",
}
REWARDS = {
    format_reward: (0.0, 1.0),
    action_type_reward: (0.0, 1.0),
    coordinate_in_box_reward: (0.0, 1.0),
    gui_r1_reward: (0.0, 1.0),
    iou_reward: (0.0, 1.0),
    gaussian_point_reward: (0.0, 1.0),
    gaussian_coverage_reward: (0.0, 1.0),
    text_f1_reward: (0.0, 1.0),
    weighted_sum({format_reward: 0.5, gaussian_point_reward: -2.0}): (-2.0, 0.5),
}

numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 50, 40, 1000, 1e-300, 1.7e308, -0.0]),
)
json_values = st.recursive(
    st.one_of(numbers, st.text(max_size=20), st.booleans(), st.none()),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
action_names = st.sampled_from(["click", "long_press", "scroll", "type", "finish", "key", "tap"])
actions = st.fixed_dictionaries(
    {"action": action_names},
    optional={
        "coordinate": st.lists(numbers, min_size=0, max_size=3),
        "text": st.text(max_size=20),
        "direction": st.sampled_from(["up", "down", "diagonal"]),
        "key": st.text(max_size=8),
        "bbox_2d": st.lists(numbers, min_size=3, max_size=5),
    },
)
answers = st.one_of(
    actions.map(lambda data: json.dumps(data, allow_nan=True)),
    st.lists(numbers, min_size=4, max_size=4).map(lambda box: json.dumps(box, allow_nan=True)),
    json_values.map(lambda value: json.dumps(value, allow_nan=True)),
    st.text(max_size=60),
)


@st.composite
def replies(draw):
    """Arbitrary text, and replies that get close to the format in many ways."""
    think = draw(st.text(max_size=30))
    answer = draw(answers)
    text = draw(
        st.sampled_from(
            [
                "{answer}",
                "<answer>{answer}</answer>",
                "<think>{think}</think><answer>{answer}</answer>",
                "<think>{think}</think><answer>{answer}",  # truncated
                "<think>{think}<answer>{answer}</answer></think>",
                " <think>{think}</think>\n<answer>{answer}</answer><answer>{answer}</answer>",
            ]
        )
    ).format(think=think, answer=answer)
    return draw(st.one_of(st.just(text), st.text(max_size=200)))


def check(completions, **conventions):
    count = len(completions)
    targets = {name: [value] * count for name, value in TARGETS.items()}
    for reward, (low, high) in REWARDS.items():
        scores = reward(completions, **targets, **conventions)
        assert len(scores) == count, reward.__name__
        for score in scores:
            assert isinstance(score, float), (reward.__name__, score)
            assert math.isfinite(score) and low <= score <= high, (reward.__name__, score)


@settings(max_examples=300, deadline=None)
@given(st.lists(replies(), min_size=1, max_size=4))
def test_every_reward_is_finite_and_in_range_on_pixel_replies(completions):
    check(completions)


@settings(max_examples=150, deadline=None)
@given(st.lists(replies(), min_size=1, max_size=4), st.sampled_from(["norm1000", "norm1"]))
def test_every_reward_is_finite_and_in_range_on_normalised_replies(completions, convention):
    check(
        completions,
        screen_size=[(120, 80)] * len(completions),
        coordinates=[convention] * len(completions),
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(replies(), min_size=1, max_size=3))
def test_conversational_completions_score_like_their_text(completions):
    conversations = [[{"role": "assistant", "content": text}] for text in completions]
    for reward in REWARDS:
        targets = {name: [value] * len(completions) for name, value in TARGETS.items()}
        assert reward(conversations, **targets) == reward(completions, **targets)
