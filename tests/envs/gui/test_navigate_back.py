"""NavigateBack: back from a detail screen, wrong entries are recoverable, leaving the app fails."""

from __future__ import annotations

import re

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.gui.tasks.navigate_back import NavigateBackEnv
from mmgym.envs.gui.text import font, font_size


def _env(seed: int = 0, size: tuple[int, int] = (224, 224)) -> tuple[NavigateBackEnv, str]:
    env = NavigateBackEnv(width=size[0], height=size[1])
    obs, _ = env.reset(seed=seed)
    return env, re.fullmatch(r"Go back and open (.+)\.", obs["instruction"]).group(1)


def _bar(env: NavigateBackEnv) -> str:
    return next(w.text for w in env._screen_shown.widgets if w.kind == "bar")


def _entries(env: NavigateBackEnv) -> dict[str, object]:
    return {w.text: w for w in env._screen_shown.widgets if w.name.startswith("entry")}


def test_starts_on_the_detail_screen_of_another_entry_with_a_back_arrow():
    for seed in range(20):
        env, target = _env(seed)
        assert _bar(env) != target and env._screen_shown.find("back")
        assert not _entries(env)  # the list is not on screen yet


@pytest.mark.parametrize("back", ["navigate_back", "arrow", "escape"])
def test_every_way_back_shows_the_list_and_the_entry_then_succeeds(back):
    env, target = _env(4)
    started_on = _bar(env)
    action = {
        "navigate_back": Action.back(),
        "arrow": env.click_on(env._screen_shown.find("back")),
        "escape": Action.press_key("escape"),
    }[back]
    _, reward, terminated, _, _ = env.step(action)
    assert not terminated and reward == 0.0
    entries = _entries(env)
    assert _bar(env) == env._app and target in entries and started_on in entries
    _, reward, terminated, _, info = env.step(env.click_on(entries[target]))
    assert terminated and reward == 1.0 and info["success"]


def test_a_wrong_entry_opens_its_detail_and_going_back_recovers():
    env, target = _env(7)
    env.step(Action.back())
    wrong = next(name for name in _entries(env) if name != target)
    _, reward, terminated, _, info = env.step(env.click_on(_entries(env)[wrong]))
    assert not terminated and reward == 0.0 and _bar(env) == wrong
    assert info["expert_action"] in (Action.back(), env.click_on(env._screen_shown.find("back")))
    env.step(Action.back())
    _, reward, terminated, _, _ = env.step(env.click_on(_entries(env)[target]))
    assert terminated and reward == 1.0


@pytest.mark.parametrize("leave", [Action.back(), Action.press_key("escape"), Action.home()])
def test_leaving_the_app_from_the_list_fails(leave):
    env, _ = _env(2)
    env.step(Action.back())
    _, reward, terminated, _, info = env.step(leave)
    assert terminated and reward == 0.0 and not info["success"]


def test_home_on_a_detail_screen_fails_too():
    env, _ = _env(2)
    _, reward, terminated, _, _ = env.step(Action.home())
    assert terminated and reward == 0.0


def test_detail_rows_scrolling_and_typing_do_nothing():
    env, _ = _env(5)
    before = env._screen_shown
    rows = [w for w in before.widgets if w.kind == "row"]
    for action in (env.click_on(rows[0]), Action.scroll("down"), Action.type_text("hi")):
        _, reward, terminated, _, _ = env.step(action)
        assert env._screen_shown == before and not terminated


@pytest.mark.parametrize("size", [(112, 112), (224, 224), (1280, 720)])
def test_list_rows_stack_below_the_bar_and_show_names_uncut(size):
    # Rows are 22-28 units tall under a 28-unit bar and up to 8 units of padding: at 224 px 6-8
    # of them fit, so the 5-8 asked for never shrink; at 112 px rows are 12-14 px and 6-8 fit.
    for seed in range(30):
        env, _ = _env(seed, size)
        env.step(Action.back())
        rows = [w for w in env._screen_shown.widgets if w.kind == "row"]
        assert 5 <= len(rows) <= 8 and rows[-1].box.y1 <= size[1]
        assert all(a.box.y1 == b.box.y0 for a, b in zip(rows, rows[1:], strict=False))
        assert len({r.text for r in rows}) == len(rows)
        for row in rows:  # the name's room in the row drawer: after the icon, before the detail
            h, pad = row.box.height, row.box.height // 4
            detail = font(font_size(h) - 1).getlength(row.label) + 3 * pad if row.label else pad
            assert font(font_size(h)).getlength(row.text) <= row.box.width - h - detail
