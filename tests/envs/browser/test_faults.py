"""Broken task pages give one clear error naming the task and its page; hung steps and killed
parents leave no hang and no Chromium behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from mmgym.envs.actions import Action
from mmgym.envs.browser import BrowserEnv, WebTask, WebTaskError

BUTTON = '<button id="go" style="position:absolute;left:0;top:0;width:100px;height:40px">Go</button>'


def _env(tmp_path: Path, body: str, success: str = "false", **kwargs) -> BrowserEnv:
    page = tmp_path / "task.html"
    page.write_text(f"<!doctype html><body>{body}</body>")
    return BrowserEnv(WebTask(page=page, instruction="Press Go.", success=success), **kwargs)


@pytest.mark.parametrize(("body", "problem"), [
    ("<script>window.broken.call()</script>", "script error while loading: TypeError"),
    ('<script src="helpers.js"></script>', "cannot load file://"),
    ('<img src="logo.png">', "logo.png (net::ERR_FILE_NOT_FOUND)"),
], ids=["script-error", "missing-script", "missing-image"])  # fmt: skip
def test_a_broken_page_names_the_task_and_file(tmp_path, body, problem):
    env = _env(tmp_path, body)
    try:
        with pytest.raises(WebTaskError) as error:
            env.reset(seed=0)
        message = str(error.value)
        assert "\n" not in message and f"{tmp_path}/task.html" in message and problem in message
    finally:
        env.close()


def test_a_success_check_that_throws_names_the_task_and_file(tmp_path):
    env = _env(tmp_path, BUTTON, success="window.nosuch.done")
    try:
        env.reset(seed=0)
        with pytest.raises(WebTaskError, match=r"task.html: the success check failed: .*TypeError"):
            env.step(Action.click(50, 20))
    finally:
        env.close()


def test_a_page_that_never_finishes_loading_times_out(tmp_path):
    import socket

    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    env = _env(tmp_path, f'<img src="http://127.0.0.1:{silent.getsockname()[1]}/slow.png">', timeout_s=1.0)
    try:
        with pytest.raises(WebTaskError, match=r"task.html\?seed=\d+ did not load: .*Timeout 1000ms"):
            env.reset(seed=0)
    finally:
        env.close()
        silent.close()


def test_a_hung_page_truncates_the_step_and_the_next_reset_recovers(tmp_path, chromium_pids):
    before = chromium_pids()
    env = _env(tmp_path, BUTTON + '<script>go.onclick = () => { while (true) {} }</script>', timeout_s=1.0)
    try:
        env.reset(seed=0)
        _, reward, terminated, truncated, info = env.step(Action.click(50, 20))  # the script never returns
        assert (reward, terminated, truncated) == (0.0, False, True)
        assert info["error"] == "no answer within 6 s; the browser was stopped"
        observation, _ = env.reset(seed=1)
        assert observation["image"].shape == (240, 320, 3)
    finally:
        env.close()
    assert chromium_pids() <= before


CHILD = """
    import sys, time
    from mmgym.envs.browser import BrowserEnv, WebTask
    env = BrowserEnv(WebTask(page=sys.argv[1], instruction="Press Go.", success="false"))
    env.reset(seed=0)
    print("ready", flush=True)
    time.sleep(60)
"""


def _marked(mark: bytes) -> list[int]:
    """Live processes whose environment carries ``mark``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or mark not in (entry / "environ").read_bytes():
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":  # not a zombie
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("kill", ["parent", "process-group"])
def test_no_chromium_outlives_a_killed_parent(tmp_path, kill):
    page = tmp_path / "task.html"
    page.write_text(f"<!doctype html><body>{BUTTON}</body>")
    token = uuid.uuid4().hex
    mark = f"MMGYM_TEST_MARK={token}"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD), str(page)],
                             stdout=subprocess.PIPE, env={**os.environ, "MMGYM_TEST_MARK": token},
                             start_new_session=True)  # fmt: skip
    assert child.stdout.readline().strip() == b"ready"
    assert len(_marked(mark.encode())) > 2  # the driver and Chromium's processes are up
    if kill == "parent":
        os.kill(child.pid, signal.SIGKILL)
    else:
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 10
    while _marked(mark.encode()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _marked(mark.encode()) == []


class _MissedFrames:
    """A CDP session whose first ``misses`` screenshots fail as a starved compositor's do."""

    def __init__(self, session, misses: int):
        self.session, self.misses = session, misses

    def send(self, method: str, params: dict | None = None):
        if method == "Page.captureScreenshot" and self.misses > 0:
            self.misses -= 1
            raise PlaywrightError("Protocol error (Page.captureScreenshot): Unable to capture screenshot")
        return self.session.send(method, params)


@pytest.mark.parametrize("misses", [1, 3])
def test_a_missed_frame_is_taken_again(tmp_path, misses):
    env = _env(tmp_path, BUTTON)
    try:
        expected, _ = env.reset(seed=0)
        env._cdp = _MissedFrames(env._cdp, misses)
        observation, _, _, truncated, info = env.step(Action.wait())
        assert not truncated and "error" not in info and env._cdp.misses == 0
        assert (observation["image"] == expected["image"]).all()
    finally:
        env.close()


def test_a_frame_that_never_comes_truncates_the_step_with_the_reason(tmp_path):
    env = _env(tmp_path, BUTTON)
    try:
        env.reset(seed=0)
        env._cdp = _MissedFrames(env._cdp, misses=4)
        _, reward, terminated, truncated, info = env.step(Action.wait())
        assert (reward, terminated, truncated) == (0.0, False, True)
        assert "Unable to capture screenshot" in info["error"]
    finally:
        env.close()
