"""The README's set-up works from a fresh clone with nothing installed by hand."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_fresh_clone_sets_itself_up_and_runs(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to clone from")
    clone = tmp_path / "mmgym"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    setup = subprocess.run(["make", "setup"], cwd=clone, capture_output=True, text=True, timeout=900)
    assert setup.returncode == 0, setup.stderr[-2000:]
    demo = [clone / ".venv/bin/mmgym", "eval", "--all", "--agent", "oracle", "random", "--episodes", "2"]
    table = subprocess.run(demo, capture_output=True, text=True, check=True).stdout  # the demo, shortened
    assert "ClickElement-v0" in table and "ToggleSettings-v0" in table
    again = subprocess.run(["make", "setup"], cwd=clone, capture_output=True, text=True, check=True)
    assert "Nothing to be done" in again.stdout  # the second run installs nothing
