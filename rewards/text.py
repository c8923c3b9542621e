"""Text rewards: how well the reply's text argument matches a reference answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmgym.envs.actions import TEXT_ACTIONS
from mmgym.envs.text_match import token_f1
from mmgym.rewards.inputs import Completion, column, replies


def text_f1_reward(
    completions: Sequence[Completion], answer: Sequence[Any], **kwargs: Any
) -> list[float]:
    """Token F1 between the reply's text argument and ``answer``; 0.0 for a reply without one.

    ``R = F1(text, answer)`` (:func:`token_f1`), where ``text`` is the finish answer, typed text
    or app name of the reply's action: the dense form of the text-argument check of GUI-R1 (Luo
    et al. 2025, arXiv:2504.10458), which thresholds this F1 at 0.5.

    >>> reply = '<think>done</think><answer>{"action": "finish", "text": "%s"}</answer>'
    >>> text_f1_reward([reply % "The Louvre", reply % "Louvre museum", "Louvre"],
    ...                answer=["louvre"] * 3)  # the last reply has no action
    [1.0, 0.6666666666666666, 0.0]
    """
    answers = [
        _answer(value, i) for i, value in enumerate(column("answer", answer, len(completions)))
    ]
    return [
        token_f1(reply.action.text, truth)
        if reply.action is not None and reply.action.type in TEXT_ACTIONS
        else 0.0
        for reply, truth in zip(replies(completions, **kwargs), answers, strict=True)
    ]


def _answer(value: Any, index: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"answer[{index}] must be a string, got {value!r:.200}")
    return value
