"""The benchmark script keeps running as the code under it changes (its numbers are not checked)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "env_throughput.py"


@pytest.mark.slow
def test_env_throughput_bench_runs_and_reports_each_part():
    result = subprocess.run([sys.executable, str(BENCH), "--steps", "40", "--tasks", "ReadPrice"],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    parts = ("mmgym/ReadPrice-v0", "1280x720", "tasks reach 2000", "make_vec async", "where the time goes")
    for part in parts:
        assert part in result.stdout


@pytest.mark.slow
def test_embodied_fps_bench_measures_mmgym_beside_gymnasium():
    bench = BENCH.parent / "embodied_fps.py"
    result = subprocess.run([sys.executable, str(bench), "--quick", "--runs", "1"],
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    for part in ("mmgym/BuildTowerContinuous-v0", "Reacher-v5", "Pusher-v5", "fast / default", "224x224: "):
        assert part in result.stdout
    assert "not measured" not in result.stdout


@pytest.mark.slow
@pytest.mark.xdist_group("vllm")
@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="no vLLM build installs here")
def test_rollout_bench_runs_every_side_on_the_same_episodes():
    bench = BENCH.parent / "rollout_throughput.py"
    command = [sys.executable, str(bench), "--repeats", "1", "--seeds", "1", "--group", "2", "--turns", "1",
               "--tokens", "4"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {" ".join(line.split()[:-4]): line.split()[-3] for line in result.stdout.splitlines()}
    for side in ("hf generate", "mmgym hf", "vllm"):
        assert rows[side] == "8"  # tokens: 2 episodes, 1 turn, 4 tokens each
    assert "vllm / hf generate: tokens/s" in result.stdout and "weight sync" in result.stdout
