"""Browser-test helpers."""

from __future__ import annotations

import http.server
import os
import threading
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


@pytest.fixture
def loopback_server(tmp_path):
    """An HTTP server on 127.0.0.1 for the files in ``tmp_path`` (a ``data.txt`` among them); its origin."""
    (tmp_path / "data.txt").write_text("local")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args):
            super().__init__(*args, directory=str(tmp_path))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
