"""ScrollList: a page minus a row per scroll, clamped ends, the right row succeeds, a wrong one fails."""

from __future__ import annotations

import re

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.gui.tasks.scroll_list import ScrollListEnv
from mmgym.envs.gui.text import fit_text, font_size, text_width


def _env(seed: int = 0, size: tuple[int, int] = (224, 224)) -> ScrollListEnv:
    env = ScrollListEnv(width=size[0], height=size[1])
    env.reset(seed=seed)
    return env


def _known_list(env: ScrollListEnv, n: int = 20, target: int = 9) -> None:
    """A list whose geometry is worked out by hand: at 224 x 224 the app bar is 28 px high, so
    the viewport is y 28-224 (196 px), rows are 30 px: rows 0-5 show whole, row 6 is cut."""
    env._items = [(f"Row {i}", "", "red") for i in range(n)]
    env._row_h, env._header, env._footer, env._offset, env._target = 30, "none", False, 0, target
    env._place_bars()
    env._refresh()


def _whole_rows(env: ScrollListEnv) -> list[str]:
    viewport = env._viewport()
    return [w.text for w in env._screen_shown.widgets
            if w.kind == "row" and viewport.y0 <= w.box.y0 and w.box.y1 <= viewport.y1]  # fmt: skip


def _row(env: ScrollListEnv, text: str):
    return next(w for w in env._screen_shown.widgets if w.kind == "row" and w.text == text)


def test_scroll_down_moves_one_page_minus_a_row_and_clamps_at_both_ends():
    env = _env()
    _known_list(env)
    assert env._viewport().height == 196 and _whole_rows(env) == [f"Row {i}" for i in range(6)]
    env.step(Action.scroll("down"))  # 196 - 30 = 166 px: the cut row 6 comes out on top
    assert env._offset == 166 and _whole_rows(env) == [f"Row {i}" for i in range(6, 12)]
    env.step(Action.scroll("down", (100, 150)))
    assert env._offset == 332
    env.step(Action.scroll("down"))  # 498 is past the end: 20 * 30 - 196 = 404 at most
    assert env._offset == 404 and _whole_rows(env)[-1] == "Row 19"
    env.step(Action.scroll("down"))
    assert env._offset == 404
    env.step(Action.scroll("up"))
    assert env._offset == 238 and _whole_rows(env)[0] == "Row 8"  # row 7 is cut by the bar
    env.step(Action.scroll("up"))
    env.step(Action.scroll("up"))
    assert env._offset == 0 and _whole_rows(env)[0] == "Row 0"


@pytest.mark.parametrize("action", [
    Action.scroll("down", (100, 10)),  # over the app bar
    Action.scroll("left"), Action.scroll("right"),
    Action.long_press(100, 60), Action.wait(), Action.type_text("Row 9"), Action.back(),
])  # fmt: skip
def test_other_gestures_leave_the_list_where_it_is(action):
    env = _env()
    _known_list(env)
    _, reward, terminated, _, _ = env.step(action)
    assert env._offset == 0 and not terminated and reward == 0.0


def test_clicking_the_target_succeeds_and_a_wrong_row_fails():
    env = _env()
    _known_list(env, target=3)
    _, reward, terminated, _, info = env.step(env.click_on(_row(env, "Row 3")))
    assert terminated and reward == 1.0 and info["success"]
    _known_list(env, target=9)
    _, reward, terminated, _, info = env.step(env.click_on(_row(env, "Row 3")))
    assert terminated and reward == 0.0 and not info["success"]


def test_a_row_under_the_app_bar_takes_clicks_only_where_it_shows():
    env = _env()
    _known_list(env, target=5)
    env.step(Action.scroll("down"))  # row 5 now spans y 12-42, half under the 28 px app bar
    _, reward, terminated, _, _ = env.step(Action.click(100, 20))
    assert not terminated and reward == 0.0
    _, reward, terminated, _, _ = env.step(Action.click(100, 35))
    assert terminated and reward == 1.0


def test_the_oracle_scrolls_toward_the_target_then_clicks_it():
    env = _env()
    _known_list(env, target=13)
    assert env._oracle() == Action.scroll("down", env._viewport().center)
    env.step(Action.scroll("down"))
    env.step(Action.scroll("down"))
    assert env._oracle().point == _row(env, "Row 13").box.center
    env._offset, env._target = 404, 2
    env._refresh()
    assert env._oracle().direction.label == "up"


def test_the_header_and_the_bottom_bar_cover_the_list_and_ignore_clicks():
    env = _env()
    _known_list(env)
    env._header, env._footer = "tabs", True
    env._place_bars()
    env._refresh()
    header, footer = env._screen_shown.find("header"), env._screen_shown.find("footer")
    assert env._viewport().y0 == header.box.y1 and env._viewport().y1 == footer.box.y0
    for widget in (header, footer):
        _, _, terminated, _, _ = env.step(env.click_on(widget))
        assert not terminated


def test_the_target_usually_starts_off_screen():
    shown = 0
    for seed in range(200):
        env = _env(seed)
        shown += env._fully_visible(env._target)
    assert 20 <= shown <= 100


@pytest.mark.parametrize("size", [(112, 112), (224, 224), (1280, 720)])
def test_the_instruction_names_a_row_drawn_uncut(size):
    for seed in range(40):
        env = _env(seed, size)
        name = re.search(r"'(.+)'", env.instruction).group(1)
        assert name == env._items[env._target][0]
        assert 12 <= len(env._items) <= 30 and len({text for text, _, _ in env._items}) == len(env._items)
        for widget in env._screen_shown.widgets:
            if widget.kind == "row":
                h, w = widget.box.height, widget.box.width
                pad, left = h // 4, h if widget.shape else h // 4
                # The row draws its detail flush right and the text in what is left of the width.
                room = w - text_width(widget.label, h) - 3 * pad - left if widget.label else w - pad - left
                assert fit_text(widget.text, font_size(h), False, room) == widget.text
