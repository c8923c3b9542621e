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
    demo = [clone / ".venv/bin/mmgym", "demo", "--out", tmp_path / "run", "--episodes", "2", "--steps=2",
            "--max_new_tokens=8"]  # the demo, shortened
    table = subprocess.run(demo, capture_output=True, text=True, timeout=900).stdout
    assert "before SFT" in table and "after GRPO" in table, table[-2000:]
    evaluated = subprocess.run([clone / ".venv/bin/mmgym", "eval", "--all", "--agent", "oracle", "random",
                                "--episodes", "2"], capture_output=True, text=True, check=True).stdout
    assert "ClickElement-v0" in evaluated and "ToggleSettings-v0" in evaluated
    again = subprocess.run(["make", "setup"], cwd=clone, capture_output=True, text=True, check=True)
    assert "Nothing to be done" in again.stdout  # the second run installs nothing
