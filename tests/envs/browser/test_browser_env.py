"""Browser envs on a real headless Chromium: the Gymnasium contract, the oracle, user tasks,
the sandbox and a browser that dies mid-episode."""

from __future__ import annotations

import os
import signal
import time

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import mmgym  # noqa: F401
from mmgym.envs.actions import Action
from mmgym.envs.browser import BrowserEnv, WebTask, register_web_task, web_env_ids

pytest.importorskip("playwright.sync_api")
OWN_IDS = web_env_ids()


@pytest.mark.parametrize("env_id", OWN_IDS)
def test_check_env_and_same_seed_replays(env_id):
    env = gym.make(env_id)
    try:
        check_env(env.unwrapped, skip_render_check=True)
        first, _ = env.reset(seed=7)
        other, _ = env.reset(seed=8)
        again, _ = env.reset(seed=7)
        assert first["instruction"] == again["instruction"] != other["instruction"]
        np.testing.assert_array_equal(first["image"], again["image"])
    finally:
        env.close()


@pytest.mark.slow
@pytest.mark.parametrize("env_id", OWN_IDS)
def test_the_oracle_solves_every_seed(env_id):
    env = gym.make(env_id)
    try:
        for seed in range(50):
            _, info = env.reset(seed=seed)
            solved = False
            while info["expert_action"] is not None:
                _, reward, terminated, truncated, info = env.step(info["expert_action"])
                if terminated or truncated:
                    solved = reward == 1.0 and info["success"]
                    break
            assert solved, f"seed {seed}"
    finally:
        env.close()


PAGE = """<!doctype html><body style="margin:0">
<button id="go" style="position:absolute;left:10px;top:10px;width:100px;height:40px"
        onclick="document.body.dataset.done = 1">Go</button>
<img src="https://example.com/tracker.png"></body>"""


@pytest.mark.parametrize("success", ["document.body.dataset.done === '1'",
                                     lambda page: page.evaluate("document.body.dataset.done") == "1"],
                         ids=["javascript", "python"])  # fmt: skip
def test_a_user_registers_a_page_with_a_success_check(tmp_path, success):
    page = tmp_path / "go.html"
    page.write_text(PAGE)
    env_id = f"test/Go{'Js' if isinstance(success, str) else 'Py'}-v0"
    register_web_task(env_id, page, instruction="Press Go.", success=success, max_episode_steps=3)
    env = gym.make(env_id, width=160, height=120)
    try:
        observation, info = env.reset(seed=0)
        assert observation["instruction"] == "Press Go." and observation["image"].shape == (120, 160, 3)
        assert info["blocked_requests"] == 1  # the tracker pixel never left the machine
        _, reward, terminated, _, _ = env.step(Action.click(150, 100))  # beside the button
        assert (reward, terminated) == (0.0, False)
        _, reward, terminated, _, info = env.step(Action.click(60, 30))
        assert (reward, terminated, info["success"]) == (1.0, True, True)
    finally:
        env.close()


def test_a_missing_page_is_named():
    with pytest.raises(FileNotFoundError, match="test/Nope-v0: page /nowhere.html does not exist"):
        register_web_task("test/Nope-v0", "/nowhere.html", instruction="x", success="true")


def test_a_killed_browser_truncates_the_episode_and_the_next_reset_recovers(chromium_pids):
    before = chromium_pids()
    env = gym.make(OWN_IDS[0])
    try:
        _, info = env.reset(seed=0)
        for pid in chromium_pids() - before:
            os.kill(pid, signal.SIGKILL)
        _, reward, terminated, truncated, info = env.step(info["expert_action"])
        assert (reward, terminated, truncated) == (0.0, False, True) and info["error"]
        observation, info = env.reset(seed=0)
        assert observation["image"].shape == (240, 320, 3) and info["expert_action"] is not None
    finally:
        env.close()
    assert chromium_pids() <= before


POP_UPS = """<!doctype html><body style="margin:0">
<button style="position:absolute;left:0;top:0;width:100px;height:40px" onclick="
  window.open('https://example.com/ad');
  alert('hello');
  const link = document.createElement('a');
  link.href = 'data:text/plain,secret'; link.download = 'secret.txt'; link.click();
  document.body.dataset.done = confirm('sure?') ? 'accepted' : 'dismissed';">Go</button></body>"""


def test_pop_ups_dialogs_and_downloads_go_nowhere(tmp_path):
    page = tmp_path / "popups.html"
    page.write_text(POP_UPS)
    dismissed = "document.body.dataset.done === 'dismissed'"
    env = BrowserEnv(WebTask(page=page, instruction="Press Go.", success=dismissed))
    try:
        env.reset(seed=0)
        _, reward, terminated, truncated, info = env.step(Action.click(50, 20))
        assert (reward, terminated, truncated) == (1.0, True, False)  # the dialogs were dismissed, no hang
        assert info["blocked_requests"] == 1  # the pop-up's outside page
        assert list(tmp_path.iterdir()) == [page]  # nothing was downloaded
    finally:
        env.close()


def test_a_scroll_observes_where_the_page_landed(tmp_path):
    rows = "".join(f"<div style='height:40px;background:hsl({17 * i},70%,60%)'>{i}</div>" for i in range(99))
    page = tmp_path / "long.html"
    page.write_text(f"<body style='margin:0'>{rows}</body>")
    env = BrowserEnv(WebTask(page=page, instruction="Scroll.", success="false"))
    try:
        before, _ = env.reset(seed=0)
        for direction in ["down"] * 4 + ["up"]:
            observation, *_ = env.step(Action.scroll(direction, (160, 120)))
            assert not np.array_equal(observation["image"], before["image"])
            time.sleep(0.3)  # any scrolling still under way has landed by now
            before, *_ = env.step(Action.wait())
            np.testing.assert_array_equal(observation["image"], before["image"])
    finally:
        env.close()


def test_a_click_that_follows_a_link_observes_the_new_page(tmp_path):
    link = '<a href="b.html" style="display:block;height:60px">next</a>'
    (tmp_path / "a.html").write_text(f'<body style="margin:0">{link}</body>')
    (tmp_path / "b.html").write_text('<body style="background:#f00"><script>window.ready = true</script>')
    env = BrowserEnv(WebTask(page=tmp_path / "a.html", instruction="Go on.", success="window.ready === true"))
    try:
        env.reset(seed=0)
        observation, reward, terminated, truncated, _ = env.step(Action.click(50, 30))
        assert (reward, terminated, truncated) == (1.0, True, False)
        assert tuple(observation["image"][100, 100]) == (255, 0, 0)  # the new page, not the old one
    finally:
        env.close()


TRACES = """<!doctype html><body><script>
window.report = async () => ({
  local: localStorage.length, session: sessionStorage.length, cookie: document.cookie, name: window.name,
  history: history.length, databases: (await indexedDB.databases()).length,
  caches: (await caches.keys()).length, data: await (await fetch("data.txt")).text(),
});
window.leaveTraces = async () => {
  localStorage.setItem("k", "1"); sessionStorage.setItem("k", "1"); document.cookie = "k=1; max-age=999";
  window.name = "left"; history.pushState({}, "", "#2");
  await new Promise((done) => { indexedDB.open("db").onsuccess = done; });
  await caches.open("c");
  window.open(location.href);
};
addEventListener("pagehide", () => localStorage.setItem("left", "1"));
</script></body>"""
CLEAN = {"local": 0, "session": 0, "cookie": "", "name": "", "history": 1, "databases": 0, "caches": 0}


@pytest.mark.parametrize("fresh_context", [False, True])
def test_an_episode_sees_nothing_of_the_last_one(tmp_path, loopback_server, fresh_context):
    (tmp_path / "traces.html").write_text(TRACES)
    data = tmp_path / "data.txt"
    day_ago = time.time() - 86400  # an old Last-Modified would let a cache keep the response for hours
    os.utime(data, (day_ago, day_ago))
    pages = []
    task = WebTask(page=f"{loopback_server}/traces.html", instruction="Look.",
                   success=lambda page: pages.append(page) or False)  # fmt: skip
    env = BrowserEnv(task, fresh_context=fresh_context)
    try:
        env.reset(seed=0)
        env.step(Action.wait())
        page = pages[-1]
        assert page.evaluate("report()") == {**CLEAN, "data": "local"}
        page.evaluate("leaveTraces()")
        data.write_text("fresh")
        os.utime(data, (day_ago, day_ago))
        traces = {"local": 1, "session": 1, "cookie": "k=1", "name": "left", "history": 2, "databases": 1,
                  "caches": 1, "data": "fresh"}  # fmt: skip
        assert page.evaluate("report()") == traces
        assert len(page.context.pages) == 2  # the pop-up
        env.reset(seed=1)
        env.step(Action.wait())
        page = pages[-1]
        assert page.evaluate("report()") == {**CLEAN, "data": "fresh"}
        assert len(page.context.pages) == 1
    finally:
        env.close()


def test_a_step_observes_what_a_short_timer_finished(tmp_path):
    page = tmp_path / "later.html"
    page.write_text("""<body style="margin:0"><button style="width:320px;height:240px" onclick="
      const paint = () => { document.body.innerHTML = ''; document.body.style.background = '#0f0'; };
      setTimeout(() => setTimeout(paint, 60), 0)
    ">Go</button></body>""")
    env = BrowserEnv(WebTask(page=page, instruction="Press Go.", success="document.body.innerHTML === ''"))
    try:
        env.reset(seed=0)
        observation, reward, *_ = env.step(Action.click(100, 100))
        assert reward == 1.0 and tuple(observation["image"][120, 160]) == (0, 255, 0)
    finally:
        env.close()
