"""mmgym's own web tasks, and registering a new one.

A web task needs only a page and a success check::

    from mmgym.envs.browser import register_web_task

    register_web_task("me/Subscribe-v0", "pages/subscribe.html",
                      instruction="Subscribe with the address ann@example.com.",
                      success="document.querySelector('#thanks') !== null")
    env = gymnasium.make("me/Subscribe-v0")
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import gymnasium as gym

from mmgym.envs.browser.env import WebTask
from mmgym.envs.browser.miniwob import MAX_EPISODE_STEPS, miniwob_env_ids, register_miniwob_tasks

#: mmgym's own task pages (assets/web): page, step limit, description. Each page defines ``window.mmgym``.
OWN_TASKS: dict[str, tuple[str, int, str]] = {
    "WebLogin": ("login.html", 24, "type the named user and password into a sign-in form and submit"),
    "WebSearch": ("search.html", 15, "search a store and open the named result among near-duplicate titles"),
    "WebCart": ("cart.html", 30, "set the named products to the named quantities in a shop, then check out"),
    "WebSettings": ("settings.html", 16, "turn named switches on or off in a sectioned settings list, save"),
    "WebTable": ("table.html", 16, "filter and sort an order table, select the named order, press done"),
    "WebSlider": ("slider.html", 16, "set the named sliders of a settings panel to the named values, apply"),
    "WebTodo": ("todo.html", 16, "add, tick off and delete to-do items until the list is as asked"),
    "WebDatePicker": ("datepicker.html", 30, "book a table for the named guests and date, from a calendar"),
    "WebEmail": ("email.html", 20, "compose and send an email with the named recipient, subject and body"),
    "WebNavigate": ("navigate.html", 16, "follow a shop site's pages to the named product, maybe act there"),
}


def register_web_task(env_id: str, page: str | Path, instruction: str | None = None,
                      success: str | Callable[[Any], bool] | None = None, max_episode_steps: int = 20,
                      width: int = 320, height: int = 240) -> None:  # fmt: skip
    """Register ``env_id`` as a :class:`~mmgym.envs.browser.env.BrowserEnv` on ``page`` (an HTML
    file or a loopback URL). ``success`` is a JavaScript expression or a callable on the Playwright
    page; left out, the page's own ``window.mmgym.success()`` decides, and ``instruction`` left out
    is read from ``window.mmgym.instruction``."""
    task = WebTask(page=page, instruction=instruction, success=success)
    if not task.is_url and not Path(page).is_file():
        raise FileNotFoundError(f"web task {env_id}: page {page} does not exist")
    gym.register(env_id, entry_point="mmgym.envs.browser.env:BrowserEnv", max_episode_steps=max_episode_steps,
                 kwargs={"task": task, "width": width, "height": height})  # fmt: skip


def register_browser_tasks() -> None:
    """Register mmgym's own web tasks and, with the ``miniwob`` package, the MiniWoB++ tasks."""
    pages = resources.files("mmgym.assets") / "web"
    for env_id, (page, steps, _) in zip(web_env_ids(), OWN_TASKS.values(), strict=True):
        if env_id not in gym.registry:
            register_web_task(env_id, str(pages / page), max_episode_steps=steps)
    register_miniwob_tasks()


def web_env_ids() -> list[str]:
    """The ids of mmgym's own web tasks, in :data:`OWN_TASKS` order."""
    return [f"mmgym/{name}-v0" for name in OWN_TASKS]


def browser_tasks() -> list[tuple[str, int, str]]:
    """(id, step limit, description) of every registered browser task: mmgym's own, then MiniWoB++'s."""
    own = zip(web_env_ids(), OWN_TASKS.values(), strict=True)
    return [(env_id, steps, f"{description} (web page)") for env_id, (_, steps, description) in own] + [
        (env_id, MAX_EPISODE_STEPS, "MiniWoB++ task (miniwob package)") for env_id in miniwob_env_ids()
    ]
