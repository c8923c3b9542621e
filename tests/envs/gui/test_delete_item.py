"""DeleteItem: long press opens the menu, a click opens the detail, Delete on the wrong item fails."""

from __future__ import annotations

import re

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.gui.tasks.delete_item import DeleteItemEnv
from mmgym.envs.gui.text import fit_text, font_size, text_width


def _env(kind: str = "note", scrim: bool | None = None, size=(224, 224)) -> DeleteItemEnv:
    """The first episode showing ``kind`` items (and a scrim behind the menu, or not, if given)."""
    env = DeleteItemEnv(width=size[0], height=size[1])
    for seed in range(200):
        env.reset(seed=seed)
        if env._kind == kind and scrim in (None, env._scrim):
            return env
    raise AssertionError(f"no {kind} episode in 200 seeds")


def _item(env: DeleteItemEnv, i: int):
    return env._screen_shown.find(f"item{i}")


def _wrong(env: DeleteItemEnv) -> int:
    return (env._target + 1) % len(env._items)


def _press(env: DeleteItemEnv, i: int):
    return env.step(Action.long_press(*_item(env, i).box.center))


@pytest.mark.parametrize("kind", ["note", "email", "photo"])
def test_long_press_then_delete_on_the_target_succeeds(kind):
    env = _env(kind)
    assert re.fullmatch(rf"(Delete|Remove) the {kind} (named )?'(.+)'\.", env.instruction)
    _, reward, terminated, _, _ = _press(env, env._target)
    assert not terminated and reward == 0.0
    entries = [w.text for w in env._screen_shown.widgets if w.name.startswith("menu:")]
    assert "Delete" in entries and 3 <= len(entries) <= 4
    _, reward, terminated, _, info = env.step(env.click_on(env._screen_shown.find("menu:Delete")))
    assert terminated and reward == 1.0 and info["success"]


def test_delete_on_another_item_fails():
    env = _env("email")
    _press(env, _wrong(env))
    _, reward, terminated, _, info = env.step(env.click_on(env._screen_shown.find("menu:Delete")))
    assert terminated and reward == 0.0 and not info["success"]


def test_a_plain_click_opens_a_read_only_detail_and_every_way_back_returns():
    env = _env("note")
    title = env._items[env._target]["text"]
    for back in ("arrow", "navigate_back", "escape"):
        _, _, terminated, _, info = env.step(env.click_on(_item(env, env._target)))
        labels = [w.text for w in env._screen_shown.widgets if w.kind == "label"]
        assert not terminated and env._detail == env._target and title in labels
        assert info["expert_action"] == Action.back()
        for action in (Action.long_press(100, 100), Action.scroll("down"), Action.type_text("x")):
            env.step(action)
            assert env._detail == env._target and env._menu is None  # nothing to do here
        action = {"arrow": env.click_on(env._screen_shown.find("back")),
                  "navigate_back": Action.back(), "escape": Action.press_key("escape")}[back]  # fmt: skip
        env.step(action)
        assert env._detail is None and env._screen_shown.find(f"item{env._target}")


@pytest.mark.parametrize("scrim", [True, False])
def test_a_tap_outside_the_menu_closes_it_with_or_without_a_scrim(scrim):
    env = _env("email", scrim=scrim)
    _press(env, _wrong(env))
    assert any(w.kind == "scrim" for w in env._screen_shown.widgets) == scrim
    far = _item(env, env._target).box  # another row, outside the menu
    menu = env._menu_box()
    point = (far.x0 + 2, far.y0 + 2) if not menu.contains(far.x0 + 2, far.y0 + 2) else (1, 1)
    _, _, terminated, _, _ = env.step(Action.click(*point))
    assert not terminated and env._menu is None and env._detail is None  # consumed, no detail


def test_the_menu_stays_for_a_tap_on_its_padding_and_closes_for_another_entry_or_back():
    env = _env("note")
    _press(env, env._target)
    menu = env._screen_shown.find("menu")
    env.step(Action.click(menu.box.x0 + 1, menu.box.y0 + 1))
    assert env._menu == env._target
    other = next(w for w in env._screen_shown.widgets
                 if w.name.startswith("menu:") and w.name != "menu:Delete")  # fmt: skip
    _, reward, terminated, _, _ = env.step(env.click_on(other))
    assert env._menu is None and not terminated and reward == 0.0
    _press(env, env._target)
    env.step(Action.back())
    assert env._menu is None


def test_the_oracle_recovers_from_a_wrong_menu_and_a_wrong_detail():
    env = _env("photo")
    _, _, _, _, info = _press(env, _wrong(env))
    assert info["expert_action"] == Action.back()
    env.step(Action.back())
    _, _, _, _, info = env.step(env.click_on(_item(env, _wrong(env))))
    assert info["expert_action"] == Action.back()
    env.step(info["expert_action"])
    assert env._oracle().type.label == "long_press"


def test_a_photo_opens_from_its_caption_too():
    env = _env("photo")
    captions = [w for w in env._screen_shown.widgets if w.kind == "label" and w.name]
    caption = next(w for w in captions if w.text == env._items[env._target]["text"])
    env.step(Action.long_press(*caption.box.center))
    assert env._menu == env._target


@pytest.mark.parametrize("size", [(112, 112), (224, 224), (1280, 720), (1920, 112)])
def test_the_named_item_and_the_menu_entries_are_drawn_uncut_inside_the_screen(size):
    for kind in ("note", "email", "photo"):
        env = _env(kind, size=size)
        assert 4 <= len(env._items) <= 8
        _press(env, env._target)
        for widget in env._screen_shown.widgets:
            box = widget.box
            assert 0 <= box.x0 < box.x1 <= size[0] and 0 <= box.y0 < box.y1 <= size[1]
            if widget.kind == "row":
                h, pad = box.height, box.height // 4
                left = h if widget.shape else pad
                room = box.width - text_width(widget.label, h) - 3 * pad - left if widget.label else (
                    box.width - pad - left
                )  # fmt: skip
                assert fit_text(widget.text, font_size(h), False, room) == widget.text
            if widget.kind == "label" and widget.name:
                assert fit_text(widget.text, int(box.height * 0.7), False, box.width) == widget.text
