"""The `mmgym` command line: list environments, play episodes to disk, evaluate agents, train."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import gymnasium as gym
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from mmgym.agents import AGENTS
from mmgym.agents.openai import OpenAIAgent, check_base_url
from mmgym.agents.policies import OraclePolicy, RandomPolicy
from mmgym.agents.sb3 import SB3Policy, read_baseline, train, training_env
from mmgym.datasets_cli import add_dataset_commands, dataset_options, note_skipped
from mmgym.envs.browser.tasks import browser_tasks
from mmgym.envs.coordinates import Coordinates
from mmgym.envs.embodied.tasks import embodied_env_ids, embodied_tasks
from mmgym.envs.registration import DATASET_ENV_ID, TASKS, gui_env_ids
from mmgym.episodes import (
    EpisodeResult,
    EvalResult,
    evaluate,
    evaluate_policy,
    make_text_env,
    play_episodes,
)
from mmgym.errors import UsageError
from mmgym.learning_cli import add_commands
from mmgym.recorder import EpisodeRecorder
from mmgym.report import add_report_command
from mmgym.rundir import RunDir, write_atomic
from mmgym.serve import add_serve_command

console = Console(stderr=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _env_id(name: str) -> str:
    if name.startswith("dataset:"):
        if not name.removeprefix("dataset:") or not Path(name.removeprefix("dataset:")).exists():
            raise UsageError(f"{name}: no such file or folder; pass dataset:PATH of a dataset file or folder")
        return name
    ids = [spec.env_id for spec in TASKS] + [env_id for env_id, _, _ in browser_tasks() + embodied_tasks()]
    if name in ids:
        return name
    if f"mmgym/{name}" in ids:  # allow the short form "ClickElement-v0"
        return f"mmgym/{name}"
    close = difflib.get_close_matches(name, ids, n=1, cutoff=0.8)
    close = close or difflib.get_close_matches(f"mmgym/{name}", ids, n=1, cutoff=0.8)
    hint = f"did you mean {close[0]}? " if close else ""
    raise UsageError(f"unknown environment {name!r}; {hint}run `mmgym envs` to list them")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 224x224, got {text!r}") from None
    return width, height


def _coordinates(text: str) -> str:
    try:
        Coordinates.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _make_env(env_id: str, args: argparse.Namespace) -> gym.Env:
    kwargs: dict[str, Any] = {"coordinates": args.coordinates}
    if args.size is not None:
        kwargs["width"], kwargs["height"] = args.size
    if env_id.startswith("dataset:"):
        kwargs.update(path=env_id.removeprefix("dataset:"), format=args.dataset_format,
                      protocol=args.protocol, on_bad=args.on_bad)  # fmt: skip
        env_id = DATASET_ENV_ID
    try:
        return make_text_env(env_id, **kwargs)
    except (ValueError, TypeError) as error:  # a RowError (a bad row, with --on-bad reject) too
        raise UsageError(f"cannot make {env_id}: {error}") from None


def _make_agent(name: str, args: argparse.Namespace, env: gym.Env):
    if not name.startswith("openai:"):
        return AGENTS[name](coordinates=args.coordinates)  # episodes are seeded: so are random agents
    try:
        return OpenAIAgent(name.removeprefix("openai:"), base_url=args.base_url, api_key=args.api_key,
                           history=args.history, skills=env.skills, max_tokens=args.max_tokens,
                           timeout=args.timeout, retries=args.retries,
                           concurrency=args.concurrency)  # fmt: skip
    except ValueError as error:
        raise UsageError(f"--agent {name}: {error}") from None


def _concurrency(name: str, args: argparse.Namespace) -> int:
    """Episodes played at once: ``--concurrency`` for served models; scripted agents are instant."""
    return args.concurrency if name.startswith("openai:") else 1


def _reply_agent_name(name: str) -> str:
    if name in AGENTS or (name.startswith("openai:") and not name.endswith(":")):
        return name
    raise argparse.ArgumentTypeError(f"unknown agent {name!r}: choose from {', '.join(sorted(AGENTS))} "
                                     "or openai:MODEL (a served model)")  # fmt: skip


def _agent_name(name: str) -> str:
    if name in AGENTS or (name.startswith(("sb3:", "openai:")) and not name.endswith(":")):
        return name
    raise argparse.ArgumentTypeError(f"unknown agent {name!r}: choose from {', '.join(sorted(AGENTS))} "
                                     "or sb3:PATH (a saved baseline), "
                                     "or openai:MODEL (a served model)")  # fmt: skip


def _base_url(text: str) -> str:
    try:
        return check_base_url(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _stdout() -> Console:
    """A console for tables; when piped, wide enough that no column is cut."""
    return Console() if sys.stdout.isatty() else Console(width=120)


def _progress() -> Progress:
    """A progress bar; each task carries a ``status`` field (running success rate and return)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[status]}"), TimeRemainingColumn(), console=console,
                    transient=True)  # fmt: skip


def cmd_envs(args: argparse.Namespace) -> None:
    table = Table(title="mmgym environments")
    for column in ("id", "max steps", "description"):
        table.add_column(column)
    for spec in TASKS:
        table.add_row(spec.env_id, str(spec.max_episode_steps), spec.description)
    for env_id, steps, description in browser_tasks() + embodied_tasks():
        table.add_row(env_id, str(steps), description)
    table.add_row(DATASET_ENV_ID, "1", "a GUI dataset's samples (UI-R1, GUI-R1, ScreenSpot, AndroidControl "
                  "layouts); name it dataset:PATH")  # fmt: skip
    _stdout().print(table)


def cmd_play(args: argparse.Namespace) -> int:
    env_id = _env_id(args.env)
    envs = [_make_env(env_id, args)]
    try:  # a browser env left open would keep its Playwright running in this thread
        run, results = _play(env_id, envs, args)
    finally:
        for each in envs:
            each.close()
    _say(f"saved {run.path}: screens and replies in trajectories/, trajectory.jsonl, results.json")
    if run.trajectories_full:
        _say(f"mmgym: note: the trajectories reached --trajectory-mb {args.trajectory_mb:g}; later episodes "
             "were not saved")  # fmt: skip
    if args.report:
        _open_report(run.path)
    return _error_summary(args.agent, len(results), sum(result.error is not None for result in results))


def _play(env_id: str, envs: list[gym.Env], args: argparse.Namespace) -> tuple[RunDir, list[EpisodeResult]]:
    """Play ``--episodes`` into a new run directory, in ``envs`` and the copies it adds to them."""
    protocol = _dataset_protocol(env_id, envs[0], args) or args.protocol
    agent = _make_agent(args.agent, args, envs[0])
    run = _new_run_dir(args, "play")
    _save_skipped(envs[0], run)
    seeds = range(args.seed, args.seed + args.episodes)
    envs += [_make_env(env_id, args) for _ in range(min(_concurrency(args.agent, args), len(seeds)) - 1)]
    record = EpisodeRecorder(run, env_id, args.agent, lambda seed: f"episode_{seed - args.seed:03d}",
                             embodied=env_id in embodied_env_ids(), log=True)  # fmt: skip
    with _progress() as progress:
        tally = _Tally(progress, progress.add_task(f"{env_id} {args.agent}", total=args.episodes, status=""))

        def report(result: EpisodeResult) -> None:
            tally(result)
            if result.error is not None:
                _say(f"episode {result.seed - args.seed} seed {result.seed}: {_error_line(result)}")
                return
            outcome = "success" if result.success else "failure"
            _say(f"episode {result.seed - args.seed} seed {result.seed}: {outcome} in {result.steps} steps")

        started = time.perf_counter()
        try:
            results = play_episodes(envs, agent, seeds, on_step=record, on_episode=report, protocol=protocol)
            seconds = time.perf_counter() - started
            run.save_results([EvalResult(env_id, args.agent, results, seconds, protocol=protocol).summary()])
        finally:
            run.close()
    return run, results


def _new_run_dir(args: argparse.Namespace, kind: str) -> RunDir:
    """The run directory of a `play` or `eval`: ``--out``, else a new one under ``$MMGYM_RUNS``
    (default ``runs/``)."""
    out = Path(args.out) if args.out else _new_name(Path(os.environ.get("MMGYM_RUNS", "runs")), kind)
    if any((out / name).exists() for name in ("run.json", "trajectory.jsonl", "metrics.jsonl")):
        raise UsageError(f"{out} already holds a run; pass a new --out or delete it")
    options = {key: value for key, value in vars(args).items() if key not in ("run", "api_key")}
    try:
        return RunDir(out, kind, options, trajectory_mb=args.trajectory_mb)
    except OSError as error:
        raise UsageError(f"cannot write to {out}: {error.strerror}; pick another --out") from None


def _new_name(runs: Path, kind: str) -> Path:
    """``runs/KIND-DATE-TIME``, with a number after it if a run started in the same second."""
    stem = f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, number = runs / stem, 1
    while path.exists():
        number += 1
        path = runs / f"{stem}-{number}"
    return path


def _open_report(run_dir: Path) -> None:
    """`play --report`: the run's page, opened at its episode viewer where a display is."""
    from mmgym.report import show_report, write_report

    path, problems = write_report([run_dir], view="viewer")
    for problem in problems:
        _say(f"mmgym: note: {problem}")
    _say(f"report: {path}")
    show_report(path)


class _Tally:
    """Advances a progress bar per finished episode and shows the running success rate and return."""

    def __init__(self, progress: Progress, task: Any):
        self.progress, self.task, self.results = progress, task, []

    def __call__(self, result: EpisodeResult) -> None:
        self.results.append(result)
        rate = sum(r.success for r in self.results) / len(self.results)
        mean = sum(r.total_reward for r in self.results) / len(self.results)
        self.progress.update(self.task, advance=1, status=f"success {rate:.2f} return {mean:.2f}")


def _say(line: str) -> None:
    """``line`` on the console as it is: no markup, no wrapping (it may quote a server)."""
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def _error_line(result: EpisodeResult) -> str:
    return f"error after {result.steps} steps: {result.error}"


def _error_summary(label: str, episodes: int, errors: int) -> int:
    """One line about episodes that errored (got no reply); the exit status: 1 when every episode
    errored (the agent was not evaluated at all), else 0 (errored episodes count as failures)."""
    if errors and errors == episodes:
        print(f"mmgym: error: every episode of {label} errored (see the lines above)", file=sys.stderr)
        return 1
    if errors:
        print(f"mmgym: {errors} of {episodes} episodes of {label} errored (see the lines above); they count "
              "as failures", file=sys.stderr)  # fmt: skip
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.all == bool(args.envs):
        raise UsageError("name the environments to evaluate, or pass --all (not both)")
    env_ids = gui_env_ids() if args.all else [_env_id(name) for name in args.envs]
    seeds = range(args.seed, args.seed + args.episodes)
    baselines = [name.removeprefix("sb3:") for name in args.agent if name.startswith("sb3:")]
    for env_id in env_ids:
        if env_id not in embodied_env_ids() and (args.videos or baselines):
            raise UsageError(f"sb3 agents and --videos are for the embodied envs; {env_id} is not one")
    for path in baselines:  # a wrong path or env fails here, in one line
        trained_on = read_baseline(path)[1]["env"]
        if any(env_id != trained_on for env_id in env_ids):
            raise UsageError(f"sb3:{path} was trained on {trained_on}; evaluate it there, not elsewhere")
    run, rows = _new_run_dir(args, "eval"), []
    try:
        with _progress() as progress:
            for env_id in env_ids:
                rows += _eval_env(env_id, args, seeds, run, progress)
        run.save_results(rows)
    finally:
        run.close()
    _print_rows(rows, args.json)
    _say(f"saved {run.path}")
    return max([_error_summary(f"{row['agent']} on {row['env']}", row["episodes"], row["errors"])
                for row in rows])  # fmt: skip


def _eval_env(env_id: str, args: argparse.Namespace, seeds: range, run: RunDir,
              progress: Progress) -> list[dict]:  # fmt: skip
    """Every ``--agent`` on one env: its rows of the results table."""
    rows, env = [], None
    try:
        for name in args.agent:
            label = f"{env_id.removeprefix('mmgym/')} {name}"
            advance = _advance(progress, progress.add_task(label, total=args.episodes, status=""), label)
            if env_id in embodied_env_ids() and not name.startswith("openai:"):
                rows.append(_eval_policy(env_id, name, args, seeds, advance, run).summary())
                continue
            if env is None:
                env = _make_env(env_id, args)
                protocol = _dataset_protocol(env_id, env, args) or args.protocol
                _save_skipped(env, run)
            record = EpisodeRecorder(run, env_id, name, partial(_eval_folder, env_id, name, args),
                                     embodied=env_id in embodied_env_ids())  # fmt: skip
            result = evaluate(env, _make_agent(name, args, env), env_id, name, seeds, advance,
                              concurrency=_concurrency(name, args), on_step=record, protocol=protocol,
                              make_env=partial(_make_env, env_id, args))  # fmt: skip
            rows.append(result.summary())
    finally:  # a browser env that stays open would keep its Playwright running in this thread
        if env is not None:
            env.close()
    return rows


def _advance(progress: Progress, task: Any, label: str):
    """What each finished episode does: advance the progress bar, and say why one errored."""

    tally = _Tally(progress, task)

    def advance(result: EpisodeResult) -> None:
        tally(result)
        if result.error is not None:
            _say(f"{label} seed {result.seed}: {_error_line(result)}")

    return advance


def _dataset_protocol(env_id: str, env: gym.Env, args: argparse.Namespace) -> str | None:
    """For a dataset: say how many rows it skipped (always), check that the seeds stay within its
    samples (seed s plays sample s, so more would play some twice), and return the protocol it
    judges by. None for any other env."""
    if not env_id.startswith("dataset:"):
        return None
    dataset = env.unwrapped
    note_skipped(env_id.removeprefix("dataset:"), env)
    if args.seed + args.episodes > len(dataset.samples):
        raise UsageError(f"{env_id} has {len(dataset.samples)} samples; --seed {args.seed} --episodes "
                         f"{args.episodes} would play some twice: pass --episodes "
                         f"{max(1, len(dataset.samples) - args.seed)} or fewer")  # fmt: skip
    return dataset.protocol


def _save_skipped(env: gym.Env, run: RunDir) -> None:
    """Every row a dataset skipped, in the run's ``skipped_rows.txt`` (the console shows the first)."""
    skipped = getattr(env.unwrapped, "skipped", ())
    if skipped:
        write_atomic(run.path / "skipped_rows.txt", "".join(line + "\n" for line in skipped))
        _say(f"mmgym: every skipped row is listed in {run.path / 'skipped_rows.txt'}")


def _eval_folder(env_id: str, agent: str, args: argparse.Namespace, seed: int) -> str | None:
    """Where eval saves an episode's trajectory: the first ``--trajectories`` of each env and agent."""
    index = seed - args.seed
    if index >= args.trajectories:
        return None
    return f"{_file_name(env_id)}/{_file_name(agent)}/episode_{index:03d}"


def _file_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text.removeprefix("mmgym/"))


def _eval_policy(env_id: str, name: str, args: argparse.Namespace, seeds: range, advance: Any,
                 run: RunDir | None = None) -> EvalResult:  # fmt: skip
    """One agent on an embodied env: oracle, random or ``sb3:PATH`` (made at the model's image size)."""
    size, policy = args.size, None
    if name.startswith("sb3:"):
        policy = SB3Policy(name.removeprefix("sb3:"))
        if size is not None and tuple(size) != policy.size:
            raise UsageError(f"{name} was trained on {policy.size[0]}x{policy.size[1]} images; drop --size")
        size = policy.size
    try:
        env = gym.make(env_id, **({} if size is None else {"width": size[0], "height": size[1]}))
    except (ValueError, TypeError) as error:
        raise UsageError(f"cannot make {env_id}: {error}") from None
    policy = policy or (OraclePolicy() if name == "oracle" else RandomPolicy(env.action_space))
    video = None
    if args.videos:
        video = Path(args.videos) / f"{_file_name(env_id)}_{_file_name(name)}.gif"
    folder = partial(_eval_folder, env_id, name, args)
    record = EpisodeRecorder(run, env_id, name, folder, embodied=True) if run is not None else None
    try:
        return evaluate_policy(env, policy, env_id, name, seeds, advance, video, on_step=record)
    finally:
        env.close()


def _print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        _stdout().print(_results_table(rows))


def cmd_baseline_sb3(args: argparse.Namespace) -> None:
    env_id = _env_id(args.env)
    if args.steps < 1:
        raise UsageError("--steps must be at least 1")
    if (Path(args.out) / "model.zip").exists():
        raise UsageError(f"{args.out} already holds a baseline; pass a new --out or delete it")
    width, height = args.size or (64, 64)
    training_env(env_id, width, height).close()  # a wrong kind of env fails here, before any output
    console.print(f"training {args.algo} on {env_id} for {args.steps} steps ({width}x{height} images)")
    out = train(env_id, args.algo, args.steps, Path(args.out), width, height, args.seed)
    console.print(f"saved {out / 'model.zip'}; evaluate it with `mmgym eval {env_id} --agent sb3:{out}`")
    args.size, args.agent = None, [f"sb3:{out}", "random"]
    seeds = range(args.seed + 10**6, args.seed + 10**6 + args.episodes)  # not the training episodes' seeds
    rows = [_eval_policy(env_id, name, args, seeds, lambda _: None).summary() for name in args.agent]
    _print_rows(rows, args.json)


_COLUMNS = {  # summary key -> short header
    "env": "env", "agent": "agent", "episodes": "episodes", "errors": "errors", "success_rate": "success",
    "mean_return": "return", "mean_steps": "steps", "action_type_accuracy": "type acc",
    "invalid_reply_rate": "invalid", "steps_per_second": "steps/s",
}  # fmt: skip


_PROTOCOL_COLUMNS = {"step_success_rate": "step success", "grounding_accuracy": "grounding"}


def _results_table(rows: list[dict[str, Any]]) -> Table:
    protocols = sorted({row["protocol"] for row in rows if row.get("protocol")})
    columns = {**_COLUMNS, **(_PROTOCOL_COLUMNS if protocols else {})}
    title = f"mmgym eval (protocol: {', '.join(protocols)})" if protocols else "mmgym eval"
    table = Table(title=title)
    for key, header in columns.items():
        table.add_column(header, justify="left" if key in ("env", "agent") else "right")
    for row in rows:
        table.add_row(row["env"].removeprefix("mmgym/"), *(_cell(row.get(key)) for key in list(columns)[1:]))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 100 else f"{value:.2f}"
    return str(value)


def _served_options(parser: argparse.ArgumentParser) -> None:
    about = ("An episode errors when the server gives no reply; it counts as a failure, and the exit "
             "status is 1 when every episode of an agent errored.")
    group = parser.add_argument_group("served models (--agent openai:MODEL)", about)
    group.add_argument("--base-url", type=_base_url, default=None,
                       help="the API root (default: $OPENAI_BASE_URL, else http://127.0.0.1:8000/v1)")
    group.add_argument("--api-key", default=None, help="sent as a Bearer token (default: $OPENAI_API_KEY)")
    group.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer")
    group.add_argument("--retries", type=int, default=3,
                       help="tries again after a refused or dropped connection, a timeout, HTTP 429 or 5xx")
    group.add_argument("--concurrency", type=int, default=4, help="episodes played (requests sent) at once")
    group.add_argument("--history", choices=["steps", "chat"], default="steps",
                       help="prompt with the screen and earlier actions, or with the whole episode")
    group.add_argument("--max-tokens", type=int, default=256, help="reply length cap")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mmgym", description=__doc__, allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("envs", help="list the registered environments").set_defaults(run=cmd_envs)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--episodes", type=int, default=10, help="episodes per env and agent")
        p.add_argument("--seed", type=int, default=0, help="seed of the first episode")
        p.add_argument("--size", type=_size, default=None, help="screen size WIDTHxHEIGHT")
        p.add_argument("--coordinates", type=_coordinates, default="pixel",
                       help="how agents write points: pixel, norm1000, norm1 or pixel@WxH")  # fmt: skip

    play = commands.add_parser(
        "play", help="play episodes, saving each screen seen (the last one too) and a JSONL trajectory"
    )
    play.add_argument("env", help="environment id, e.g. mmgym/ClickElement-v0")
    play.add_argument("--agent", type=_reply_agent_name, default="oracle",
                      help=f"{', '.join(sorted(AGENTS))}, or openai:MODEL for a served model")  # fmt: skip
    play.add_argument("--out", help="run directory for screenshots, trajectory.jsonl and results.json "
                                    "(default: a new runs/play-DATE-TIME)")  # fmt: skip
    play.add_argument("--report", action="store_true", help="write the HTML report and open its viewer")
    play.add_argument("--trajectory-mb", type=float, default=500.0, help="cap on the saved episodes' size")
    common(play)
    dataset_options(play)
    _served_options(play)
    play.set_defaults(run=cmd_play)

    evaluate_ = commands.add_parser("eval", help="evaluate agents and print a results table")
    evaluate_.add_argument("envs", nargs="*", help="environment ids")
    evaluate_.add_argument("--all", action="store_true", help="every GUI environment")
    evaluate_.add_argument("--agent", nargs="+", type=_agent_name, default=["oracle"],
                           help=f"{', '.join(sorted(AGENTS))}, openai:MODEL for a served model, or sb3:PATH "
                                "for a saved baseline")  # fmt: skip
    evaluate_.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evaluate_.add_argument("--videos", help="directory for a GIF of each agent's first episode (embodied)")
    evaluate_.add_argument("--out", help="run directory for results.json and sampled trajectories "
                                         "(default: a new runs/eval-DATE-TIME)")  # fmt: skip
    evaluate_.add_argument("--trajectories", type=int, default=2,
                           help="episodes of each env and agent saved with their screens and replies")
    evaluate_.add_argument("--trajectory-mb", type=float, default=100.0,
                           help="cap on the saved episodes' size")  # fmt: skip
    common(evaluate_)
    dataset_options(evaluate_)
    _served_options(evaluate_)
    evaluate_.set_defaults(run=cmd_eval)

    baseline = commands.add_parser("baseline", help="train a classical RL baseline and evaluate it")
    kinds = baseline.add_subparsers(dest="kind", required=True, parser_class=_Parser)
    sb3 = kinds.add_parser("sb3", help="stable-baselines3 PPO or SAC on a continuous-control env's images")
    sb3.add_argument("env", help="a continuous-control id, e.g. mmgym/ReachTargetContinuous-v0")
    sb3.add_argument("--algo", choices=["ppo", "sac"], default="ppo")
    sb3.add_argument("--steps", type=int, default=20_000, help="training env steps")
    sb3.add_argument("--out", required=True, help="directory for model.zip and baseline.json")
    sb3.add_argument("--json", action="store_true", help="print the eval as JSON instead of a table")
    sb3.add_argument("--videos", help="directory for a GIF of each agent's first eval episode")
    common(sb3)
    sb3.set_defaults(run=cmd_baseline_sb3)
    add_commands(commands)
    add_serve_command(commands)
    add_report_command(commands)
    add_dataset_commands(commands, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra and not getattr(args, "overrides", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        if getattr(args, "episodes", 1) < 1:
            raise UsageError("--episodes must be at least 1")
        if getattr(args, "seed", 0) < 0:
            raise UsageError("--seed must be 0 or more")
        status = args.run(args, extra) if getattr(args, "overrides", False) else args.run(args)
    except UsageError as error:
        print(f"mmgym: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mmgym: interrupted", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
