"""ToggleSettings: tabs switch pages, checkboxes toggle, Save checks every setting."""

from __future__ import annotations

import re

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.gui.render import natural_width
from mmgym.envs.gui.tasks.toggle_settings import TABS, ToggleSettingsEnv
from mmgym.envs.gui.text import font, font_size
from mmgym.envs.gui.words import SETTINGS


def _env(seed: int = 0, size: tuple[int, int] = (224, 224)):
    env = ToggleSettingsEnv(width=size[0], height=size[1])
    obs, _ = env.reset(seed=seed)
    asked = dict(re.findall(r"[Tt]urn (on|off) (.+?)(?: and|, then)", obs["instruction"]))
    on, off = asked["on"], asked["off"]
    return env, on, off


def _shown(env) -> dict[str, bool]:
    return {w.text: w.on for w in env._screen_shown.widgets if w.kind == "checkbox"}


def _tab(env) -> str:
    return next(w.text for w in env._screen_shown.widgets if w.kind == "tab" and w.on)


def _show(env, setting: str) -> None:
    """Click the tab holding ``setting`` unless it is already shown."""
    if setting not in _shown(env):
        tab = next(name for name, members in TABS.items() if setting in members)
        env.step(env.click_on(env._screen_shown.find(f"tab:{tab}")))


def _click(env, name: str):
    return env.step(env.click_on(env._screen_shown.find(name)))


def test_the_tab_groups_cover_every_setting_once():
    grouped = [s for members in TABS.values() for s in members]
    assert sorted(grouped) == sorted(SETTINGS)


def test_tabs_switch_pages_of_three_to_five_settings_from_their_group():
    for seed in range(30):
        env, _, _ = _env(seed)
        tabs = [w.text for w in env._screen_shown.widgets if w.kind == "tab"]
        assert 2 <= len(tabs) <= 3 and _tab(env) == tabs[0]
        for tab in tabs:
            _click(env, f"tab:{tab}")
            assert _tab(env) == tab and 3 <= len(_shown(env)) <= 5
            assert set(_shown(env)) <= set(TABS[tab])


def test_clicking_a_checkbox_toggles_it_and_twice_restores_it():
    env, _, _ = _env(3)
    setting, was = next(iter(_shown(env).items()))
    _click(env, f"setting:{setting}")
    assert _shown(env)[setting] is (not was)
    _click(env, f"setting:{setting}")
    assert _shown(env)[setting] is was


def test_states_persist_across_tab_switches():
    env, _, _ = _env(8)
    first_tab = _tab(env)
    setting, was = next(iter(_shown(env).items()))
    _click(env, f"setting:{setting}")
    other = next(w.text for w in env._screen_shown.widgets if w.kind == "tab" and not w.on)
    _click(env, f"tab:{other}")
    assert setting not in _shown(env)
    _click(env, f"tab:{first_tab}")
    assert _shown(env)[setting] is (not was)


def _set(env, setting: str, value: bool) -> None:
    _show(env, setting)
    if _shown(env)[setting] is not value:
        _click(env, f"setting:{setting}")


@pytest.mark.parametrize("seed", range(10))
def test_save_succeeds_with_both_settings_as_asked(seed):
    env, on, off = _env(seed)
    _set(env, on, True)
    _set(env, off, False)
    _, reward, terminated, _, info = _click(env, "save")
    assert terminated and reward == 1.0 and info["success"]


def test_save_fails_when_a_named_setting_is_wrong():
    env, on, off = _env(4)
    _set(env, on, True)
    _set(env, off, True)
    _, reward, terminated, _, info = _click(env, "save")
    assert terminated and reward == 0.0 and not info["success"]


def test_save_fails_when_another_setting_changed_and_the_expert_undoes_it():
    env, on, off = _env(6)
    _set(env, on, True)
    _set(env, off, False)
    bystander = next(s for s in _shown(env) if s not in (on, off))
    _, _, _, _, info = _click(env, f"setting:{bystander}")
    assert info["expert_action"] == env.click_on(env._screen_shown.find(f"setting:{bystander}"))
    _, reward, terminated, _, _ = _click(env, "save")
    assert terminated and reward == 0.0


@pytest.mark.parametrize("leave", [Action.back(), Action.home(), Action.press_key("escape")])
def test_leaving_without_saving_fails(leave):
    env, _, _ = _env(1)
    _, reward, terminated, _, _ = env.step(leave)
    assert terminated and reward == 0.0


def test_the_expert_switches_tab_only_for_a_setting_on_another_tab():
    for seed in range(40):
        env, on, off = _env(seed)
        _, _, _, _, info = env.step(Action.wait())
        needs = [s for s, v in ((on, True), (off, False)) if env._state[s] is not v]
        if not needs:
            assert info["expert_action"] == env.click_on(env._screen_shown.find("save"))
        elif needs[0] in _shown(env):
            assert info["expert_action"] == env.click_on(env._screen_shown.find(f"setting:{needs[0]}"))
        else:
            assert env._screen_shown.hit(*info["expert_action"].point).kind == "tab"


@pytest.mark.parametrize("size", [(112, 112), (224, 224), (1280, 720), (1920, 112)])
def test_every_caption_fits_at_any_size(size):
    for seed in range(20):
        env, _, _ = _env(seed, size)
        widgets = env._screen_shown.widgets
        assert all(w.box.x1 <= size[0] and w.box.y1 <= size[1] for w in widgets)
        for w in widgets:
            if w.kind in ("checkbox", "button"):
                assert natural_width(w.kind, w.text, w.box.height) <= w.box.width
            elif w.kind == "tab":  # the tab drawer's bold font, one size under its height's
                face = font(font_size(w.box.height) - 1, bold=True)
                assert face.getlength(w.text) <= w.box.width
        checks = [w for w in widgets if w.kind == "checkbox"]
        assert all(a.box.y1 <= b.box.y0 for a, b in zip(checks, checks[1:], strict=False))
        assert checks[-1].box.y1 <= env._screen_shown.find("save").box.y0
