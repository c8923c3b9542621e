"""Headless Chromium for the browser envs: where it is, how it starts, and what a page may reach.

Chromium comes from the system (Debian's ``chromium`` package; ``make setup`` installs it) or, where
Playwright has downloaded its own, from Playwright. ``MMGYM_CHROMIUM`` names another executable.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from mmgym.errors import UsageError, first_line

#: Flags for a quiet, deterministic headless browser: no sandbox (containers run as root), no GPU,
#: and the compositor in the browser process (a third less CPU a step than a GPU process of its own);
#: none of the background traffic (updates, sync, safe browsing) that would leave the machine; no
#: smooth scrolling, so a wheel scroll lands at once; and no partial raster, which repaints only the
#: changed part of a tile over what the tile held before, so that anti-aliased edges came out a pixel
#: different depending on the episodes before. The frame-rate limit stays: without it a screenshot
#: comes a frame sooner, but the compositor spins, and two browsers on two cores then run slower
#: together than one alone.
CHROMIUM_FLAGS = ("--no-sandbox", "--disable-gpu", "--in-process-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                  "--mute-audio", "--disable-smooth-scrolling", "--disable-partial-raster")  # fmt: skip

#: Hosts a page may reach: the machine itself.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class BrowserUnavailable(UsageError):
    """No Chromium to launch."""


def chromium_path() -> str | None:
    """The Chromium executable to launch: ``$MMGYM_CHROMIUM``, else the system's, else None
    (Playwright's own download, if there is one)."""
    if configured := os.environ.get("MMGYM_CHROMIUM"):
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def launch(playwright: Any, headless: bool = True) -> Any:
    """A Playwright ``Browser`` on Chromium, with :data:`CHROMIUM_FLAGS`."""
    path = chromium_path()
    try:
        return playwright.chromium.launch(executable_path=path, headless=headless, args=list(CHROMIUM_FLAGS))
    except Exception as error:  # Playwright raises its own Error type for a missing or broken binary
        where = path or "Playwright's own Chromium"
        raise BrowserUnavailable(f"cannot start Chromium ({where}): {first_line(error)}; install the "
                                 "'chromium' package, run 'playwright install chromium', or set "
                                 "MMGYM_CHROMIUM to a Chromium executable") from None  # fmt: skip


class Sandbox:
    """What a task page may load: its own files (under ``root``), the loopback interface, and inline
    ``data:`` / ``blob:`` / ``about:`` URLs. Everything else is aborted and recorded in ``blocked``.

    Attach it to a Playwright ``BrowserContext`` with :meth:`attach`; every page of the context,
    pop-ups included, goes through it. Requests that plainly pass (:meth:`suspects` does not match
    them) never leave the browser's driver; the rest come to :meth:`allows` to decide.
    """

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).resolve() if root is not None else None
        self.blocked: list[str] = []

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        if parts.scheme in ("http", "https", "ws", "wss"):
            return parts.hostname in LOOPBACK_HOSTS
        if parts.scheme == "file" and self.root is not None:
            path = Path(unquote(parts.path)).resolve()
            return path == self.root or self.root in path.parents
        return False

    def suspects(self) -> re.Pattern[str]:
        """A pattern matching every URL :meth:`allows` might refuse: all but those that start with
        an allowed prefix and hold no ``..`` (plain or escaped). JavaScript reads it too."""
        prefixes = ["data:", "blob:", "about:", r"(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:/|$)"]
        if self.root is not None:
            prefixes.append(re.sub(r"[\\^$.|?*+()\[\]{}]", r"\\\g<0>", self.root.as_uri().rstrip("/") + "/"))
        return re.compile(rf"^(?!(?:{'|'.join(prefixes)})(?!.*(?:\.\.|%2[eE])))")

    def attach(self, context: Any) -> None:
        context.route(self.suspects(), self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if self.allows(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")


def browser_pid(browser: Any) -> int | None:
    """The process id of a Playwright ``Browser``'s main Chromium process (None if it won't say)."""
    try:
        processes = browser.new_browser_cdp_session().send("SystemInfo.getProcessInfo")["processInfo"]
    except Exception:  # a browser without the SystemInfo domain
        return None
    return next((process["id"] for process in processes if process["type"] == "browser"), None)

