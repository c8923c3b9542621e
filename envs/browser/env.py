"""A Gymnasium env over a real web page in headless Chromium, acting through the shared GUI schema.

A task is a page (an HTML file, or a URL on loopback) plus an instruction and a success check. The
page learns the episode's seed from its URL (``?seed=N``), so it can lay itself out at random and
still replay exactly. mmgym's own task pages also expose ``window.mmgym``:
``instruction`` (string), ``success()`` (bool) and ``expert()`` (the next oracle action as JSON,
e.g. ``{"action": "click", "coordinate": [x, y]}``, or null).

One browser per env, started at the first reset. Every episode starts on a clean slate: no cookies,
storage, history or pop-ups from earlier ones. By default the env keeps one browser context and
wipes it between episodes, which costs a third of opening a new one (that spawns a renderer
process); ``fresh_context=True`` opens a new context per episode instead. A
:class:`~mmgym.envs.browser.chromium.Sandbox` lets the page reach only its own files and loopback.
``still.js`` runs in every document first: no CSS transitions or animations, a hidden text caret,
and a count of the page's short timers, which a step waits for, so that a screenshot depends on the
page's state, not on when it was taken.

Faults: a browser that dies or a step that hangs past its deadline (the browser is then stopped)
truncates the episode with the reason in ``info["error"]``, and the next reset starts a new browser.
A broken task (a page that does not load in time, a script error or a missing file while loading, a
success check that throws) raises :class:`WebTaskError` naming the task and its page.
"""

from __future__ import annotations

import base64
import io
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from PIL import Image

from mmgym.envs.actions import CHARSET, MAX_INSTRUCTION_LENGTH, Action, ActionType, action_space, as_action
from mmgym.envs.browser.chromium import Sandbox, browser_pid, launch
from mmgym.envs.parsing import ReplyError, action_from_dict
from mmgym.errors import UsageError, first_line

#: The schema's keys as Playwright names them.
PLAYWRIGHT_KEYS = {"enter": "Enter", "tab": "Tab", "backspace": "Backspace", "delete": "Delete",
                   "escape": "Escape", "space": "Space", "up": "ArrowUp", "down": "ArrowDown",
                   "left": "ArrowLeft", "right": "ArrowRight", "home": "Home", "end": "End",
                   "page_up": "PageUp", "page_down": "PageDown"}  # fmt: skip
LONG_PRESS_MS = 600
#: Longest ``elements`` observation, in characters.
MAX_ELEMENTS_LENGTH = 8192
#: Extra time a step or reset gets beyond the page-load timeout before the browser is stopped.
DEADLINE_GRACE_S = 5.0
# Chromium now and then has no compositor frame to copy when a busy machine starves it and answers a
# screenshot with "Unable to capture screenshot"; the next frame comes within a few milliseconds.
SCREENSHOT_TRIES = 4

_STILL_PAGE = (Path(__file__).parent / "still.js").read_text()
_SETTLED = f"({(Path(__file__).parent / 'settled.js').read_text()})()"
#: How long a step waits for a page load its action started, and for the short timers it set.
SETTLE_S, TIMERS_S = 2.0, 0.5
_NEXT_FRAME = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
_ELEMENTS_JS = (Path(__file__).parent / "elements.js").read_text()


class WebTaskError(UsageError):
    """A web task that cannot run as written: its page, its scripts or its success check."""


class PageScriptError(Exception):
    """A script the env ran in the page threw."""


@dataclass(frozen=True)
class WebTask:
    """A web task: its page, its instruction and its success check.

    Attributes:
        page: an HTML file, or an ``http://127.0.0.1:...`` / ``http://localhost:...`` URL.
        instruction: what to do; None reads the page's ``window.mmgym.instruction`` after load.
        success: a JavaScript expression true on success, or a Python callable on the Playwright
            page; None calls the page's ``window.mmgym.success()``.
        files: the folder whose files the page may load; None means the page's own folder.
    """

    page: str | Path
    instruction: str | None = None
    success: str | Callable[[Any], bool] | None = None
    files: str | Path | None = None

    @property
    def is_url(self) -> bool:
        return str(self.page).startswith(("http://", "https://"))

    def url(self, seed: int) -> str:
        base = str(self.page) if self.is_url else Path(self.page).resolve().as_uri()
        return f"{base}{'&' if '?' in base else '?'}seed={seed}"

    def root(self) -> Path | None:
        """The folder whose files the page may load (None for a loopback URL)."""
        if self.is_url:
            return None
        return Path(self.files if self.files is not None else Path(self.page).parent).resolve()


class BrowserEnv(gym.Env):
    """A web page in headless Chromium as a Gymnasium env (see the module docstring).

    Observation: ``image`` (the viewport, ``(height, width, 3)`` uint8) and ``instruction``; with
    ``elements=True`` also ``elements``, the visible elements as text lines
    ``[left,top,right,bottom] tag text`` for text-only agents.
    Action: the shared GUI schema (:func:`mmgym.envs.actions.action_space`), as real input events.
    Reward 1.0 on the step the success check first holds, else 0.0; that step terminates the
    episode, as does ``finish``.

    Args:
        timeout_s: how long a page may take to load; a step or reset that runs more than
            ``DEADLINE_GRACE_S`` beyond it is cut off by stopping the browser.
        elements: add the ``elements`` text observation.
        fresh_context: open a new browser context for every episode instead of wiping the one
            context clean between episodes; the same isolation, at about three times the reset cost.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, task: WebTask, width: int = 320, height: int = 240, render_mode: str | None = None,
                 timeout_s: float = 10.0, elements: bool = False, fresh_context: bool = False):  # fmt: skip
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.task, self.size, self.render_mode = task, (width, height), render_mode
        self.timeout_s, self.elements, self.fresh_context = timeout_s, elements, fresh_context
        observations = {
            "image": spaces.Box(0, 255, (height, width, 3), np.uint8),
            "instruction": spaces.Text(MAX_INSTRUCTION_LENGTH, min_length=1, charset=CHARSET),
        }
        if elements:
            observations["elements"] = spaces.Text(MAX_ELEMENTS_LENGTH, min_length=0, charset=CHARSET + "\n")
        self.observation_space = spaces.Dict(observations)
        self.action_space = action_space(width, height)
        self.instruction = ""
        self._playwright = self._browser = self._context = self._page = self._cdp = None
        self._pid: int | None = None
        self._sandbox = Sandbox(task.root())
        self._url = ""
        self._frame: np.ndarray | None = None
        self._elements = ""
        self._origins: set[str | None] = set()  # the documents' origins this episode (see _wipe)
        self._has_expert = False  # does the task's page have an oracle (window.mmgym.expert)?
        self._load_problems: list[str] = []
        self._expired = False

    @property
    def name(self) -> str:
        """The task as a user knows it: its registered id and page, else its page."""
        return f"{self.spec.id} ({self.task.page})" if self.spec is not None else str(self.task.page)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        episode_seed = int(self.np_random.integers(2**31))
        for attempt in (1, 2):  # a browser that died between episodes gets one restart
            if self._browser is None or not self._browser.is_connected():
                self._start_browser()
            try:
                with self._deadline():
                    self._open(episode_seed)
                    self.instruction = self._begin(episode_seed)
                    self._settle()
                    self._look()
                    return self._observation(), self._info(done=False)
            except Exception as error:
                if not _from_browser(error):
                    raise
                if self._browser.is_connected() or self._expired or attempt == 2:
                    reason = self._reason(error)
                    raise WebTaskError(f"{self.name}: {self._url} did not load: {reason}") from None
                self._browser = None

    def step(self, action: Action | dict[str, Any]):
        action = as_action(action)
        try:
            with self._deadline():
                self._act(action)
                self._settle()
                reward, terminated, success = self._outcome(action)
                self._look()
                info = self._info(done=terminated)
        except Exception as error:
            if not _from_browser(error):
                raise
            # The browser died or hung: end the episode, say why; the next reset starts a new one.
            if not self._browser.is_connected():
                self._browser = None
            info = {"success": False, "error": self._reason(error), "reward_components": {"success": 0.0},
                    "expert_action": None, "blocked_requests": len(self._sandbox.blocked)}  # fmt: skip
            return self._observation(), 0.0, False, True, info
        info.update(success=success, reward_components={"success": float(success)})
        return self._observation(), reward, terminated, False, info

    def render(self) -> np.ndarray | None:
        return self._frame.copy() if self.render_mode == "rgb_array" and self._frame is not None else None

    def close(self) -> None:
        for stop in (self._browser and self._browser.close, self._playwright and self._playwright.stop):
            try:
                if stop:
                    stop()
            except Exception:  # a browser or driver that is already gone
                pass
        self._playwright = self._browser = self._context = self._page = self._cdp = None

    # What a kind of task page decides: how an episode starts, and how it is scored.
    def _begin(self, seed: int) -> str:
        """Start the episode on the loaded page; return its instruction."""
        if self.task.instruction is not None:
            return self.task.instruction
        instruction = self._evaluate("window.mmgym ? window.mmgym.instruction : null")
        if not isinstance(instruction, str) or not instruction:
            raise WebTaskError(f"{self.name} sets no window.mmgym.instruction; define "
                               "it in the page or pass instruction= when registering the task")  # fmt: skip
        return instruction

    def _outcome(self, action: Action) -> tuple[float, bool, bool]:
        """(reward, terminated, success) after ``action``."""
        success = self._succeeded()
        return float(success), success or action.type == ActionType.FINISH, success

    # Internals.
    def _start_browser(self) -> None:
        from playwright.sync_api import sync_playwright

        self.close()
        self._playwright = sync_playwright().start()
        self._browser = launch(self._playwright)
        self._pid = browser_pid(self._browser)

    def _open(self, seed: int) -> None:
        """The task's page for ``seed``, loaded on a clean slate; a script error or missing file
        while loading raises :class:`WebTaskError`."""
        if self._page is None or self.fresh_context:
            self._new_context()
        else:
            self._wipe()
        self._url = self.task.url(seed)
        self._load_problems = []
        self._page.on("pageerror", self._on_script_error)
        self._page.on("requestfailed", self._on_failed_request)
        try:
            self._page.goto(self._url, wait_until="load")
        finally:
            self._page.remove_listener("pageerror", self._on_script_error)
            self._page.remove_listener("requestfailed", self._on_failed_request)
        if self._load_problems:
            raise WebTaskError(f"{self.name}: {self._load_problems[0]}")
        self._cdp.send("Page.resetNavigationHistory")  # the task page is the episode's first entry
        self._has_expert = bool(self._evaluate("!!(window.mmgym && window.mmgym.expert)"))

    def _new_context(self) -> None:
        if self._context is not None:
            self._context.close()
        self._context = self._browser.new_context(viewport={"width": self.size[0], "height": self.size[1]},
                                                  accept_downloads=False)  # fmt: skip
        self._context.set_default_timeout(self.timeout_s * 1000)
        self._context.add_init_script(_STILL_PAGE)
        self._sandbox = Sandbox(self.task.root())
        self._sandbox.attach(self._context)
        self._origins = set()
        self._context.on("page", self._watch)
        self._page = self._context.new_page()
        self._page.on("dialog", lambda dialog: dialog.dismiss())
        self._cdp = self._context.new_cdp_session(self._page)

    def _watch(self, page: Any) -> None:
        """Note the origin of every document a page of the context loads, so :meth:`_wipe` can clear it."""
        page.on("framenavigated", lambda frame: self._origins.add(_origin(frame.url)))

    def _wipe(self) -> None:
        """Leave nothing of the last episode: its other tabs (pop-ups), its document and window
        name, the history, and every origin's cookies and storage. (No response is cached: the
        sandbox's routing turns Chromium's cache off.) The next page starts as it would in a new
        browser context, for a third of the cost, as no new renderer process starts."""
        for page in self._context.pages:
            if page != self._page:
                page.close()
        self._page.goto("about:blank", wait_until="commit")  # the last document's unload handlers run first
        self._evaluate("window.name = ''")
        for origin in self._origins - {None}:
            self._cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
        self._origins.clear()
        self._context.clear_cookies()
        self._sandbox.blocked.clear()

    def _on_script_error(self, error: Any) -> None:
        kind = getattr(error, "name", "") or "Error"
        self._load_problems.append(f"script error while loading: {kind}: {first_line(error)}")

    def _on_failed_request(self, request: Any) -> None:
        if request.url not in self._sandbox.blocked:  # a blocked request is the sandbox at work, not a fault
            self._load_problems.append(f"cannot load {request.url} ({request.failure})")

    @contextmanager
    def _deadline(self) -> Iterator[None]:
        """Stop the browser if the enclosed step or reset outlives the page-load timeout by
        ``DEADLINE_GRACE_S``; the blocked Playwright call then fails and the step truncates."""
        self._expired = False
        timer = threading.Timer(self.timeout_s + DEADLINE_GRACE_S, self._expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _expire(self) -> None:
        self._expired = True
        if self._pid is not None:
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)

    def _reason(self, error: Exception) -> str:
        if self._expired:
            return f"no answer within {self.timeout_s + DEADLINE_GRACE_S:g} s; the browser was stopped"
        return first_line(error)

    def _act(self, action: Action) -> None:
        page, kind = self._page, action.type
        if kind == ActionType.CLICK:
            page.mouse.click(*action.point)
        elif kind == ActionType.LONG_PRESS:
            page.mouse.click(*action.point, delay=LONG_PRESS_MS)
        elif kind == ActionType.SCROLL:
            x, y = action.point if action.point is not None else (self.size[0] // 2, self.size[1] // 2)
            page.mouse.move(x, y)
            step = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[action.direction.label]
            page.mouse.wheel(step[0] * self.size[0] * 0.8, step[1] * self.size[1] * 0.8)
            self._evaluate(_NEXT_FRAME)  # the wheel scrolls asynchronously; see where it lands
        elif kind == ActionType.TYPE:
            page.keyboard.type(action.text)
        elif kind == ActionType.KEY:
            page.keyboard.press(PLAYWRIGHT_KEYS[action.key])
        elif kind == ActionType.NAVIGATE_BACK:
            if self._cdp.send("Page.getNavigationHistory")["currentIndex"] > 0:
                page.go_back(wait_until="load")  # but not off the task, back to the blank tab
        elif kind == ActionType.NAVIGATE_HOME:
            page.goto(self._url, wait_until="load")
        elif kind == ActionType.WAIT:
            page.wait_for_timeout(100)
        # open_app has no meaning on a web page; finish ends the episode (see step)

    def _settle(self) -> None:
        """Wait for a page load the action started (up to ``SETTLE_S``), for the short timers it set
        (up to ``TIMERS_S``: a page that keeps setting them is not waited out), and for the images
        the page shows (``settled.js``), so that the success check, the oracle and the screenshot
        all see the page it led to, with its scripts run."""
        start = time.monotonic()
        while True:
            try:
                state = self._evaluate(_SETTLED)
            except Exception as error:
                if "context was destroyed" not in str(error):
                    raise
                state = "loading"
            waited = time.monotonic() - start
            if state == "ready" or waited > SETTLE_S or (state == "timers" and waited > TIMERS_S):
                return  # (a load that was called off: the page stays)
            self._page.wait_for_timeout(10)

    def _succeeded(self) -> bool:
        check = self.task.success
        try:
            if check is None:
                return bool(self._evaluate("window.mmgym ? window.mmgym.success() : false"))
            if isinstance(check, str):
                return bool(self._page.evaluate(check))
            return bool(check(self._page))
        except Exception as error:
            if self._expired or not self._browser.is_connected():
                raise  # the browser failed, not the check
            raise WebTaskError(f"{self.name}: the success check failed: {first_line(error)}") from None

    def _look(self) -> None:
        """Take the screenshot (and the elements text) that the next observation shows."""
        for attempt in range(1, SCREENSHOT_TRIES + 1):
            try:
                shot = self._cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})
                break
            except Exception as error:
                if "Unable to capture screenshot" not in str(error) or attempt == SCREENSHOT_TRIES:
                    raise
                self._evaluate(_NEXT_FRAME)
        self._frame = np.asarray(Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB"))
        if self.elements:
            self._elements = str(self._evaluate(f"({_ELEMENTS_JS})({MAX_ELEMENTS_LENGTH})"))

    def _evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page's main frame, a promise awaited. Raw CDP,
        for speed: Playwright's ``page.evaluate`` costs three times as much CPU."""
        reply = self._cdp.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                    "awaitPromise": True})  # fmt: skip
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            raise PageScriptError(details.get("exception", {}).get("description") or details["text"])
        return reply["result"].get("value")

    def _observation(self) -> dict[str, Any]:
        observation = {"image": self._frame.copy(), "instruction": self.instruction}
        if self.elements:
            observation["elements"] = self._elements
        return observation

    def _info(self, done: bool) -> dict[str, Any]:
        expert = None
        if not done and self._has_expert:
            data = self._evaluate("window.mmgym && window.mmgym.expert ? window.mmgym.expert() : null")
            try:
                expert = action_from_dict(data) if data is not None else None
            except ReplyError:
                expert = None
        return {"expert_action": expert, "blocked_requests": len(self._sandbox.blocked)}


def _origin(url: str) -> str | None:
    """The storage origin of a document's URL; None for those with no storage of their own."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return "file://"
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None


def _from_browser(error: Exception) -> bool:
    """Whether ``error`` came from the browser or its page, not from mmgym."""
    return isinstance(error, PageScriptError) or type(error).__module__.startswith("playwright")
