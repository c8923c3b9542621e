"""The named evaluation protocols at their boundaries, worked out by hand (points are pixels; a
pixel's centre is its coordinate + 0.5)."""

from __future__ import annotations

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.protocols import PROTOCOLS, StepScore, score_step

SCREEN = (1000, 2000)


def hits(protocol: str, point: tuple[int, int], truth: Action, box=None, screen=SCREEN) -> bool:
    score = score_step(protocol, Action.click(*point), truth, box, screen)
    assert score.grounded == score.success and score.type_match
    return score.success


@pytest.mark.parametrize(("point", "expected"), [((19, 19), True), ((10, 10), True), ((20, 15), False),
                                                 ((9, 15), False), ((15, 20), False)])  # fmt: skip
def test_screenspot_is_inside_the_box(point, expected):
    assert hits("screenspot", point, Action.click(15, 15), box=(10, 10, 20, 20)) is expected


def test_screenspot_without_a_box_is_the_same_pixel():
    truth = Action.click(15, 15)
    assert hits("screenspot", (15, 15), truth) and not hits("screenspot", (16, 15), truth)


@pytest.mark.parametrize(("point", "expected"), [((640, 1000), True), ((641, 1000), False),
                                                 ((360, 1000), True), ((500, 1280), True),
                                                 ((500, 1281), False)])  # fmt: skip
def test_ui_r1_is_within_14_percent_of_the_screen(point, expected):
    """0.14 of a 1000 x 2000 screen: 140 px across, 280 px down, from the truth's centre (500.5, 1000.5)."""
    assert hits("ui-r1", point, Action.click(500, 1000)) is expected


@pytest.mark.parametrize(("point", "box", "expected"), [
    ((240, 100), None, True), ((241, 100), None, False),
    ((198, 199), None, True), ((199, 199), None, False),  # hypot(98, 99) = 139.3; hypot(99, 99) = 140.007
    ((380, 380), (0, 0, 400, 400), True),  # 283 px from the box centre (200, 200), but inside the box
])  # fmt: skip
def test_gui_r1_is_within_140_pixels_or_inside_the_box(point, box, expected):
    truth = Action.click(100, 100) if box is None else Action.click(200, 200)
    assert hits("gui-r1", point, truth, box) is expected


@pytest.mark.parametrize(("point", "box", "expected"), [
    ((209, 150), (100, 100, 200, 200), True),   # 209.5 - 150 = 59.5 <= 1.2 * 50: inside the grown box
    ((210, 150), (100, 100, 200, 200), False),  # 60.5: outside it, and 60.5 px > 4% of 1000
    ((140, 100), None, True), ((141, 100), None, False),  # 40 px = 4% of the larger side (1000)
])  # fmt: skip
def test_infigui_r1_is_inside_the_grown_box_or_within_4_percent(point, box, expected):
    truth = Action.click(100, 100) if box is None else Action.click(150, 150)
    assert hits("infigui-r1", point, truth, box, screen=(1000, 500)) is expected


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_protocol_judges_types_and_arguments_alike(protocol):
    def score(predicted, truth):
        return score_step(protocol, predicted, truth, None, SCREEN)

    assert score(None, Action.click(5, 5)) == StepScore(False, False, False)
    assert score(Action.long_press(5, 5), Action.click(5, 5)) == StepScore(False, False, False)
    assert score(Action.scroll("down"), Action.scroll("down", (3, 3))) == StepScore(True, None, True)
    assert score(Action.scroll("up"), Action.scroll("down")) == StepScore(True, None, False)
    assert score(Action.type_text("York"), Action.type_text("new York city")).success  # F1 exactly 0.5
    assert not score(Action.type_text("Boston"), Action.type_text("new york")).success
    assert score(Action.open_app(" settings"), Action.open_app("Settings")).success
    assert not score(Action.press_key("tab"), Action.press_key("enter")).success
    assert score(Action.back(), Action.back()) == StepScore(True, None, True)
    assert score(Action.wait(), Action.back()) == StepScore(False, None, False)


def test_an_unknown_protocol_names_the_choices():
    with pytest.raises(ValueError, match="unknown protocol 'seeclick'; choose from screenspot, ui-r1"):
        score_step("seeclick", None, Action.back(), None, SCREEN)


def test_distances_start_at_the_annotated_point_not_the_box_centre():
    """An AndroidControl row: a tap near the left end of a wide list row."""
    truth, row = Action.click(100, 500), (0, 450, 1080, 550)
    for protocol in ("ui-r1", "gui-r1", "infigui-r1"):
        assert score_step(protocol, Action.click(100, 500), truth, row, (1080, 2400)).success, protocol
