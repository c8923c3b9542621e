"""Loading and preprocessing a 10,000-sample GUI dataset, beside one GRPO step on it.

The dataset is exported from ClickElement's oracle (``--samples`` one-step samples at 320 x 240, in
the ``--format`` layout) into a temporary folder. Three timings:

- loading: ``read_dataset`` parses every row and checks every image's size and box (best of 3);
- preprocessing: a dataset env's ``reset`` over every sample: open, decode and resize the
  screenshot to the model's 112 x 112 (one pass);
- one GRPO step of the offline tiny model on the dataset (16 episodes in groups of 4, 16 tokens;
  the median over the steps after the first).

It prints samples per second of each, and how long loading and preprocessing one step's 16 samples
take against the step itself, so it is plain whether loading could ever bound training.

Usage: python bench/dataset_loading.py [--samples 10000] [--format gui-r1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import mmgym  # noqa: F401
from mmgym.envs.datasets.env import DatasetGuiEnv
from mmgym.envs.datasets.export import oracle_samples
from mmgym.envs.datasets.formats import read_dataset, write_dataset
from mmgym.envs.registration import DATASET_ENV_ID


def grpo_step_seconds(dataset: Path, out: Path, steps: int = 4) -> float:
    from mmgym.trainers.config import load_config
    from mmgym.trainers.grpo import train_grpo

    config = load_config(None, [
        "--model=tiny", f"--output_dir={out}", f"--env={DATASET_ENV_ID}", f"--dataset={dataset}",
        "--width=112", "--height=112", f"--steps={steps}", "--episodes_per_step=16", "--group_size=4",
        "--max_new_tokens=16", "--save_every=0", "--trajectories_every=0",
    ])  # fmt: skip
    rows = []
    train_grpo(config, report=rows.append)
    return statistics.median(row["seconds"] for row in rows[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--format", default="gui-r1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        started = time.perf_counter()
        samples, _ = oracle_samples("mmgym/ClickElement-v0", args.samples, root / "images", width=320,
                                    height=240, format=args.format)  # fmt: skip
        dataset = write_dataset(samples[: args.samples], root / "data", args.format)
        print(f"exported {len(samples)} samples ({args.format}) in {time.perf_counter() - started:.0f} s")
        load = min(_timed(lambda: read_dataset(dataset)) for _ in range(3))
        env = DatasetGuiEnv(dataset, width=112, height=112)
        preprocess = _timed(lambda: [env.reset(seed=index) for index in range(len(env.samples))])
        step = grpo_step_seconds(dataset, root / "run")
    count = len(samples)
    per_step = 16 * (load / count + preprocess / count)
    print(f"loading:       {count / load:9.0f} samples/s ({load:.2f} s for {count})")
    print(f"preprocessing: {count / preprocess:9.0f} samples/s ({preprocess:.2f} s)")
    print(f"GRPO step:     {step:.2f} s for 16 episodes")
    print(f"loading + preprocessing one step's 16 samples: {per_step * 1000:.1f} ms = "
          f"{per_step / step:.2%} of the step")  # fmt: skip


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
