"""Browser environments: real web pages in headless Chromium, driven through Playwright."""

from mmgym.envs.browser.env import BrowserEnv, WebTask
from mmgym.envs.browser.tasks import OWN_TASKS, register_web_task, web_env_ids

__all__ = ["OWN_TASKS", "BrowserEnv", "WebTask", "register_web_task", "web_env_ids"]
