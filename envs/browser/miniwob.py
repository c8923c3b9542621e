"""MiniWoB++ tasks as mmgym browser envs, read from the installed ``miniwob`` package's HTML.

Each task page is loaded fresh per episode (a new browser context), seeded with MiniWoB's own
``Math.seedrandom``, and started with ``core.startEpisodeReal()``; the instruction is MiniWoB's
utterance (``#query``). Rewards follow MiniWoB: ``"raw"`` is the task's own score in [-1, 1] when
the episode ends (``WOB_RAW_REWARD_GLOBAL``), ``"binary"`` is 1 if that score is 1 and -1 otherwise.
``finish`` gives up, scored like MiniWoB's time-out (raw -1).

Two things differ from the ``miniwob`` package's Selenium envs, on purpose: there is no wall-clock
time limit (agents that think for seconds per step would always time out; the step limit bounds an
episode instead), so MiniWoB's time-decayed reward is not offered; and script-driven animations
(jQuery's, Raphael's) end at once, so a screenshot depends on the page's state, not on when it was
taken.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from mmgym.envs.actions import CHARSET, Action, ActionType
from mmgym.envs.browser.env import BrowserEnv, WebTask, WebTaskError

#: MiniWoB's task area; the page's side panel (reward history) lies outside it.
WIDTH, HEIGHT = 160, 210
MAX_EPISODE_STEPS = 30
MAX_UTTERANCE_LENGTH = 1024
REWARDS = ("raw", "binary")

#: Tasks whose goal needs what the shared action schema lacks: dragging the pointer (drag-*,
#: draw-*, resize-textarea) or selecting text with it (highlight-text*, text-editor).
NEEDS_DRAG = frozenset({
    "drag-box", "drag-circle", "drag-cube", "drag-items", "drag-items-grid", "drag-shapes", "drag-shapes-2",
    "drag-single-shape", "drag-sort-numbers", "draw-circle", "draw-line", "resize-textarea", "highlight-text",
    "highlight-text-2", "text-editor",
})  # fmt: skip
#: Tasks driven by the wall clock, which no seed replays: stock-market's prices move on a timer, and
#: terminal's cursor blinks on one.
CLOCK_DRIVEN = frozenset({"stock-market", "terminal"})

_START = """(seed) => {
  if (window.jQuery) jQuery.fx.off = true;  // script-driven animations end at once (jQuery, Raphael)
  if (window.Raphael) {
    const animation = Raphael.animation;
    Raphael.animation = (params, ms, easing, callback) => animation(params, 0, easing, callback);
  }
  core.EPISODE_MAX_TIME = 2147483647;  // no wall-clock limit: the env's step limit ends an episode
  core.setDataMode("train");
  Math.seedrandom(seed);
  core.startEpisodeReal();
  return new Promise((done) => {  // WOB_TASK_READY: false while a task loads more of itself
    const check = () => (WOB_TASK_READY ? done() : setTimeout(check, 10));
    check();
  });
}"""


def html_folder() -> Path | None:
    """The installed ``miniwob`` package's ``html`` folder, or None without the package."""
    try:
        import miniwob
    except ImportError:
        return None
    return Path(miniwob.__file__).parent / "html"


def task_names() -> list[str]:
    """The MiniWoB++ tasks mmgym registers: those the ``miniwob`` package registers itself
    (its ``envs.miniwob_envs``), less :data:`NEEDS_DRAG` and :data:`CLOCK_DRIVEN`. Empty without the
    package."""
    if html_folder() is None:
        return []
    from miniwob.envs import miniwob_envs

    names = {getattr(cls, "subdomain", None) for cls in vars(miniwob_envs).values() if isinstance(cls, type)}
    return sorted(name for name in names if name and name not in NEEDS_DRAG | CLOCK_DRIVEN)


def miniwob_env_ids() -> list[str]:
    return [f"mmgym/miniwob.{name}-v0" for name in task_names()]


class MiniWoBEnv(BrowserEnv):
    """A MiniWoB++ task on mmgym's browser env (see the module docstring).

    Args:
        task_name: the task's MiniWoB name, such as ``"click-test-2"``.
        reward: ``"raw"`` or ``"binary"``.
    """

    def __init__(self, task_name: str, reward: str = "raw", width: int = WIDTH, height: int = HEIGHT,
                 **kwargs: Any):  # fmt: skip
        folder = html_folder()
        if folder is None:
            raise WebTaskError("MiniWoB++ tasks need the miniwob package: pip install miniwob")
        page = folder / "miniwob" / f"{task_name}.html"
        if not page.is_file():
            raise WebTaskError(f"no MiniWoB++ task {task_name!r} in {folder / 'miniwob'}")
        if reward not in REWARDS:
            raise ValueError(f"reward must be one of {', '.join(REWARDS)}, got {reward!r}")
        super().__init__(WebTask(page=page, files=folder), width, height, **kwargs)
        self.task_name, self.reward = task_name, reward
        # Utterances can be long (lists of checkboxes, reply texts), and a few (unicode-test) use
        # characters beyond printable ASCII: admit those their page uses.
        extra = sorted({char for char in page.read_text("utf-8") if ord(char) > 126 and char.isprintable()})
        self.observation_space["instruction"] = spaces.Text(MAX_UTTERANCE_LENGTH, min_length=1,
                                                            charset=CHARSET + "".join(extra))  # fmt: skip

    def _begin(self, seed: int) -> str:
        self._evaluate(f"({_START})({int(seed)})")
        utterance = self._evaluate("core.getUtterance()")  # a string, or {utterance, fields}
        return " ".join(str(utterance["utterance"] if isinstance(utterance, dict) else utterance).split())

    def _outcome(self, action: Action) -> tuple[float, bool, bool]:
        if action.type == ActionType.FINISH:
            self._evaluate("core.endEpisode(-1, false, 'gave up')")
        done, raw = self._evaluate("[WOB_DONE_GLOBAL, WOB_RAW_REWARD_GLOBAL]")
        if not done:
            return 0.0, False, False
        success = raw == 1
        return (float(raw) if self.reward == "raw" else (1.0 if success else -1.0)), True, success


def register_miniwob_tasks() -> None:
    for name, env_id in zip(task_names(), miniwob_env_ids(), strict=True):
        if env_id not in gym.registry:
            gym.register(env_id, entry_point="mmgym.envs.browser.miniwob:MiniWoBEnv",
                         max_episode_steps=MAX_EPISODE_STEPS, kwargs={"task_name": name})  # fmt: skip
