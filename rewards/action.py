"""Action rewards: does the reply's action match the expert's type and arguments.

The UI-R1 rewards score the type and the point separately; GUI-R1's score folds format and the
whole action's accuracy into one number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mmgym.envs.actions import POINT_ACTIONS, TEXT_ACTIONS, Action, ActionType
from mmgym.envs.text_match import token_f1
from mmgym.rewards.inputs import (
    Box,
    Completion,
    RewardFunction,
    expert_actions,
    replies,
    target_boxes,
)

#: GUI-R1's weight of the format term in ``0.2 * format + 0.8 * accuracy``.
GUI_R1_FORMAT_WEIGHT = 0.2
#: GUI-R1's weight of the accuracy term.
GUI_R1_ACCURACY_WEIGHT = 0.8
#: A click counts as correct within this Euclidean distance (env pixels) of the expert's point.
GUI_R1_TOLERANCE_PX = 140.0
#: A text argument counts as correct at this token F1 with the expert's text or above.
GUI_R1_F1_THRESHOLD = 0.5


def action_type_reward(
    completions: Sequence[Completion], expert_action: Sequence[Any], **kwargs: Any
) -> list[float]:
    """1.0 iff the reply's action type equals the expert action's type, else 0.0.

    ``R_T = 1[type(reply) == type(expert)]``, UI-R1's action-type reward (Lu et al. 2025,
    arXiv:2503.21620). A reply without a parseable action scores 0.0.

    >>> reply = '<think>scroll</think><answer>{"action": "scroll", "direction": "up"}</answer>'
    >>> action_type_reward([reply, reply], expert_action=[
    ...     '{"action": "scroll", "direction": "down"}', {"action": "wait"}])
    [1.0, 0.0]
    """
    experts = expert_actions(expert_action, len(completions))
    return [
        float(reply.action is not None and reply.action.type == expert.type)
        for reply, expert in zip(replies(completions, **kwargs), experts, strict=True)
    ]


def coordinate_in_box_reward(
    completions: Sequence[Completion], bbox: Sequence[Any], **kwargs: Any
) -> list[float]:
    """1.0 iff the reply is a click or long_press whose point lies inside ``bbox``, else 0.0.

    ``R_C = 1[x1 <= x < x2 and y1 <= y < y2]`` for the predicted pixel ``(x, y)`` and the target
    box ``[x1, y1, x2, y2]`` of pixel edges (``x2``, ``y2`` exclusive, as the envs'
    ``info["target_box"]``), UI-R1's coordinate reward (Lu et al. 2025, arXiv:2503.21620).

    >>> click = '<think>it</think><answer>{"action": "click", "coordinate": [%d, 5]}</answer>'
    >>> coordinate_in_box_reward([click % 9, click % 10], bbox=[[0, 0, 10, 10]] * 2)
    [1.0, 0.0]
    """
    boxes = target_boxes(bbox, len(completions))
    return [
        float(_clicks_inside(reply.action, box))
        for reply, box in zip(replies(completions, **kwargs), boxes, strict=True)
    ]


def _clicks_inside(action: Action | None, box: Box | None) -> bool:
    if action is None or box is None or action.type not in POINT_ACTIONS:
        return False
    x, y = action.point
    # Boxes are pixel edges with x2, y2 exclusive, as the envs' info["target_box"].
    return box[0] <= x < box[2] and box[1] <= y < box[3]


def make_gui_r1_reward(
    tolerance_px: float = GUI_R1_TOLERANCE_PX, f1_threshold: float = GUI_R1_F1_THRESHOLD
) -> RewardFunction:
    """Build GUI-R1's combined reward with its tolerances changed.

    Args:
        tolerance_px: largest Euclidean distance (env pixels) from the expert's point at which a
            click or long_press still counts as correct.
        f1_threshold: smallest token F1 with the expert's text at which a type, open_app or finish
            action counts as correct, in [0, 1].

    Returns:
        A reward ``fn(completions, expert_action, **kwargs) -> list[float]`` like
        :func:`gui_r1_reward`, named after the tolerances it changes.

    >>> strict = make_gui_r1_reward(tolerance_px=10)
    >>> strict.__name__
    'gui_r1_reward(tolerance_px=10,f1_threshold=0.5)'
    >>> reply = '<think>OK</think><answer>{"action": "click", "coordinate": [6, 9]}</answer>'
    >>> strict([reply], expert_action=[{"action": "click", "coordinate": [0, 0]}])  # 10.8 px off
    [0.2]
    """
    if not (math.isfinite(tolerance_px) and tolerance_px >= 0):
        raise ValueError(f"tolerance_px must be a finite distance >= 0 pixels, got {tolerance_px}")
    if not 0.0 <= f1_threshold <= 1.0:
        raise ValueError(f"f1_threshold must be a token F1 in [0, 1], got {f1_threshold}")

    def gui_r1_reward(
        completions: Sequence[Completion],
        expert_action: Sequence[Any],
        bbox: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> list[float]:
        """``0.2 * format + 0.8 * accuracy``, GUI-R1's reward (Luo et al. 2025, arXiv:2504.10458).

        ``format`` is :func:`~mmgym.rewards.format_reward`. ``accuracy`` is 1 iff the action type
        matches the expert's and so do its arguments: click / long_press within ``tolerance_px``
        of the expert's point (or inside the optional ``bbox``, whose entries may be ``None``);
        type / open_app / finish with token F1 >= ``f1_threshold``; scroll in the same direction
        (GUI-R1 takes the token F1 of the one-word directions, which is equality); key with the
        same key; any other type by the type alone. Defaults: 140 px, F1 0.5.

        >>> reply = '<think>Send</think><answer>{"action": "click", "coordinate": [%d, 0]}</answer>'
        >>> gui_r1_reward([reply % 140, reply % 141, "click 0 0"],
        ...               expert_action=[{"action": "click", "coordinate": [0, 0]}] * 3)
        [1.0, 0.2, 0.0]
        """
        count = len(completions)
        experts = expert_actions(expert_action, count)
        boxes = [None] * count if bbox is None else target_boxes(bbox, count, optional=True)
        return [
            GUI_R1_FORMAT_WEIGHT * reply.format_ok
            + GUI_R1_ACCURACY_WEIGHT * _matches(reply.action, expert, box)
            for reply, expert, box in zip(
                replies(completions, **kwargs), experts, boxes, strict=True
            )
        ]

    def _matches(action: Action | None, expert: Action, box: Box | None) -> bool:
        if action is None or action.type != expert.type:
            return False
        kind = expert.type
        if kind in POINT_ACTIONS:
            near = math.dist(action.point, expert.point) <= tolerance_px
            return near or _clicks_inside(action, box)
        if kind in TEXT_ACTIONS:
            return token_f1(action.text, expert.text) >= f1_threshold
        if kind == ActionType.SCROLL:
            return action.direction == expert.direction
        if kind == ActionType.KEY:
            return action.key == expert.key
        return True

    if (tolerance_px, f1_threshold) != (GUI_R1_TOLERANCE_PX, GUI_R1_F1_THRESHOLD):
        gui_r1_reward.__name__ = gui_r1_reward.__qualname__ = (
            f"gui_r1_reward(tolerance_px={tolerance_px:g},f1_threshold={f1_threshold:g})"
        )
    else:
        gui_r1_reward.__qualname__ = "gui_r1_reward"
    return gui_r1_reward


gui_r1_reward = make_gui_r1_reward()
