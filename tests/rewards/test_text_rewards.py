"""Token F1 (SQuAD normalisation) and the text F1 reward."""

import pytest

from mmgym.rewards import answer_tokens, text_f1_reward, token_f1


def answer(body: str) -> str:
    return f"<think>I know it</think><answer>{body}</answer>"


def test_answer_tokens_drop_case_punctuation_and_articles():
    assert answer_tokens("The  Cat, a DOG & an owl!") == ["cat", "dog", "owl"]
    assert answer_tokens("theatre another") == ["theatre", "another"]  # whole words only
    assert answer_tokens("") == []


@pytest.mark.parametrize(
    ("prediction", "truth", "expected"),
    [
        ("Paris", "paris", 1.0),
        ("the cat", "cat", 1.0),  # articles do not count
        ("red car fast", "red car", 0.8),  # c = 2: p = 2/3, r = 1, F1 = (4/3) / (5/3)
        ("hello there", "hello world", 0.5),  # c = 1: p = r = 1/2
        ("go go go", "go", 0.5),  # counted with multiplicity: p = 1/3, r = 1, F1 = (2/3) / (4/3)
        ("blue", "red", 0.0),
        ("", "", 1.0),  # both empty after normalisation
        ("the", "a", 1.0),  # likewise: articles only
        ("", "red", 0.0),
        ("red", "...", 0.0),
    ],
)
def test_token_f1_known_answers(prediction, truth, expected):
    assert token_f1(prediction, truth) == pytest.approx(expected)


def test_text_f1_reward_scores_the_text_argument():
    replies = [
        answer('{"action": "finish", "text": "The Louvre"}'),
        answer('{"action": "type", "text": "louvre museum"}'),  # p = 1/2, r = 1: F1 = 2/3
        answer('{"action": "open_app", "app": "Louvre"}'),
        answer('{"action": "finish"}'),  # empty answer vs "louvre": 0
    ]
    assert text_f1_reward(replies, answer=["louvre"] * 4) == pytest.approx([1.0, 2 / 3, 1.0, 0.0])


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "louvre",  # no answer block
        answer('{"action": "click", "coordinate": [1, 2]}'),  # no text argument
        answer('{"action": "finish", "text": "louvre"'),  # truncated JSON
        '<think>x</think><answer>{"action": "finish", "text": "louvre"}',  # truncated tags
    ],
)
def test_text_f1_reward_scores_bad_output_zero(bad):
    assert text_f1_reward([bad], answer=["louvre"]) == [0.0]


def test_text_f1_reward_needs_string_answers():
    with pytest.raises(TypeError, match=r"answer\[0\] must be a string"):
        text_f1_reward([answer('{"action": "finish", "text": "3"}')], answer=[3])
