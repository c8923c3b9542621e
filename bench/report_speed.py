"""Seconds to write the HTML report of a long training run, beside the floor of merely reading it.

The run is synthetic, in a temporary directory: ``--steps`` metrics lines of 20 metrics each, and two
3-turn episodes saved every 10 steps, each with real 112x112 ClickElement screenshots (a turn's
screen and the final one). ``write_report`` is timed as the best of three; so is the reading floor:
``json.loads`` of every metrics line and of every ``episode.json``, and ``PIL.Image.open`` (which
reads a PNG's header, not its pixels) of every screenshot once. The ratio is report / floor. The
report's size is printed too: screenshots are referenced, not embedded, so it stays small.

Usage: python bench/report_speed.py [--steps 1000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
from PIL import Image

import mmgym  # noqa: F401
from mmgym.report import write_report
from mmgym.rundir import RunDir

METRICS = ("reward", "success", "format", "loss", "kl", "entropy", "clip_fraction", "grad_norm",
           "rollout_tokens_per_second", "seconds", "reward/task", "reward/format", "reward/action_type",
           "reward/coordinate", "advantage_std", "reply_tokens", "learning_rate", "invalid_reply_rate",
           "ratio_mean", "episodes_per_second")  # fmt: skip


def write_run(path: Path, steps: int, every: int = 10) -> None:
    """The synthetic training run the module docstring describes."""
    env = gym.make("mmgym/ClickElement-v0", width=112, height=112)
    run = RunDir(path, "train", {"trainer": "grpo", "steps": steps})
    rng = np.random.default_rng(0)
    lines = [json.dumps({"step": step, **dict(zip(METRICS, rng.random(len(METRICS)).tolist(), strict=True))})
             for step in range(1, steps + 1)]  # fmt: skip
    (path / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    for step in range(every, steps + 1, every):
        for index in range(2):
            observation, info = env.reset(seed=step + index)
            expert = info["expert_action"].to_dict()
            reply = f'<think>the target</think><answer>{json.dumps(expert)}</answer>'
            turn = {"instruction": observation["instruction"], "reply": reply, "action": expert,
                    "parse_error": None, "expert_action": expert, "reward": 1.0,
                    "reward_components": {"task": 1.0, "format": 1.0}, "error": None}  # fmt: skip
            episode = {"env": "mmgym/ClickElement-v0", "agent": "policy", "seed": step + index, "step": step,
                       "success": True, "return": 3.0, "embodied": False, "turns": [turn] * 3}  # fmt: skip
            frame = observation["image"]
            run.save_episode(f"step_{step:06d}_{index}", episode, [frame] * 3, frame)
    env.close()


def read_floor(path: Path) -> None:
    """Reading the run and nothing more: every JSON line and file parsed, every PNG opened once."""
    for line in (path / "metrics.jsonl").read_text().splitlines():
        json.loads(line)
    for folder in sorted((path / "trajectories").iterdir()):
        json.loads((folder / "episode.json").read_text())
        for png in sorted(folder.glob("*.png")):
            with Image.open(png) as image:
                image.size  # noqa: B018  (the header is read by open; size is what the report needs)


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="metrics lines (default: %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder) / "run"
        write_run(run, args.steps)
        screenshots = len(list(run.glob("trajectories/*/*.png")))
        out = Path(folder) / "report.html"
        report = best_of(3, lambda: write_report([run], out))
        floor = best_of(3, lambda: read_floor(run))
        print(f"run: {args.steps} metrics lines x {len(METRICS)} metrics, "
              f"{len(list(run.glob('trajectories/*')))} episodes, {screenshots} screenshots")  # fmt: skip
        print(f"write_report: {report:.3f} s, report {out.stat().st_size / 2**20:.2f} MB")
        print(f"reading floor (json.loads + Image.open): {floor:.3f} s")
        print(f"report / floor: {report / floor:.1f}x")


if __name__ == "__main__":
    main()
