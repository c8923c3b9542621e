"""Browser-test helpers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest


def _chromium_pids() -> set[int]:
    """Chromium processes this test process started (its descendants) or left orphaned (adopted by
    init), but not those of a parallel test worker."""
    parents, chromium = {}, set()
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit():
                continue
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if b"chrom" in (entry / "cmdline").read_bytes():
                chromium.add(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue

    def ours(pid: int) -> bool:
        for _ in range(64):
            parent = parents.get(pid, 0)
            if parent == os.getpid():
                return True
            if parent in (0, 1):
                return parent == 1 and pid in chromium
            pid = parent
        return False

    return {pid for pid in chromium if ours(pid)}


@pytest.fixture
def chromium_pids() -> Callable[[], set[int]]:
    """The ids of the Chromium processes running now (to check none is left behind)."""
    return _chromium_pids
