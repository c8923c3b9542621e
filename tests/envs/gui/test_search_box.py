"""SearchBox: focus, type, backspace, clear, suggestions fill without submitting, enter submits."""

from __future__ import annotations

import re

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.gui.tasks.search_box import SearchBoxEnv
from mmgym.envs.gui.text import fit_text, font_size


def _env(seed: int = 0, size=(224, 224), text: str = "", focused: bool = False) -> SearchBoxEnv:
    """An episode with the field set to ``text`` and focus as given."""
    env = SearchBoxEnv(width=size[0], height=size[1])
    env.reset(seed=seed)
    env._text, env._focused = text, focused
    env._refresh()
    return env


def _field(env: SearchBoxEnv):
    return env._screen_shown.find("field")


def _suggestions(env: SearchBoxEnv) -> list:
    return [w for w in env._screen_shown.widgets if w.name.startswith("suggestion")]


def test_the_instruction_names_the_query_and_the_field_shows_a_search_placeholder():
    for seed in range(30):
        env = SearchBoxEnv()
        obs, _ = env.reset(seed=seed)
        assert re.fullmatch(r"Search for '(.+)'\.", obs["instruction"]).group(1) == env._query
        assert re.fullmatch(r"Search( \w+)?\.\.\.", _field(env).label)
        assert 3 <= len(env._suggestions) <= 6


def test_typing_and_keys_without_focus_change_nothing():
    env = _env()
    for action in (Action.type_text("abc"), Action.press_key("backspace"), Action.press_key("space"),
                   Action.press_key("enter")):  # fmt: skip
        _, reward, terminated, _, _ = env.step(action)
        assert env._text == "" and not terminated and reward == 0.0


def test_click_focuses_then_type_appends_and_backspace_deletes():
    env = _env()
    env.step(env.click_on(_field(env)))
    assert _field(env).on
    env.step(Action.type_text("hot"))
    env.step(Action.type_text("els"))
    env.step(Action.press_key("space"))
    assert _field(env).text == "hotels "
    env.step(Action.press_key("backspace"))
    env.step(Action.press_key("backspace"))
    assert _field(env).text == "hotel"


@pytest.mark.parametrize("typed", ["same", "upper", "padded"])
def test_enter_submits_the_query_trimmed_and_case_insensitively(typed):
    env = _env(3)
    query = {"same": env._query, "upper": env._query.upper(), "padded": f"  {env._query} "}[typed]
    env = _env(3, text=query, focused=True)
    _, reward, terminated, _, info = env.step(Action.press_key("enter"))
    assert terminated and reward == 1.0 and info["success"]


def test_enter_with_another_query_fails_and_on_an_empty_field_does_nothing():
    env = _env(3, focused=True)
    _, _, terminated, _, _ = env.step(Action.press_key("enter"))
    assert not terminated
    env.step(Action.type_text(env._query + "s"))
    _, reward, terminated, _, info = env.step(Action.press_key("enter"))
    assert terminated and reward == 0.0 and not info["success"]


def test_a_suggestion_fills_and_focuses_the_field_without_submitting():
    env = _env(1)
    chosen = _suggestions(env)[0]
    _, reward, terminated, _, _ = env.step(env.click_on(chosen))
    assert not terminated and reward == 0.0 and _field(env).text == chosen.text and _field(env).on
    env = _env(1)
    match = next(w for w in _suggestions(env) if w.text == env._query)
    env.step(env.click_on(match))
    _, reward, terminated, _, _ = env.step(Action.press_key("enter"))
    assert terminated and reward == 1.0


def test_the_clear_button_shows_only_with_text_and_empties_the_field():
    env = _env()
    assert not any(w.name == "clear" for w in env._screen_shown.widgets)
    env = _env(text="old query")
    env.step(env.click_on(env._screen_shown.find("clear")))
    assert _field(env).text == "" and _field(env).on
    assert not any(w.name == "clear" for w in env._screen_shown.widgets)


@pytest.mark.parametrize("leave", [Action.back(), Action.press_key("escape")])
def test_back_and_escape_drop_focus_and_keep_the_text(leave):
    env = _env(text="pasta", focused=True)
    env.step(leave)
    assert not _field(env).on and _field(env).text == "pasta"
    env.step(Action.type_text("x"))
    assert _field(env).text == "pasta"


def test_the_oracle_fixes_a_stale_query_by_clearing_and_a_near_miss_by_backspace():
    env = _env(2, focused=True)
    env._suggestions = [s for s in env._suggestions if s.lower() != env._query.lower()]
    env._text = env._query + "xyz"
    env._refresh()
    assert env._oracle() == env.click_on(env._screen_shown.find("clear"))
    env._text = env._query + "xy"
    env._refresh()
    assert env._oracle() == Action.press_key("backspace")
    env._text = env._query[:2]
    env._refresh()
    assert env._oracle() == Action.type_text(env._query[2:])


@pytest.mark.parametrize("size", [(112, 112), (224, 224), (1280, 720), (1920, 112)])
def test_the_query_and_suggestions_are_drawn_uncut(size):
    for seed in range(30):
        env = _env(seed, size)
        env._text = env._query
        env._refresh()
        field = _field(env)
        h = field.box.height
        clear = env._screen_shown.find("clear")
        shown = env._query + "|"  # the cursor of a focused field
        assert fit_text(shown, font_size(h), False, clear.box.x0 - field.box.x0 - h // 4) == shown
        assert fit_text("X", font_size(clear.box.height), True, clear.box.width - 4) == "X"
        for widget in _suggestions(env):
            h, w = widget.box.height, widget.box.width
            room = w - 4 if widget.kind == "button" else w - h - h // 4
            bold = widget.kind == "button"
            assert fit_text(widget.text, font_size(h), bold, room) == widget.text
            assert widget.box.y1 <= size[1] and widget.box.x1 <= size[0]
