"""OpenApp: the home screen, its pages, opening apps, the loading screen and the buttons inside."""

from __future__ import annotations

import re

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.gui.tasks.open_app import OpenAppEnv


def _env(seed: int, size: int = 224) -> tuple[OpenAppEnv, str, str]:
    env = OpenAppEnv(width=size, height=size)
    obs, _ = env.reset(seed=seed)
    app, button = re.fullmatch(r"Open (.+) and tap (.+)\.", obs["instruction"]).groups()
    return env, app, button


def _seed_where(predicate, size: int = 224) -> int:
    return next(s for s in range(200) if predicate(_env(s, size)[0]))


def _names(env: OpenAppEnv) -> set[str]:
    return {w.name for w in env._screen_shown.widgets if w.name}


def _title(env: OpenAppEnv) -> str:
    return next(w.text for w in env._screen_shown.widgets if w.kind == "bar")


def _home_icons(env: OpenAppEnv) -> set[str]:
    return {n for n in _names(env) if n.startswith("app:")}


def test_episode_starting_in_another_app_goes_home_with_back_or_home():
    seed = _seed_where(lambda env: env._app is not None)
    for leave in (Action.back(), Action.home()):
        env, app, _ = _env(seed)
        assert _title(env) != app and not _home_icons(env)
        _, reward, terminated, _, _ = env.step(leave)
        assert _home_icons(env) and not terminated and reward == 0.0


def test_open_app_is_case_insensitive_and_loading_ignores_clicks_until_waited_out():
    seed = _seed_where(lambda env: env._load_time[env._target] == 2)
    env, app, button = _env(seed)
    env.step(Action.open_app(f"  {app.upper()} "))
    spinner = [w for w in env._screen_shown.widgets if w.kind == "spinner"]
    assert spinner and spinner[0].text == "Loading..."
    # Two steps of loading: the first click is swallowed, the wait finishes the load.
    x, y = env._screen_shown.widgets[0].box.center
    _, reward, terminated, _, info = env.step(Action.click(x, y))
    assert not terminated and reward == 0.0 and info["expert_action"] == Action.wait()
    env.step(Action.wait())
    assert _title(env) == app and f"button:{button}" in _names(env)


def test_an_app_that_loads_in_no_steps_shows_its_screen_at_once():
    seed = _seed_where(lambda env: env._load_time[env._target] == 0 and env._app is None)
    env, app, button = _env(seed)
    env.step(Action.open_app(app))
    assert _title(env) == app and f"button:{button}" in _names(env)


def test_unknown_app_name_changes_nothing():
    env, _, _ = _env(3)
    before = env._screen_shown
    _, reward, terminated, _, _ = env.step(Action.open_app("Solitaire"))
    assert env._screen_shown == before and not terminated and reward == 0.0


def test_only_the_named_button_in_the_named_app_succeeds():
    def other_app_shares_the_button(env):
        return any(env._button in env._buttons[a] for a in env._buttons if a != env._target)

    env, app, button = _env(_seed_where(other_app_shares_the_button))
    other = next(a for a in env._buttons if a != app and button in env._buttons[a])
    env._load_time[other] = env._load_time[app] = 0
    env.step(Action.open_app(other))
    _, reward, terminated, _, _ = env.step(env.click_on(env._screen_shown.find(f"button:{button}")))
    assert not terminated and reward == 0.0  # the same label in the wrong app does nothing
    env.step(Action.open_app(app))
    wrong = next(n for n in _names(env) if n.startswith("button:") and n != f"button:{button}")
    _, reward, terminated, _, _ = env.step(env.click_on(env._screen_shown.find(wrong)))
    assert not terminated and reward == 0.0
    _, reward, terminated, _, info = env.step(env.click_on(env._screen_shown.find(f"button:{button}")))
    assert terminated and reward == 1.0 and info["success"]


def test_clicking_a_home_icon_opens_that_app():
    seed = _seed_where(lambda env: env._app is None)
    env, _, _ = _env(seed)
    icon = env._screen_shown.find(sorted(_home_icons(env))[0])
    env._load_time[icon.text] = 0
    env.step(env.click_on(icon))
    assert _title(env) == icon.text


def test_scrolling_turns_home_pages_and_home_returns_to_the_first():
    # At 112 px the icons never fit one page: two columns of at most two rows.
    seed = _seed_where(lambda env: env._app is None and len(env._home_pages) >= 3, size=112)
    env, _, _ = _env(seed, size=112)
    first = _home_icons(env)
    env.step(Action.scroll("left"))  # nothing before the first page
    assert _home_icons(env) == first
    env.step(Action.scroll("right"))
    second = _home_icons(env)
    assert second and not second & first
    env.step(Action.scroll("down"))  # pages turn sideways only
    assert _home_icons(env) == second
    env.step(Action.scroll("right"))
    env.step(Action.scroll("left"))
    assert _home_icons(env) == second
    env.step(Action.home())
    assert _home_icons(env) == first


@pytest.mark.parametrize("seed", range(5))
def test_small_home_screens_hold_four_icons_a_page(seed):
    # At 112 px an icon is 32 px tall, and on these seeds 46 px wide to show "Calendar" or
    # "Contacts" uncut; the grid is 104 px wide and 86 px tall: two columns of two rows a page.
    env, _, _ = _env(seed, size=112)
    assert {"Calendar", "Contacts"} & {name for name, _, _ in env._apps}
    assert {(w.box.width, w.box.height) for w in env._home_pages[0] if w.kind == "app"} == {(46, 32)}
    pages = [[w.text for w in page if w.kind == "app"] for page in env._home_pages]
    assert [len(p) for p in pages[:-1]] == [4] * (len(pages) - 1)
    assert len(pages) == -(-len(env._apps) // 4) and 8 <= len(env._apps) <= 16
    assert sorted(sum(pages, [])) == sorted(name for name, _, _ in env._apps)


def test_finish_fails():
    env, _, _ = _env(0)
    _, reward, terminated, _, info = env.step(Action.finish("done"))
    assert terminated and reward == 0.0 and not info["success"]
