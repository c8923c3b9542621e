"""The dataset side of the command line: export oracle data in published layouts, select samples."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mmgym.errors import UsageError


def cmd_export(args: argparse.Namespace) -> None:
    from mmgym.cli import _env_id, _say
    from mmgym.envs.datasets.export import oracle_samples
    from mmgym.envs.datasets.formats import write_dataset
    from mmgym.envs.embodied.tasks import embodied_env_ids

    env_id = _env_id(args.env)
    if env_id in embodied_env_ids() or env_id.startswith("dataset:"):
        raise UsageError(f"{env_id} is not a GUI env; export a GUI or web task, e.g. mmgym/ClickElement-v0")
    out = _empty_folder(args.out)
    width, height = args.size or (448, 448)
    try:
        samples, left_out = oracle_samples(env_id, args.episodes, out / "images", width=width,
                                           height=height, seed=args.seed, format=args.format)  # fmt: skip
    except ValueError as error:
        raise UsageError(str(error)) from None
    if not samples:
        raise UsageError(f"{env_id}'s oracle took no step that {args.format} can hold; pick another env")
    path = write_dataset(samples, out, args.format)
    _say(f"wrote {len(samples)} samples of {args.episodes} {env_id} oracle episodes to {path}")
    for reason, count in left_out.items():
        _say(f"mmgym: note: left out {count} steps: {reason}")


def _empty_folder(path: str) -> Path:
    """``--out``: a new or empty folder (never a dataset's own)."""
    out = Path(path)
    if out.is_file() or (out.is_dir() and any(out.iterdir())):
        raise UsageError(f"{out} is not an empty folder; pass a new --out")
    return out


def cmd_select(args: argparse.Namespace) -> None:
    """UI-R1's data selection: the samples the model gets wrong, balanced over action types."""
    from mmgym.agents.hf import HFAgent
    from mmgym.cli import _say
    from mmgym.envs.datasets.export import select_samples
    from mmgym.envs.datasets.formats import write_dataset
    from mmgym.episodes import evaluate

    out = _empty_folder(args.out)
    env = dataset_env(args.dataset, args)
    dataset = env.unwrapped
    try:
        agent = HFAgent(args.model, greedy=True)
    except ValueError as error:  # a checkpoint that does not load
        raise UsageError(str(error)) from None
    count = len(dataset.samples)
    correct: dict[int, bool] = {}

    def judge(step: Any) -> None:
        correct[step.seed] = bool(step.info.get("success")) and step.info.get("action") is not None

    evaluate(env, agent, "dataset", args.model, range(count), on_step=judge)
    env.close()
    selection = select_samples(dataset.samples, correct.__getitem__, args.per_type)
    try:
        path = write_dataset(selection.kept, out, args.format or dataset.format)
    except ValueError as error:  # a layout that cannot hold a kept sample
        raise UsageError(f"--format {args.format}: {error}") from None
    for kind in sorted(selection.seen):
        _say(f"{kind:>12}: {selection.seen[kind]} samples, {selection.wrong[kind]} wrong, "
             f"kept {selection.kept_by_type[kind]}")  # fmt: skip
    _say(f"kept {len(selection.kept)} of {count} samples (those {args.model} got wrong under "
         f"{dataset.protocol}, at most {selection.cap} per action type) in {path}")


def dataset_env(path: str, args: argparse.Namespace):
    """The dataset at ``path`` as a text env; says how many rows it skipped (always, even none)."""
    from mmgym.cli import _make_env

    env = _make_env(f"dataset:{path}", args)
    note_skipped(path, env)
    return env


def note_skipped(path: str, env: Any) -> None:
    """One line: the samples loaded and the rows skipped, with the first few rows' reasons."""
    from mmgym.cli import _say

    dataset = env.unwrapped
    skipped = dataset.skipped
    more = f"\n  ... and {len(skipped) - 5} more" if len(skipped) > 5 else ""
    shown = "".join(f"\n  {line}" for line in skipped[:5]) + more
    loaded = f"{len(dataset.samples)} samples ({dataset.format})"
    _say(f"mmgym: {path}: {loaded}, {len(skipped)} rows skipped{shown}")


def add_dataset_commands(commands: Any, common: Any) -> None:
    from mmgym.envs.datasets.formats import FORMATS

    export = commands.add_parser("export", help="write a GUI env's oracle steps as a dataset in a published "
                                               "layout")  # fmt: skip
    export.add_argument("env", help="a GUI env id, e.g. mmgym/ClickElement-v0")
    export.add_argument("--format", choices=FORMATS, required=True, help="the layout to write")
    export.add_argument("--out", required=True, help="an empty or new folder")
    common(export)
    export.set_defaults(run=cmd_export)

    select = commands.add_parser("select", help="UI-R1's data selection: keep what the model gets wrong, "
                                               "balanced over action types")  # fmt: skip
    select.add_argument("dataset", help="a dataset file or folder")
    select.add_argument("--model", default="tiny",
                        help="the checkpoint that judges difficulty (greedy replies)")  # fmt: skip
    select.add_argument("--out", required=True, help="folder for the kept samples")
    select.add_argument("--format", choices=FORMATS, help="the layout to write (default: the dataset's)")
    select.add_argument("--per-type", type=int, help="samples kept per action type (default: the rarest's)")
    dataset_options(select)
    common(select)
    select.set_defaults(run=cmd_select)


def dataset_options(parser: argparse.ArgumentParser) -> None:
    from mmgym.envs.datasets.formats import FORMATS
    from mmgym.envs.protocols import PROTOCOLS

    group = parser.add_argument_group("datasets (env dataset:PATH)")
    group.add_argument("--dataset-format", choices=FORMATS,
                       help="the dataset's layout (default: detected)")  # fmt: skip
    group.add_argument("--on-bad", choices=["skip", "reject"], default="skip",
                       help="skip bad rows (each is listed) or stop at the first")  # fmt: skip
    group.add_argument("--protocol", choices=list(PROTOCOLS),
                       help="judge steps by it: step success, type and grounding accuracy")  # fmt: skip
