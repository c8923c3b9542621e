"""The base class of the synthetic GUI tasks: spaces, the step loop, rendering and the oracle hook."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from mmgym.envs.actions import (
    CHARSET,
    MAX_INSTRUCTION_LENGTH,
    Action,
    ActionType,
    action_space,
    as_action,
)
from mmgym.envs.gui.render import render
from mmgym.envs.gui.screen import Box, Screen, Widget

MIN_SIZE, MAX_SIZE = 112, 1920
T = TypeVar("T")


def pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One of ``options``, uniformly, as itself (``rng.choice`` makes an array first)."""
    return options[randint(rng, 0, len(options))]


def randint(rng: np.random.Generator, low: int, high: int) -> int:
    """A uniform integer in ``[low, high)``, from one float: a third of the cost of
    ``rng.integers``, which layouts call dozens of times per reset (bias below 2**-40 here)."""
    return low + int(rng.random() * (high - low))


def pick_some(rng: np.random.Generator, options: Sequence[T], count: int) -> list[T]:
    """``count`` distinct elements of ``options`` in random order."""
    if 4 * count <= len(options):  # few from many: redraw on a repeat instead of shuffling all
        chosen: dict[int, None] = {}
        while len(chosen) < count:
            chosen[randint(rng, 0, len(options))] = None
        return [options[i] for i in chosen]
    return [options[int(i)] for i in rng.permutation(len(options))[:count]]


class GuiEnv(gym.Env[dict, dict]):
    """A synthetic phone-style screen drawn with Pillow, and one task on it.

    Subclasses build their state in :meth:`_start`, draw it in :meth:`_screen`, apply actions in
    :meth:`_act` and say what an expert would do next in :meth:`_oracle`. This class keeps the
    Gymnasium contract: spaces, seeding, rewards, ``info`` and rendering only when the screen
    changed.

    Observation Space:
        ``Dict(image=Box(0, 255, (height, width, 3), uint8), instruction=Text)``.

    Action Space:
        The shared GUI schema of :func:`mmgym.envs.actions.action_space`; :class:`Action` values
        are accepted too. Points are pixels of the observation image.

    Rewards:
        1.0 on the step that completes the task, else 0.0; ``info["reward_components"]`` holds
        ``{"success": reward}``.

    Episode End:
        Terminated when the task succeeds (``info["success"] = True``) or fails irrecoverably (a
        wrong final click, a wrong answer, ``finish`` before the goal); truncated by the
        registration's ``max_episode_steps``.

    Info:
        ``expert_action`` (the oracle's next :class:`Action`, ``None`` once the episode ended),
        ``target_box`` (the :class:`Box` that action clicks, if it clicks), and after a step
        ``success`` and ``reward_components``.

    Arguments:
        render_mode: ``None`` or ``"rgb_array"``.
        width, height: screen size in pixels (112 to 1920 each; default 224 x 224).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 2}

    def __init__(self, render_mode: str | None = None, width: int = 224, height: int = 224):
        for name, value in (("width", width), ("height", height)):
            if not (isinstance(value, int) and MIN_SIZE <= value <= MAX_SIZE):
                raise ValueError(f"{name} must be an int from {MIN_SIZE} to {MAX_SIZE}, got {value!r}")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.render_mode = render_mode
        self.size = (width, height)
        self.observation_space = spaces.Dict(
            {
                "image": spaces.Box(0, 255, (height, width, 3), np.uint8),
                "instruction": spaces.Text(MAX_INSTRUCTION_LENGTH, min_length=1, charset=CHARSET),
            }
        )
        self.action_space = action_space(width, height)
        self.instruction = ""
        self._screen_shown: Screen | None = None
        self._frame: np.ndarray | None = None

    # The task's hooks.
    def _start(self) -> str:
        """Build a new task from ``self.np_random``; return its instruction."""
        raise NotImplementedError

    def _screen(self) -> Screen:
        """The widgets that show the current state."""
        raise NotImplementedError

    def _act(self, action: Action, target: Widget | None) -> bool | None:
        """Apply ``action`` (``target``: the widget under its point); True = solved, False = failed."""
        raise NotImplementedError

    def _oracle(self) -> Action:
        """What an expert does next."""
        raise NotImplementedError

    def _finish(self, answer: str) -> bool:
        """Whether ``finish(answer)`` solves the task; most tasks are solved by acting, not saying."""
        return False

    # The Gymnasium API.
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.instruction = self._start()
        self._refresh()
        return self._observation(), self._info(done=False)

    def step(self, action: Action | dict[str, Any]):
        action = as_action(action)
        if action.type == ActionType.FINISH:
            outcome: bool | None = self._finish(action.text or "")
        else:
            target = None
            if action.point is not None and action.type != ActionType.SCROLL:
                target = self._screen_shown.hit(*action.point)
            outcome = self._act(action, target)
        self._refresh()
        success = outcome is True
        reward = 1.0 if success else 0.0
        info = self._info(done=outcome is not None)
        info["success"] = success
        info["reward_components"] = {"success": reward}
        return self._observation(), reward, outcome is not None, False, info

    def render(self) -> np.ndarray | None:
        return self._frame.copy() if self.render_mode == "rgb_array" else None

    # Internals.
    def _refresh(self) -> None:
        screen = self._screen()
        if screen != self._screen_shown:
            self._screen_shown = screen
            self._frame = render(screen, self.size)

    def _observation(self) -> dict[str, Any]:
        return {"image": self._frame.copy(), "instruction": self.instruction}

    def _info(self, done: bool) -> dict[str, Any]:
        if done:
            return {"expert_action": None, "target_box": None}
        expert = self._oracle()
        box = None
        if expert.type in (ActionType.CLICK, ActionType.LONG_PRESS):
            hit = self._screen_shown.hit(*expert.point)
            box = hit.box if hit is not None else None
        return {"expert_action": expert, "target_box": box}

    def pick(self, options: Sequence[T]) -> T:
        return pick(self.np_random, options)

    def pick_some(self, options: Sequence[T], count: int) -> list[T]:
        return pick_some(self.np_random, options, count)

    def randint(self, low: int, high: int) -> int:
        return randint(self.np_random, low, high)

    @staticmethod
    def click_on(widget: Widget) -> Action:
        """A click at the centre of ``widget``."""
        return Action.click(*widget.box.center)


__all__ = ["Box", "GuiEnv", "Screen", "Widget"]
