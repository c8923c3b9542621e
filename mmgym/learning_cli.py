"""The learning side of the command line: build the tiny model, train, and the end-to-end demo."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mmgym.episodes import evaluate, make_text_env
from mmgym.errors import UsageError

#: The demo's configs, in the repository's configs/ folder.
CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def cmd_model(args: argparse.Namespace) -> None:
    from mmgym.agents.tiny import build_tiny_model, cached_tiny_model

    path = build_tiny_model(args.out) if args.out else cached_tiny_model()
    print(path)


def cmd_train(args: argparse.Namespace, overrides: list[str]) -> None:
    config = _config(args.config, overrides)
    _train(config, args.resume)


def _config(path: str | None, overrides: list[str]):
    from mmgym.trainers.config import ConfigError, load_config

    try:
        return load_config(path, overrides)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def _train(config, resume: bool) -> None:
    from mmgym.agents.hf import ModelLoadError
    from mmgym.agents.vllm_engine import EngineError
    from mmgym.trainers.config import ConfigError
    from mmgym.trainers.grpo import train_grpo
    from mmgym.trainers.ppo import train_ppo
    from mmgym.trainers.sft import train_sft

    train = {"sft": train_sft, "grpo": train_grpo, "ppo": train_ppo}[config.trainer]
    if config.dataset:  # how many rows it skipped, even none
        _note_dataset(config)
    try:
        with _live_progress(config) as report:
            train(config, resume=resume, report=report)
    except (ConfigError, ModelLoadError, EngineError, FileExistsError) as error:
        raise UsageError(str(error)) from None
    print(f"run directory: {config.output_dir} (`mmgym report {config.output_dir}` draws it)", flush=True)


def _note_dataset(config) -> None:
    from mmgym.datasets_cli import note_skipped
    from mmgym.rundir import write_atomic
    from mmgym.trainers.run import make_env

    try:
        env = make_env(config)
    except ValueError as error:  # a layout that cannot be told
        raise UsageError(f"dataset {config.dataset}: {error}") from None
    note_skipped(config.dataset, env)
    skipped = env.unwrapped.skipped
    env.close()
    if skipped:
        listed = Path(config.output_dir) / "skipped_rows.txt"
        write_atomic(listed, "".join(line + "\n" for line in skipped))
        print(f"mmgym: every skipped row is listed in {listed}", file=sys.stderr)


@contextmanager
def _live_progress(config) -> Iterator[Callable[[dict[str, Any]], None]]:
    """A step's report: its metrics as one JSON line on stdout, and a live bar on the terminal with
    the step, reward, success and the time left."""
    from mmgym.cli import _progress

    with _progress() as progress:
        task = progress.add_task(f"{config.trainer} {config.env}", total=config.steps, status="")
        first = True

        def report(metrics: dict[str, Any]) -> None:
            nonlocal first
            shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}
            print(json.dumps(shown), flush=True)
            if "step" not in metrics:  # PPO's value pretraining, before the first step
                progress.update(task, status=f"value pretraining {metrics['value_pretrain_step']}")
                return
            if first:  # a resumed run starts where its checkpoint was; time from here
                progress.reset(task, completed=metrics["step"] - 1)
                first = False
            status = "skipped"
            if "reward" in metrics:
                status = f"reward {metrics['reward']:.2f} success {metrics['success']:.2f}"
            elif "loss" in metrics:  # SFT
                status = f"loss {metrics['loss']:.3f}"
            progress.update(task, completed=metrics["step"], status=status)

        yield report


def evaluate_model(model: str, env_id: str, episodes: int, size: tuple[int, int],
                   name: str) -> dict[str, Any]:  # fmt: skip
    """Greedy replies of ``model`` on seeds 0..episodes-1 (never used for training)."""
    from mmgym.agents.hf import HFAgent
    from mmgym.cli import _progress, _Tally

    env = make_text_env(env_id, width=size[0], height=size[1])
    agent = HFAgent(model, greedy=True, skills=env.skills)
    with _progress() as progress:
        task = progress.add_task(f"evaluating {name}", total=episodes, status="")
        result = evaluate(env, agent, env_id, name, range(episodes), on_episode=_Tally(progress, task))
    env.close()
    return result.summary()


def cmd_demo(args: argparse.Namespace, overrides: list[str]) -> None:
    """Tiny model -> SFT on oracle demos -> GRPO (or PPO), with a held-out eval table at each stage."""
    from mmgym.cli import _results_table, _stdout

    out = Path(args.out)
    sft = _config(str(CONFIGS / "demo-sft.yaml"), [f"--output_dir={out / 'sft'}", *overrides])
    sft_model = out / "sft" / "checkpoint"
    rl = args.trainer
    rl_config = _config(str(CONFIGS / f"demo-{rl}.yaml"),
                        [f"--output_dir={out / rl}", f"--model={sft_model}", *overrides])  # fmt: skip
    size = (sft.width, sft.height)
    rows = [evaluate_model(sft.model, sft.env, args.episodes, size, "before SFT")]
    _train(sft, resume=args.resume)
    rows.append(evaluate_model(str(sft_model), sft.env, args.episodes, size, "after SFT"))
    _train(rl_config, resume=args.resume)
    rl_model = str(out / rl / "checkpoint")
    rows.append(evaluate_model(rl_model, sft.env, args.episodes, size, f"after {rl.upper()}"))
    (out / "eval.json").write_text(json.dumps(rows, indent=2) + "\n")
    _stdout().print(_results_table(rows))


def add_commands(commands: Any) -> None:
    model = commands.add_parser("model", help="build the offline tiny Qwen2.5-VL")
    model.add_argument("kind", choices=["tiny"])
    model.add_argument("--out", help="directory to write (default: the cache, built once)")
    model.set_defaults(run=cmd_model)

    train = commands.add_parser("train", help="train with a YAML config; override keys with --key=value")
    train.add_argument("config", help="a YAML file, e.g. configs/demo-grpo.yaml")
    train.add_argument("--resume", action="store_true", help="continue from the run's last checkpoint")
    train.set_defaults(run=cmd_train, overrides=True)

    demo = commands.add_parser("demo", help="tiny model -> SFT -> GRPO or PPO, with an eval table after each")
    demo.add_argument("--trainer", choices=["grpo", "ppo"], default="grpo", help="the RL stage after SFT")
    demo.add_argument("--out", default="runs/demo", help="run directory")
    demo.add_argument("--episodes", type=int, default=100, help="held-out episodes per evaluation")
    demo.add_argument("--resume", action="store_true", help="continue a killed demo")
    demo.set_defaults(run=cmd_demo, overrides=True)
