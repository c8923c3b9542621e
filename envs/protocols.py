"""Named evaluation protocols: when a predicted GUI action counts as the ground truth's.

The papers disagree on what a correct click is, so every score names its protocol. All of them
agree on the rest: the action type must match; a scroll needs the same direction; typed text, an
app name and a finish answer need a token F1 of at least 0.5 with the ground truth's (GUI-R1's
rule, :func:`mmgym.envs.text_match.token_f1`; a finish whose truth has no answer needs none); a
key must be the same key; back, home and wait need the type alone. Points are
judged in pixels of the screenshot the ground truth was annotated on (``screen``), so a threshold in
pixels means what its paper meant whatever size the model saw.

Protocols for a point action (click, long press; a scroll's point is not judged):

- ``screenspot``: inside the ground-truth box (Cheng et al., 2024, SeeClick / ScreenSpot); without a
  box, on the ground-truth point's pixel.
- ``ui-r1``: within 14% of the screen of the ground-truth point, as distance between points
  normalised by the screen's width and height (the AndroidControl protocol UI-R1 reports, after
  OS-Atlas; Lu et al., 2025).
- ``gui-r1``: within 140 pixels of the ground-truth point, or inside its box (Luo et al., 2025,
  GUI-R1).
- ``infigui-r1``: inside the ground-truth box grown 1.2x about its centre, or within 4% of the
  screen's larger side of the ground-truth point (Liu et al., 2025, InfiGUI-R1).

Distances are measured from the ground truth's annotated point (a dataset row with a box only has
its box's centre pixel as point). A truth without a box is judged against its point alone; a dataset
env passes the screenshot area of the observation pixel the point falls on as its box, so that a
model that sees a smaller image can still hit it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mmgym.envs.actions import POINT_ACTIONS, TEXT_ACTIONS, Action, ActionType
from mmgym.envs.text_match import token_f1

Box = tuple[float, float, float, float]
TEXT_F1_THRESHOLD = 0.5


@dataclass(frozen=True)
class StepScore:
    """One predicted action against the ground truth.

    Attributes:
        type_match: the action types are equal.
        grounded: for a ground truth with a point to hit, whether the prediction hit it (None for
            other actions).
        success: the step counts as correct: type and arguments.
    """

    type_match: bool
    grounded: bool | None
    success: bool


def _inside(point: tuple[float, float], box: Box, scale: float = 1.0) -> bool:
    left, top, right, bottom = box
    cx, cy, half_w, half_h = (left + right) / 2, (top + bottom) / 2, (right - left) / 2, (bottom - top) / 2
    return abs(point[0] + 0.5 - cx) <= half_w * scale and abs(point[1] + 0.5 - cy) <= half_h * scale


def _point(truth: Action) -> tuple[float, float]:
    """The centre of the ground truth's pixel (its annotated point: a reader that has only a box
    sets it to the box's centre pixel)."""
    return truth.point[0] + 0.5, truth.point[1] + 0.5


def _distance(point: tuple[int, int], target: tuple[float, float],
              scale: tuple[float, float] = (1, 1)) -> float:  # fmt: skip
    return math.hypot((point[0] + 0.5 - target[0]) / scale[0], (point[1] + 0.5 - target[1]) / scale[1])


def _screenspot(point: tuple[int, int], truth: Action, box: Box | None, screen: tuple[int, int]) -> bool:
    return _inside(point, box) if box is not None else tuple(point) == tuple(truth.point)


def _ui_r1(point: tuple[int, int], truth: Action, box: Box | None, screen: tuple[int, int]) -> bool:
    return _distance(point, _point(truth), screen) <= 0.14


def _gui_r1(point: tuple[int, int], truth: Action, box: Box | None, screen: tuple[int, int]) -> bool:
    return _distance(point, _point(truth)) <= 140 or (box is not None and _inside(point, box))


def _infigui_r1(point: tuple[int, int], truth: Action, box: Box | None, screen: tuple[int, int]) -> bool:
    near = _distance(point, _point(truth)) <= 0.04 * max(screen)
    return near or (box is not None and _inside(point, box, scale=1.2))


#: Protocol name -> whether a predicted point hits the ground truth's (see the module docstring).
PROTOCOLS: dict[str, Callable[[tuple[int, int], Action, Box | None, tuple[int, int]], bool]] = {
    "screenspot": _screenspot,
    "ui-r1": _ui_r1,
    "gui-r1": _gui_r1,
    "infigui-r1": _infigui_r1,
}


def score_step(protocol: str, predicted: Action | None, truth: Action, box: Box | None,
               screen: tuple[int, int]) -> StepScore:  # fmt: skip
    """``predicted`` (None: no valid action) against ``truth`` under ``protocol``; points and
    ``box`` in pixels of the ``(width, height)`` screen.

    Example:
        >>> truth = Action.click(100, 100)
        >>> score_step("gui-r1", Action.click(200, 150), truth, None, (1080, 2400)).success
        True
        >>> score_step("screenspot", Action.click(200, 150), truth, (90, 90, 110, 110), (1080, 2400)).success
        False
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    type_match = predicted is not None and predicted.type == truth.type
    if truth.type in POINT_ACTIONS:
        grounded = type_match and PROTOCOLS[protocol](predicted.point, truth, box, screen)
        return StepScore(type_match, grounded, grounded)
    return StepScore(type_match, None, type_match and _arguments_match(predicted, truth))


def _arguments_match(predicted: Action, truth: Action) -> bool:
    kind = truth.type
    if kind == ActionType.SCROLL:
        return predicted.direction == truth.direction
    if kind == ActionType.FINISH and not truth.text.strip():  # a finish that owes no answer
        return True
    if kind in TEXT_ACTIONS:
        return token_f1(predicted.text, truth.text) >= TEXT_F1_THRESHOLD
    if kind == ActionType.KEY:
        return predicted.key == truth.key
    return True
