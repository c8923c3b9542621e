"""Browser environments: real web pages in headless Chromium, driven through Playwright."""

from mmgym.envs.browser.env import BrowserEnv, WebTask, WebTaskError
from mmgym.envs.browser.miniwob import MiniWoBEnv, miniwob_env_ids
from mmgym.envs.browser.tasks import OWN_TASKS, browser_tasks, register_web_task, web_env_ids

__all__ = ["OWN_TASKS", "BrowserEnv", "MiniWoBEnv", "WebTask", "WebTaskError", "browser_tasks",
           "miniwob_env_ids", "register_web_task", "web_env_ids"]
