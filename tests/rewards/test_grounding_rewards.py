"""Grounding rewards: VLM-R1's IoU and GUI-G2's Gaussian point and coverage rewards."""

import math

import pytest

from mmgym.rewards import (
    GAUSSIAN_ALPHA,
    box_iou,
    gaussian_coverage,
    gaussian_coverage_reward,
    gaussian_point,
    gaussian_point_reward,
    iou_reward,
)


def answer(body: str) -> str:
    return f"<think>the target</think><answer>{body}</answer>"


def click(x, y, kind="click"):
    return answer(f'{{"action": "{kind}", "coordinate": [{x}, {y}]}}')


def phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


# --- geometry, by hand -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicted", "target", "expected"),
    [
        ((0, 0, 10, 10), (5, 5, 15, 15), 25 / 175),  # overlap 5x5; union 100 + 100 - 25
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
        ((0, 0, 10, 10), (0, 0, 20, 20), 100 / 400),  # inside: 100 / 400
        ((0, 0, 10, 10), (0, 5, 10, 15), 50 / 150),  # half shifted: 10x5 / (100 + 100 - 50)
        ((0, 0, 10, 10), (10, 0, 20, 10), 0.0),  # touching edges share no area
        ((0, 0, 10, 10), (50, 50, 60, 60), 0.0),
        ((5, 5, 5, 15), (0, 0, 10, 20), 0.0),  # a zero-width prediction
    ],
)
def test_box_iou_known_answers(predicted, target, expected):
    assert box_iou(predicted, target) == pytest.approx(expected)


def test_gaussian_alpha_is_gui_g2s():
    assert GAUSSIAN_ALPHA == 0.5


def test_gaussian_point_known_answers():
    box = (0, 0, 10, 20)  # centre (5, 10); sigma = 0.5 * (10, 20) = (5, 10)
    assert gaussian_point((5, 10), box) == 1.0
    assert gaussian_point((10, 10), box) == pytest.approx(math.exp(-0.5))  # 1 sigma on x only
    assert gaussian_point((5, 0), box) == pytest.approx(math.exp(-0.5))  # 1 sigma on y only
    assert gaussian_point((10, 20), box) == pytest.approx(math.exp(-1.0))  # 1 sigma on each
    assert gaussian_point((15, 10), box) == pytest.approx(math.exp(-2.0))  # 2 sigma: -0.5 * 4
    assert gaussian_point((15, 10), box, alpha=1.0) == pytest.approx(math.exp(-0.5))  # sigma 10
    assert gaussian_point((1e300, -1e300), box) == 0.0


def test_gaussian_point_needs_a_target_with_area():
    with pytest.raises(ValueError, match="positive width and height"):
        gaussian_point((0, 0), (0, 0, 0, 10))


def test_gaussian_coverage_known_answers():
    # Centred Gaussian, box edges at +-1 sigma on both axes: (Phi(1) - Phi(-1))^2 = erf(1/sqrt2)^2.
    one_sigma = math.erf(1 / math.sqrt(2)) ** 2
    assert gaussian_coverage((0, 0, 10, 10), (0, 0, 10, 10)) == pytest.approx(one_sigma)
    assert one_sigma == pytest.approx(0.4661, abs=1e-4)
    # A 2x2 prediction centred in a 10x10 target: sigma 1, edges at +-5 sigma: erf(5/sqrt2)^2.
    assert gaussian_coverage((4, 4, 6, 6), (0, 0, 10, 10)) == pytest.approx(
        math.erf(5 / math.sqrt(2)) ** 2
    )
    # Centred on the target's left edge: x covers [0, 2] sigma, y covers [-1, 1] sigma.
    # (Phi(2) - Phi(0)) * (Phi(1) - Phi(-1)) = 0.47725 * 0.68269 = 0.32582.
    left = gaussian_coverage((-5, 0, 5, 10), (0, 0, 10, 10))
    assert left == pytest.approx((phi(2) - phi(0)) * (phi(1) - phi(-1)))
    assert left == pytest.approx(0.32582, abs=1e-5)
    assert gaussian_coverage((100, 100, 110, 110), (0, 0, 10, 10)) == 0.0
    assert gaussian_coverage((0, 0, 0, 10), (0, 0, 10, 10)) == 0.0  # no area: no Gaussian


def test_gaussian_coverage_stays_finite_near_the_float_limit():
    assert gaussian_coverage((1e308, 1e308, 1.7e308, 1.7e308), (0, 0, 10, 10)) == 0.0
    assert gaussian_coverage((-1.7e308, -1.7e308, 1.7e308, 1.7e308), (0, 0, 10, 10)) == 0.0


# --- rewards on replies ------------------------------------------------------------------------

TARGET = [0, 0, 10, 10]


def test_iou_reward_reads_every_box_form():
    replies = [
        answer('{"bbox_2d": [5, 5, 15, 15]}'),  # 25 / 175
        answer('{"bbox": [0, 0, 10, 10]}'),
        answer("[0, 0, 20, 20]"),  # 100 / 400
        answer('[{"bbox_2d": [0, 5, 10, 15]}]'),  # 50 / 150
        "[0, 0, 10, 10]",  # no tags: the whole reply
    ]
    scores = iou_reward(replies, bbox=[TARGET] * 5)
    assert scores == pytest.approx([25 / 175, 1.0, 0.25, 50 / 150, 1.0])


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "the box is at the top left",
        answer("[0, 0, 10]"),
        answer("[10, 10, 0, 0]"),  # corners out of order
        answer("[5, 5, 5, 15]"),  # no area
        answer("[0, 0, NaN, 10]"),
        answer("[0, 0, 1e999, 10]"),
        answer("[-5, 0, 10, 10]"),  # negative pixels
        "<think>x</think><answer>[0, 0, 10, 10]",  # truncated: no closing tag
        answer("[0, 0, 10, 10]") + answer("[0, 0, 10, 10]"),  # two answers
        click(5, 5),  # a point is not a box
    ],
)
def test_iou_reward_scores_bad_output_zero(bad):
    assert iou_reward([bad], bbox=[TARGET]) == [0.0]


def test_iou_reward_converts_the_models_coordinates():
    # norm1000 on a 200 x 100 screen: [0, 0, 500, 500] -> [0, 0, 100, 50] pixels.
    scores = iou_reward(
        [answer("[0, 0, 500, 500]")],
        bbox=[[0, 0, 100, 50]],
        screen_size=[(200, 100)],
        coordinates=["norm1000"],
    )
    assert scores == pytest.approx([1.0])


def test_gaussian_point_reward_uses_the_click_or_the_box_centre():
    box = [0, 0, 10, 20]  # centre (5, 10), sigma (5, 10)
    replies = [
        click(5, 10),
        click(10, 10, "long_press"),  # 1 sigma on x: exp(-0.5)
        answer("[5, 10, 15, 30]"),  # centre (10, 20): 1 sigma on each axis, exp(-1)
        click(15, 10),  # 2 sigma on x: exp(-2)
    ]
    scores = gaussian_point_reward(replies, bbox=[box] * 4)
    assert scores == pytest.approx([1.0, math.exp(-0.5), math.exp(-1.0), math.exp(-2.0)])


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "click the middle",
        answer('{"action": "type", "text": "5, 10"}'),
        answer('{"action": "click", "coordinate": [NaN, 5]}'),
        answer('{"action": "scroll", "direction": "up", "coordinate": [5, 10]}'),
        "<think>x</think><answer>[0, 0, 10",
    ],
)
def test_gaussian_point_reward_scores_bad_output_zero(bad):
    assert gaussian_point_reward([bad], bbox=[[0, 0, 10, 20]]) == [0.0]


def test_gaussian_point_reward_needs_a_target_with_area():
    with pytest.raises(ValueError, match=r"bbox\[1\] .* has no area"):
        gaussian_point_reward([click(5, 5)] * 2, bbox=[TARGET, [0, 0, 10, 0]])


def test_gaussian_coverage_reward_scores_the_predicted_box():
    replies = [answer('{"bbox_2d": [0, 0, 10, 10]}'), answer("[5, 0, 15, 10]"), click(5, 5)]
    scores = gaussian_coverage_reward(replies, bbox=[TARGET] * 3)
    # [5, 0, 15, 10]: centred on the target's right edge, x covers [-2, 0] sigma, y [-1, 1].
    one_sigma, right_edge = (phi(1) - phi(-1)) ** 2, (phi(0) - phi(-2)) * (phi(1) - phi(-1))
    assert scores == pytest.approx([one_sigma, right_edge, 0.0])  # a click has no box


@pytest.mark.parametrize("bad", ["", "a box", answer("[0, 0, 0, 10]"), answer("[0, 0, 1e999, 9]")])
def test_gaussian_coverage_reward_scores_bad_output_zero(bad):
    assert gaussian_coverage_reward([bad], bbox=[TARGET]) == [0.0]
