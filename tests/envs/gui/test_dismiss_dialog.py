"""DismissDialog: the scrim blocks the screen, dismissing is safe, accepting fails."""

from __future__ import annotations

import re

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.gui.tasks.dismiss_dialog import DismissDialogEnv
from mmgym.envs.gui.words import DIALOGS


def _env(seed: int = 0, size: tuple[int, int] = (224, 224)) -> tuple[DismissDialogEnv, str]:
    env = DismissDialogEnv(width=size[0], height=size[1])
    obs, _ = env.reset(seed=seed)
    return env, re.fullmatch(r".+ the (pop-up|dialog), then tap (.+)\.", obs["instruction"]).group(2)


def _button(env: DismissDialogEnv, text: str):
    return next(w for w in env._screen_shown.widgets if w.kind == "button" and w.text == text)


def _dialog_open(env: DismissDialogEnv) -> bool:
    return any(w.kind == "scrim" for w in env._screen_shown.widgets)


def test_the_dialog_comes_from_the_word_list_and_no_screen_button_repeats_its_labels():
    for seed in range(40):
        env, target = _env(seed)
        texts = [w.text for w in env._screen_shown.widgets if w.kind in ("label", "button")]
        dialog = next(d for d in DIALOGS if d[0] in texts)
        assert dialog[1] in texts
        assert env._screen_shown.find("dismiss").text == dialog[2]
        assert env._screen_shown.find("accept").text == dialog[3]
        labels = [w.text for w in env._widgets if w.kind == "button"]
        assert target in labels and not {dialog[2], dialog[3], "Close"} & set(labels)
        assert 3 <= len(labels) <= 6 and len(set(labels)) == len(labels)


def test_clicks_on_the_dimmed_screen_hit_the_scrim_and_do_nothing():
    for seed in range(20):  # an episode whose target button lies under the scrim, not the dialog
        env, target = _env(seed)
        covered = env.click_on(next(w for w in env._widgets if w.text == target))
        if env._screen_shown.hit(*covered.point).kind == "scrim":
            break
    before = env._screen_shown
    _, reward, terminated, _, _ = env.step(covered)
    assert env._screen_shown == before and not terminated and reward == 0.0
    assert _dialog_open(env)


@pytest.mark.parametrize("close", ["dismiss", "navigate_back", "escape"])
def test_each_way_of_closing_reveals_the_screen_and_the_target_succeeds(close):
    env, target = _env(3)
    action = {
        "dismiss": env.click_on(env._screen_shown.find("dismiss")),
        "navigate_back": Action.back(),
        "escape": Action.press_key("escape"),
    }[close]
    _, reward, terminated, _, _ = env.step(action)
    assert not terminated and reward == 0.0 and not _dialog_open(env)
    _, reward, terminated, _, info = env.step(env.click_on(_button(env, target)))
    assert terminated and reward == 1.0 and info["success"]


def test_accepting_the_dialog_fails():
    env, _ = _env(2)
    _, reward, terminated, _, info = env.step(env.click_on(env._screen_shown.find("accept")))
    assert terminated and reward == 0.0 and not info["success"]


def test_a_wrong_button_after_closing_does_nothing():
    env, target = _env(5)
    env.step(Action.press_key("escape"))
    wrong = next(w for w in env._widgets if w.kind == "button" and w.text != target)
    before = env._screen_shown
    _, reward, terminated, _, _ = env.step(env.click_on(wrong))
    assert env._screen_shown == before and not terminated and reward == 0.0


@pytest.mark.parametrize("leave", [Action.back(), Action.press_key("escape"), Action.home()])
def test_going_back_once_the_dialog_is_closed_leaves_the_app(leave):
    env, _ = _env(6)
    env.step(env.click_on(env._screen_shown.find("dismiss")))
    _, reward, terminated, _, _ = env.step(leave)
    assert terminated and reward == 0.0


def test_home_with_the_dialog_open_leaves_the_app():
    env, _ = _env(6)
    _, _, terminated, _, info = env.step(Action.home())
    assert terminated and not info["success"]


def test_small_screens_only_pick_dialogs_whose_buttons_read_uncut():
    # At 112 px the dialog's buttons are 44 px wide with 8 px bold captions: "No thanks" (46 px)
    # cannot fit, so "Enable location?" never appears; at 224 px it does.
    def dismiss_texts(size):
        return {_env(seed, size)[0]._screen_shown.find("dismiss").text for seed in range(60)}

    assert "No thanks" not in dismiss_texts((112, 112))
    assert "No thanks" in dismiss_texts((224, 224))
