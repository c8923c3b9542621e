"""Grounding rewards: how well the reply's point or box locates the target box.

Boxes are ``(x1, y1, x2, y2)`` in env pixels, continuous (a box's width is ``x2 - x1``). The pure
geometry (:func:`box_iou`, :func:`gaussian_point`, :func:`gaussian_coverage`) is separate from the
rewards that read replies, so it can be checked by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mmgym.rewards.inputs import Box, Completion, replies, target_boxes

#: GUI-G2's adaptive-variance factor: a box of width w and height h spreads as a Gaussian with
#: ``sigma_x = alpha * w`` and ``sigma_y = alpha * h``. 0.5 is the value in the authors' released
#: training code (github.com/ZJU-REAL/GUI-G2, ``src/gui_g2/src/open_r1/gaussian_grpo.py``).
GAUSSIAN_ALPHA = 0.5


def box_iou(predicted: Box, target: Box) -> float:
    """Intersection over union of two boxes; 0.0 if ``predicted`` has no area.

    >>> box_iou((0, 0, 10, 10), (5, 5, 15, 15))  # 25 / (100 + 100 - 25)
    0.14285714285714285
    """
    if not _has_area(predicted):
        return 0.0
    width = min(predicted[2], target[2]) - max(predicted[0], target[0])
    height = min(predicted[3], target[3]) - max(predicted[1], target[1])
    intersection = max(width, 0.0) * max(height, 0.0)
    union = _area(predicted) + _area(target) - intersection
    return intersection / union


def gaussian_point(point: tuple[float, float], target: Box, alpha: float = GAUSSIAN_ALPHA) -> float:
    """The target's Gaussian, unnormalised, at ``point``: 1.0 at the box centre.

    ``exp(-0.5 * ((x - mu_x)^2 / sigma_x^2 + (y - mu_y)^2 / sigma_y^2))`` with ``mu`` the centre of
    ``target`` and ``sigma = alpha * (width, height)`` of ``target``.

    >>> gaussian_point((10, 5), (0, 0, 10, 10))  # one sigma (5 px) right of the centre
    0.6065306597126334
    """
    if not _has_area(target):
        raise ValueError(f"the target box {target} needs a positive width and height")
    (x, y), (mu_x, mu_y), (sigma_x, sigma_y) = point, _centre(target), _sigma(target, alpha)
    dx, dy = (x - mu_x) / sigma_x, (y - mu_y) / sigma_y
    return math.exp(-0.5 * (dx * dx + dy * dy))  # dx * dx overflows to inf, never raises


def gaussian_coverage(predicted: Box, target: Box, alpha: float = GAUSSIAN_ALPHA) -> float:
    """The mass of the predicted box's Gaussian inside ``target``; 0.0 if ``predicted`` has no area.

    The Gaussian has ``mu`` the centre of ``predicted`` and ``sigma = alpha * (width, height)`` of
    ``predicted``; with ``Phi`` the standard normal CDF, the mass inside ``[a_x, b_x] x [a_y, b_y]``
    is ``prod over x, y of Phi((b - mu) / sigma) - Phi((a - mu) / sigma)``.

    >>> gaussian_coverage((0, 0, 10, 10), (0, 0, 10, 10))  # +-1 sigma each way: erf(1/sqrt2)^2
    0.4660649426743922
    """
    if not _has_area(predicted):
        return 0.0
    mass = 1.0
    centre, sigma = _centre(predicted), _sigma(predicted, alpha)
    for axis in (0, 1):
        low, high = target[axis], target[axis + 2]
        mu, spread = centre[axis], sigma[axis]
        mass *= _normal_cdf((high - mu) / spread) - _normal_cdf((low - mu) / spread)
    # Boxes near the float limit give inf / inf = nan; rounding can leave the mass outside [0, 1].
    return min(max(mass, 0.0), 1.0) if math.isfinite(mass) else 0.0


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _has_area(box: Box) -> bool:
    return box[2] > box[0] and box[3] > box[1]


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _sigma(box: Box, alpha: float) -> tuple[float, float]:
    return alpha * (box[2] - box[0]), alpha * (box[3] - box[1])


def iou_reward(
    completions: Sequence[Completion], bbox: Sequence[Any], **kwargs: Any
) -> list[float]:
    """IoU of the reply's box with ``bbox``; 0.0 for a reply without a box or with an empty one.

    ``R = |B_pred ∩ B_gt| / |B_pred ∪ B_gt|``, VLM-R1's IoU reward (Shen et al. 2025,
    arXiv:2504.07615). The box is read from the answer (``{"bbox_2d": [...]}``, ``{"bbox": [...]}``
    or ``[x1, y1, x2, y2]``), or from the whole reply when it has no answer tags.

    >>> reply = '<think>the logo</think><answer>{"bbox_2d": [5, 5, 15, 15]}</answer>'
    >>> iou_reward([reply, "[0, 0, 10, 10]", "no box"], bbox=[[0, 0, 10, 10]] * 3)
    [0.14285714285714285, 1.0, 0.0]
    """
    targets = target_boxes(bbox, len(completions))
    return [
        0.0 if reply.box is None else box_iou(reply.box, target)
        for reply, target in zip(replies(completions, **kwargs), targets, strict=True)
    ]


def gaussian_point_reward(
    completions: Sequence[Completion], bbox: Sequence[Any], **kwargs: Any
) -> list[float]:
    """GUI-G2's Gaussian point reward of the reply's point; 0.0 for a reply without one.

    ``R = exp(-0.5 * ((x - mu_x)^2 / sigma_x^2 + (y - mu_y)^2 / sigma_y^2))``, with ``mu`` the
    centre of ``bbox`` and the adaptive variance ``sigma = alpha * (w, h)`` of ``bbox``,
    ``alpha`` = :data:`GAUSSIAN_ALPHA` = 0.5 (Tang et al. 2025, arXiv:2507.15846). The point is the
    reply's click / long_press point, or the centre of its box. ``bbox`` needs a positive width
    and height.

    >>> click = '<think>x</think><answer>{"action": "click", "coordinate": [%d, 5]}</answer>'
    >>> gaussian_point_reward([click % 5, click % 10, "[0, 0, 10, 10]"], bbox=[[0, 0, 10, 10]] * 3)
    [1.0, 0.6065306597126334, 1.0]
    """
    targets = target_boxes(bbox, len(completions))
    for index, target in enumerate(targets):
        if not _has_area(target):
            raise ValueError(
                f"bbox[{index}] = {list(target)} has no area; the Gaussian point reward needs "
                "x2 > x1 and y2 > y1 to set its variance"
            )
    return [
        0.0 if reply.point is None else gaussian_point(reply.point, target)
        for reply, target in zip(replies(completions, **kwargs), targets, strict=True)
    ]


def gaussian_coverage_reward(
    completions: Sequence[Completion], bbox: Sequence[Any], **kwargs: Any
) -> list[float]:
    """GUI-G2's Gaussian coverage reward of the reply's box; 0.0 without a box or with an empty one.

    ``R = prod_{x,y} [Phi((b - mu) / sigma) - Phi((a - mu) / sigma)]``: the mass inside ``bbox``
    (``[a_x, b_x] x [a_y, b_y]``) of the Gaussian with ``mu`` the predicted box's centre and
    ``sigma = alpha * (w, h)`` of the predicted box, ``alpha`` = :data:`GAUSSIAN_ALPHA` = 0.5 (Tang
    et al. 2025, arXiv:2507.15846). A prediction equal to ``bbox`` scores erf(1/sqrt2)^2 ~ 0.466;
    a small box at the centre scores near 1, so pair it with :func:`gaussian_point_reward` or
    :func:`iou_reward`, as GUI-G2 does.

    >>> gaussian_coverage_reward(["[0, 0, 10, 10]", "[90, 0, 100, 10]"], bbox=[[0, 0, 10, 10]] * 2)
    [0.4660649426743922, 0.0]
    """
    targets = target_boxes(bbox, len(completions))
    return [
        0.0 if reply.box is None else gaussian_coverage(reply.box, target)
        for reply, target in zip(replies(completions, **kwargs), targets, strict=True)
    ]
