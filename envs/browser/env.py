"""A Gymnasium env over a real web page in headless Chromium, acting through the shared GUI schema.

A task is a page (an HTML file, or a URL on loopback) plus an instruction and a success check. The
page learns the episode's seed from its URL (``?seed=N``), so it can lay itself out at random and
still replay exactly. mmgym's own task pages also expose ``window.mmgym``:
``instruction`` (string), ``success()`` (bool) and ``expert()`` (the next oracle action as JSON,
e.g. ``{"action": "click", "coordinate": [x, y]}``, or null).

One browser per env, started at the first reset; a fresh browser context (cookies, storage, history)
per episode; a :class:`~mmgym.envs.browser.chromium.Sandbox` that lets the page reach only its own
files and loopback. A browser that dies mid-episode truncates the episode with the reason in
``info["error"]``, and the next reset starts a new one.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from PIL import Image

from mmgym.envs.actions import CHARSET, MAX_INSTRUCTION_LENGTH, Action, ActionType, action_space, as_action
from mmgym.envs.browser.chromium import Sandbox, launch
from mmgym.envs.parsing import ReplyError, action_from_dict

#: The schema's keys as Playwright names them.
PLAYWRIGHT_KEYS = {"enter": "Enter", "tab": "Tab", "backspace": "Backspace", "delete": "Delete",
                   "escape": "Escape", "space": "Space", "up": "ArrowUp", "down": "ArrowDown",
                   "left": "ArrowLeft", "right": "ArrowRight", "home": "Home", "end": "End",
                   "page_up": "PageUp", "page_down": "PageDown"}  # fmt: skip
LONG_PRESS_MS = 600


@dataclass(frozen=True)
class WebTask:
    """A web task: its page, its instruction and its success check.

    Attributes:
        page: an HTML file, or an ``http://127.0.0.1:...`` / ``http://localhost:...`` URL.
        instruction: what to do; None reads the page's ``window.mmgym.instruction`` after load.
        success: a JavaScript expression true on success, or a Python callable on the Playwright
            page; None calls the page's ``window.mmgym.success()``.
    """

    page: str | Path
    instruction: str | None = None
    success: str | Callable[[Any], bool] | None = None

    @property
    def is_url(self) -> bool:
        return str(self.page).startswith(("http://", "https://"))

    def url(self, seed: int) -> str:
        base = str(self.page) if self.is_url else Path(self.page).resolve().as_uri()
        return f"{base}{'&' if '?' in base else '?'}seed={seed}"

    def root(self) -> Path | None:
        """The folder whose files the page may load (None for a loopback URL)."""
        return None if self.is_url else Path(self.page).resolve().parent


class BrowserEnv(gym.Env):
    """A web page in headless Chromium as a Gymnasium env (see the module docstring).

    Observation: ``image`` (the viewport, ``(height, width, 3)`` uint8) and ``instruction``.
    Action: the shared GUI schema (:func:`mmgym.envs.actions.action_space`), as real input events.
    Reward 1.0 on the step the success check first holds, else 0.0; that step terminates the
    episode, as does ``finish``.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, task: WebTask, width: int = 320, height: int = 240, render_mode: str | None = None,
                 timeout_ms: int = 10_000):  # fmt: skip
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.task, self.size, self.render_mode = task, (width, height), render_mode
        self.timeout_ms = timeout_ms
        self.observation_space = spaces.Dict({
            "image": spaces.Box(0, 255, (height, width, 3), np.uint8),
            "instruction": spaces.Text(MAX_INSTRUCTION_LENGTH, min_length=1, charset=CHARSET),
        })  # fmt: skip
        self.action_space = action_space(width, height)
        self.instruction = ""
        self._playwright = self._browser = self._context = self._page = None
        self._sandbox = Sandbox(task.root())
        self._url = ""
        self._frame: np.ndarray | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if self._browser is None or not self._browser.is_connected():
            self._start_browser()
        if self._context is not None:
            self._context.close()
        self._context = self._browser.new_context(viewport={"width": self.size[0], "height": self.size[1]},
                                                  accept_downloads=False)  # fmt: skip
        self._context.set_default_timeout(self.timeout_ms)
        self._sandbox = Sandbox(self.task.root())
        self._sandbox.attach(self._context)
        self._page = self._context.new_page()
        self._page.on("dialog", lambda dialog: dialog.dismiss())
        self._url = self.task.url(int(self.np_random.integers(2**31)))
        self._page.goto(self._url, wait_until="load")
        self.instruction = self.task.instruction or str(self._page.evaluate("window.mmgym.instruction"))
        self._frame = self._screenshot()
        return self._observation(), self._info(done=False)

    def step(self, action: Action | dict[str, Any]):
        action = as_action(action)
        try:
            self._act(action)
            success = self._succeeded()
            self._frame = self._screenshot()
            done = success or action.type == ActionType.FINISH
            info = self._info(done=done)
        except Exception as error:
            if not type(error).__module__.startswith("playwright"):
                raise
            # The browser died or hung: end the episode, say why; the next reset starts a new one.
            if not self._browser.is_connected():
                self._browser = None
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            info = {"success": False, "error": reason, "reward_components": {"success": 0.0},
                    "expert_action": None, "blocked_requests": len(self._sandbox.blocked)}  # fmt: skip
            return self._observation(), 0.0, False, True, info
        reward = 1.0 if success else 0.0
        info.update(success=success, reward_components={"success": reward})
        return self._observation(), reward, done, False, info

    def render(self) -> np.ndarray | None:
        return self._frame.copy() if self.render_mode == "rgb_array" and self._frame is not None else None

    def close(self) -> None:
        for stop in (self._browser and self._browser.close, self._playwright and self._playwright.stop):
            try:
                if stop:
                    stop()
            except Exception:  # a browser or driver that is already gone
                pass
        self._playwright = self._browser = self._context = self._page = None

    # Internals.
    def _start_browser(self) -> None:
        from playwright.sync_api import sync_playwright

        self.close()
        self._playwright = sync_playwright().start()
        self._browser = launch(self._playwright)

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
        elif kind == ActionType.TYPE:
            page.keyboard.type(action.text)
        elif kind == ActionType.KEY:
            page.keyboard.press(PLAYWRIGHT_KEYS[action.key])
        elif kind == ActionType.NAVIGATE_BACK:
            page.go_back(wait_until="load")
        elif kind == ActionType.NAVIGATE_HOME:
            page.goto(self._url, wait_until="load")
        elif kind == ActionType.WAIT:
            page.wait_for_timeout(100)
        # open_app has no meaning on a web page; finish ends the episode (see step)

    def _succeeded(self) -> bool:
        check = self.task.success
        if check is None:
            return bool(self._page.evaluate("window.mmgym.success()"))
        if isinstance(check, str):
            return bool(self._page.evaluate(check))
        return bool(check(self._page))

    def _screenshot(self) -> np.ndarray:
        png = self._page.screenshot(type="png", animations="disabled", caret="hide")
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    def _observation(self) -> dict[str, Any]:
        return {"image": self._frame.copy(), "instruction": self.instruction}

    def _info(self, done: bool) -> dict[str, Any]:
        expert = None
        if not done:
            data = self._page.evaluate("window.mmgym && window.mmgym.expert ? window.mmgym.expert() : null")
            try:
                expert = action_from_dict(data) if data is not None else None
            except ReplyError:
                expert = None
        return {"expert_action": expert, "blocked_requests": len(self._sandbox.blocked)}
