"""Format reward: does the reply keep the R1 ``<think>..</think><answer>..</answer>`` contract."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmgym.rewards.inputs import Completion, replies


def format_reward(completions: Sequence[Completion], **kwargs: Any) -> list[float]:
    """1.0 iff the reply has the strict think/answer structure and its answer parses to an action.

    ``R_f = 1[<think>...</think><answer>{json action}</answer> and the action is valid]``, the
    format reward of UI-R1 (Lu et al. 2025, arXiv:2503.21620) and GUI-R1 (Luo et al. 2025,
    arXiv:2504.10458). Points are read with the optional ``screen_size`` / ``coordinates``
    columns, so a point off the screen fails the format as it would fail in the env.

    >>> good = '<think>OK button</think><answer>{"action": "click", "coordinate": [5, 9]}</answer>'
    >>> format_reward([good, '{"action": "click", "coordinate": [5, 9]}', "<think>hm</think>"])
    [1.0, 0.0, 0.0]
    """
    return [float(reply.format_ok) for reply in replies(completions, **kwargs)]
