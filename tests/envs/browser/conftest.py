"""Browser-test helpers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

#: Every process this test process starts (Playwright's driver, Chromium) inherits this mark, so a
#: Chromium left orphaned is still known as ours and not taken for a parallel worker's.
_MARK = f"MMGYM_TEST_OWNER={os.getpid()}"
os.environ["MMGYM_TEST_OWNER"] = str(os.getpid())


def _chromium_pids() -> set[int]:
    """Live Chromium processes started by this test process, whoever their parent is now."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or b"chrom" not in (entry / "cmdline").read_bytes():
                continue
            zombie = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
            if not zombie and _MARK.encode() + b"\0" in (entry / "environ").read_bytes():
                found.add(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


@pytest.fixture
def chromium_pids() -> Callable[[], set[int]]:
    """The ids of the Chromium processes running now (to check none is left behind)."""
    return _chromium_pids
