"""`mmgym report`: one self-contained HTML page for a set of run directories.

The page (``report.html`` with ``report.css`` and ``report.js`` inlined) holds the curves of every
numeric metric, a table of the reward components, and a viewer of sampled episodes. It loads
nothing from the network; screenshots stay beside their episodes and the page refers to them by
path relative to itself, so it opens from a local file and stays small however long the run.

Reading never fails on a damaged run directory (see :mod:`mmgym.rundir` for the format): what is
missing or cut short becomes one line in the page's notes and in the list :func:`write_report`
returns. Model replies are untrusted: the data goes into the page as JSON in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, and the page
inserts every text as text, never as HTML.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import struct
import sys
import webbrowser
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mmgym.envs.parsing import parse_reply
from mmgym.errors import UsageError
from mmgym.rundir import write_atomic

VIEWS = ("curves", "viewer")
#: Charts that come first; the rest follow by name.
LEAD_METRICS = ("reward", "success", "loss")
#: The reward table's training rows besides the ``reward/<component>`` metrics.
TABLE_METRICS = ("reward", "success", "format")
#: The reward table compares the means of this many logged steps at the start and the end.
EDGE_STEPS = 10
#: Line colours of the runs, in order (Tableau 10).
COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759",
           "#ff9da7", "#bab0ac")  # fmt: skip
_RUN_FILES = ("run.json", "config.json", "metrics.jsonl", "results.json", "trajectories")
_WROTE_IT = "pass a directory that `mmgym train`, `eval` or `play` wrote"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_DATA_MARK = "@@REPORT_DATA@@"


@dataclass
class Run:
    """What :func:`read_run` found in one run directory.

    Attributes:
        label: the run's name in the page (its folder's name; made distinct among several runs).
        path: the directory.
        kind: ``"train"``, ``"eval"`` or ``"play"`` (from run.json, else guessed from the files).
        config: config.json, or ``{}``.
        metrics: the readable lines of metrics.jsonl, in order.
        results: the rows of results.json, or ``[]``.
        episodes: the readable sampled episodes, by folder name; each turn's reply read into
            ``think`` and ``answer``, each screenshot as ``{"name", "file", "size"}`` (``file``
            None when it cannot be shown).
        problems: what is missing or damaged, one line each naming the file.
    """

    label: str
    path: Path
    kind: str
    config: dict[str, Any]
    metrics: list[dict[str, Any]]
    results: list[dict[str, Any]]
    episodes: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)


def read_run(path: str | Path) -> Run:
    """Read a run directory, noting what is missing or damaged instead of failing on it.

    Raises:
        UsageError: ``path`` is missing or is not a run directory.
    """
    path = Path(path)
    if wrong := _not_a_run(path):
        raise UsageError("; ".join(wrong))
    problems: list[str] = []
    info = _read_json(path / "run.json", dict, problems) or {}
    config = _read_json(path / "config.json", dict, problems) or {}
    results = _read_json(path / "results.json", list, problems, required=False) or []
    metrics = _read_metrics(path / "metrics.jsonl", problems)
    episodes = _read_episodes(path / "trajectories", problems)
    kind = info.get("kind")
    if kind in ("eval", "play") and not (path / "results.json").exists():
        problems.append(f"{path / 'results.json'} is missing; the run may not have finished")
    if kind == "train" and not (path / "metrics.jsonl").exists():
        problems.append(f"{path / 'metrics.jsonl'} is missing; no step was logged")
    if not isinstance(kind, str):
        kind = "train" if metrics else "eval" if results else "play"
    label = path.resolve().name or str(path)
    return Run(label, path, kind, config, metrics, [row for row in results if isinstance(row, dict)],
               episodes, problems)  # fmt: skip


def _not_a_run(path: Path) -> tuple[str, str] | None:
    """What makes ``path`` no run directory, and the fix; None when it is one."""
    if not path.exists():
        return f"{path} does not exist", _WROTE_IT
    if not path.is_dir():
        return f"{path} is a file, not a run directory", "pass the directory that holds it"
    if not any((path / name).exists() for name in _RUN_FILES):
        return f"{path} is not a run directory (no metrics.jsonl, results.json or trajectories/)", _WROTE_IT
    return None


def _read_json(file: Path, kind: type, problems: list[str], required: bool = True) -> Any:
    """The JSON value in ``file`` if it is a ``kind``, else None with a note in ``problems``."""
    if not file.exists():
        if required:
            problems.append(f"{file} is missing")
        return None
    try:
        value = json.loads(file.read_bytes())
    except OSError as error:
        problems.append(f"cannot read {file} ({error.strerror}); ignored")
        return None
    except ValueError as error:  # not JSON, or not UTF-8
        problems.append(f"{file} is not valid JSON ({str(error).splitlines()[0]}); ignored")
        return None
    if not isinstance(value, kind):
        problems.append(f"{file} holds a JSON {type(value).__name__}, not a {kind.__name__}; ignored")
        return None
    return value


def _read_metrics(file: Path, problems: list[str]) -> list[dict[str, Any]]:
    """The metrics lines that are JSON objects; a last line without its newline is one cut short."""
    if not file.exists():
        return []
    try:
        lines = file.read_bytes().split(b"\n")
    except OSError as error:
        problems.append(f"cannot read {file} ({error.strerror}); no curves")
        return []
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if isinstance(row, dict):
            rows.append(row)
        else:
            what = "is cut short" if number == len(lines) else "is not a JSON object"
            problems.append(f"{file} line {number} {what}; skipped")
    return rows


def _read_episodes(folder: Path, problems: list[str]) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    episodes = []
    # An episode's folder holds its files; folders of folders group episodes (by step, env, agent).
    holders = {path.parent for path in folder.rglob("*") if path.is_file() and not path.name.startswith(".")}
    for episode_dir in sorted(holders - {folder}):
        file = episode_dir / "episode.json"
        if not file.exists():
            problems.append(f"{episode_dir} has no episode.json (an episode cut short); skipped")
            continue
        record = _read_json(file, dict, problems)
        if record is None:
            continue
        turns = record.get("turns")
        if not isinstance(turns, list) or not all(isinstance(turn, dict) for turn in turns):
            problems.append(f"{file} has no list of turns; skipped")
            continue
        episodes.append(_episode(episode_dir, record, turns, problems))
        episodes[-1]["name"] = str(episode_dir.relative_to(folder))
    return episodes


def _episode(folder: Path, record: dict[str, Any], turns: list[dict], problems: list[str]) -> dict[str, Any]:
    final = record.get("final_screenshot")
    return {
        "name": folder.name, "env": _text(record.get("env")), "agent": _text(record.get("agent")),
        "seed": _cell(record.get("seed")), "step": _integer(record.get("step")),
        "success": record.get("success") if isinstance(record.get("success"), bool) else None,
        "return": _number(record.get("return")), "embodied": record.get("embodied") is True,
        "turns": [_turn(folder, turn, problems) for turn in turns],
        "final": _screenshot(folder, final, problems) if final is not None else None,
    }  # fmt: skip


def _turn(folder: Path, turn: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    reply = turn.get("reply") if isinstance(turn.get("reply"), str) else ""
    parsed = parse_reply(reply)
    components = turn.get("reward_components")
    components = components if isinstance(components, dict) else {}
    return {
        "screenshot": _screenshot(folder, turn.get("screenshot"), problems),
        "instruction": _text(turn.get("instruction")), "think": parsed.think, "answer": parsed.answer,
        "reply": None if parsed.format_ok else reply,
        "action": _action(turn.get("action")), "expert": _action(turn.get("expert_action")),
        "parse_error": _text(turn.get("parse_error")), "error": _text(turn.get("error")),
        "reward": _number(turn.get("reward")),
        "components": {str(name): _number(value) for name, value in components.items()},
    }  # fmt: skip


def _screenshot(folder: Path, name: Any, problems: list[str]) -> dict[str, Any]:
    """A screenshot beside its episode: its file and ``(width, height)``, or ``file`` None."""
    shown = {"name": str(name), "file": None, "size": None}
    if not isinstance(name, str) or name in ("", ".", "..") or Path(name).name != name:
        what = ("has a turn without a screenshot" if name is None
                else f"names a screenshot {name!r} that is not a file beside it")  # fmt: skip
        problems.append(f"{folder / 'episode.json'} {what}; the viewer shows a placeholder")
        return shown
    file = folder / name
    try:
        with open(file, "rb") as png:
            head = png.read(24)
    except OSError as error:
        missing = isinstance(error, FileNotFoundError)
        problems.append(f"{file} {'is missing' if missing else f'cannot be read ({error.strerror})'}; "
                        "the viewer shows a placeholder")  # fmt: skip
        return shown
    if len(head) < 24 or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
        problems.append(f"{file} is not a PNG; the viewer shows a placeholder")
        return shown
    return {**shown, "file": file, "size": struct.unpack(">II", head[16:24])}


def _action(value: Any) -> dict[str, Any] | None:
    """An ``Action.to_dict()`` (or a skill's) as the page draws it: its point and direction when
    well-formed, a short label, and the whole of it as JSON text."""
    if not isinstance(value, dict):
        return None
    name = _text(value.get("action")) or "?"
    point = value.get("coordinate")
    point = point if isinstance(point, list) and len(point) == 2 and all(map(_is_number, point)) else None
    detail = next((value[key] for key in ("text", "key", "app") if value.get(key) is not None), None)
    direction = value.get("direction") if isinstance(value.get("direction"), str) else None
    return {"type": name, "point": point, "direction": direction,
            "label": name if detail is None else f"{name} {json.dumps(detail, ensure_ascii=False)}",
            "json": json.dumps(_json_safe(value), ensure_ascii=False)}  # fmt: skip


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any) -> float | None:
    return value if _is_number(value) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _cell(value: Any) -> Any:
    """A table cell: a string, a finite number, a boolean or None; anything else as JSON text."""
    if value is None or isinstance(value, (str, bool)) or _is_number(value):
        return value
    if isinstance(value, float):
        return str(value)  # nan, inf
    return json.dumps(_json_safe(value), ensure_ascii=False)


def _json_safe(value: Any) -> Any:
    """``value`` with every non-finite float written as text (strict JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


def write_report(run_dirs: Sequence[str | Path], out: str | Path | None = None, *, view: str = "curves",
                 max_episodes: int = 40) -> tuple[Path, list[str]]:  # fmt: skip
    """Write the HTML report of ``run_dirs``.

    Args:
        run_dirs: run directories; among several, one that cannot be read is skipped with a note.
        out: the HTML file (a directory: ``report.html`` in it); default ``report.html`` in the
            first readable run directory.
        view: ``"curves"`` opens the page at its top; ``"viewer"`` at the trajectory viewer with
            the first episode shown.
        max_episodes: episodes shown per run at most, the first, the last and evenly between.

    Returns:
        The report's path and the problems found, one line each.

    Raises:
        UsageError: no run directory can be read, or the report cannot be written.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, not {view!r}")
    if max_episodes < 1:
        raise ValueError(f"max_episodes must be at least 1, not {max_episodes}")
    runs, problems = _read_runs(run_dirs)
    out = Path(out) if out is not None else runs[0].path / "report.html"
    out = out / "report.html" if out.is_dir() else out
    problems += [problem for run in runs for problem in run.problems]
    metrics = metric_names(runs)
    problems += _metric_gaps(runs, metrics)
    data = {"view": view, "problems": problems, "metrics": metrics, "tables": _tables(runs),
            "runs": [_page_run(index, run) for index, run in enumerate(runs)],
            "episodes": _page_episodes(runs, out.resolve().parent, max_episodes)}  # fmt: skip
    try:
        write_atomic(out, render_page(data))
    except OSError as error:
        raise UsageError(f"cannot write {out} ({error.strerror}); pass another --out") from None
    return out, problems


def _read_runs(run_dirs: Sequence[str | Path]) -> tuple[list[Run], list[str]]:
    """The readable runs, with distinct labels, and a note for each directory skipped."""
    if not run_dirs:
        raise UsageError(f"no run directory given; {_WROTE_IT}")
    runs, skipped = [], []
    for path in run_dirs:
        if wrong := _not_a_run(Path(path)):
            skipped.append(wrong)
        else:
            runs.append(read_run(path))
    if not runs:
        raise UsageError("; ".join(skipped[0]))
    _make_labels_distinct(runs)
    return runs, [f"{what}; skipped" for what, _ in skipped]


def _make_labels_distinct(runs: Sequence[Run]) -> None:
    """Runs of the same folder name take their parent's name too; the same folder twice, a number."""
    labels = [run.label for run in runs]
    for run in runs:
        if labels.count(run.label) > 1:
            run.label = f"{run.path.resolve().parent.name}/{run.label}"
    labels = [run.label for run in runs]
    for index, run in enumerate(runs):
        if same := labels[:index].count(run.label):
            run.label += f" ({same + 1})"


def metric_names(runs: Sequence[Run]) -> list[str]:
    """The numeric metrics logged by any run (``step`` aside): reward, success and loss first,
    then the rest by name."""
    names = {key for run in runs for row in run.metrics for key, value in row.items() if _is_number(value)}
    names.discard("step")
    return [name for name in LEAD_METRICS if name in names] + sorted(names - set(LEAD_METRICS))


def _metric_gaps(runs: Sequence[Run], metrics: list[str]) -> list[str]:
    """A note for each metric that some training runs log and others do not."""
    trained = [run for run in runs if run.metrics]
    problems = []
    for name in metrics:
        having = [run.label for run in trained if any(_is_number(row.get(name)) for row in run.metrics)]
        if len(having) < len(trained):
            which = f"run {having[0]}" if len(having) == 1 else f"runs {', '.join(having)}"
            alone = "that run alone" if len(having) == 1 else "those runs alone"
            problems.append(f"metric {name!r} is only in {which}; its chart shows {alone}")
    return problems


def _steps(run: Run) -> list[float]:
    """Each metrics line's step (its line number when it has none)."""
    return [row["step"] if _is_number(row.get("step")) else number
            for number, row in enumerate(run.metrics, 1)]  # fmt: skip


def _page_run(index: int, run: Run) -> dict[str, Any]:
    names = {key for row in run.metrics for key, value in row.items() if _is_number(value)} - {"step"}
    series = {name: [float(f"{row[name]:.6g}") if _is_number(row.get(name)) else None for row in run.metrics]
              for name in sorted(names)}  # fmt: skip
    return {"label": run.label, "kind": run.kind, "path": str(run.path), "config": _json_safe(run.config),
            "colour": COLOURS[index % len(COLOURS)], "steps": _steps(run), "series": series}  # fmt: skip


def _tables(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """The reward tables: one over the training runs, one per eval or play run."""
    trained = [run for run in runs if run.metrics]
    tables = [_training_table(trained)] if trained else []
    return tables + [_results_table(run) for run in runs if run.results or (run.episodes and not run.metrics)]


def _training_table(runs: Sequence[Run]) -> dict[str, Any]:
    """Per metric, its mean over the first and the last :data:`EDGE_STEPS` logged steps of each run."""
    names = set(metric_names(runs))
    components = sorted(name for name in names if name.startswith("reward/"))
    rows_of = [name for name in (TABLE_METRICS[0], *components, *TABLE_METRICS[1:]) if name in names]
    columns = ["metric"]
    for run in runs:
        steps = _steps(run)
        for part in (steps[:EDGE_STEPS], steps[-EDGE_STEPS:]):
            columns.append(f"{run.label} · steps {part[0]:g}–{part[-1]:g}")
    rows = []
    for name in rows_of:
        cells: list[Any] = [name]
        for run in runs:
            for part in (run.metrics[:EDGE_STEPS], run.metrics[-EDGE_STEPS:]):
                cells.append(_mean(row.get(name) for row in part))
        rows.append(cells)
    note = f"Means of each metric over a run's first and last {EDGE_STEPS} logged steps."
    return {"title": "Reward components: training", "columns": columns, "rows": rows, "note": note}


def _results_table(run: Run) -> dict[str, Any]:
    """``results.json``'s rows, each with the mean of every reward component per turn over the
    run's saved episodes of its env and agent."""
    sums: dict[tuple, dict[str, list[float]]] = {}
    for episode in run.episodes:
        group = sums.setdefault((episode["env"], episode["agent"]), {})
        for turn in episode["turns"]:
            for name, value in turn["components"].items():
                if value is not None:
                    group.setdefault(name, []).append(value)
    components = sorted({name for group in sums.values() for name in group})
    keys = ["env", "agent"] + [key for key in dict.fromkeys(k for row in run.results for k in row)
                               if key not in ("env", "agent")]  # fmt: skip
    rows = [dict(row) for row in run.results]
    rows += [{"env": env, "agent": agent} for env, agent in sums
             if not any((row.get("env"), row.get("agent")) == (env, agent) for row in rows)]  # fmt: skip
    table = [[_cell(row.get(key)) for key in keys]
             + [_mean(sums.get((row.get("env"), row.get("agent")), {}).get(name, [])) for name in components]
             for row in rows]  # fmt: skip
    note = (f"reward/… columns: the mean per turn over the {len(run.episodes)} saved episodes."
            if components else "")  # fmt: skip
    columns = keys + [f"reward/{name}" for name in components]
    return {"title": f"Results: {run.label} ({run.kind})", "columns": columns, "rows": table, "note": note}


def _mean(values) -> float | None:
    numbers = [value for value in values if _is_number(value)]
    return sum(numbers) / len(numbers) if numbers else None


def spread(items: Sequence[Any], count: int) -> list[Any]:
    """At most ``count`` of ``items``: the first, the last and evenly between.

    Example:
        >>> spread(range(10), 4)
        [0, 3, 6, 9]
    """
    if len(items) <= count:
        return list(items)
    if count == 1:
        return [items[0]]
    return [items[round(index * (len(items) - 1) / (count - 1))] for index in range(count)]


def _page_episodes(runs: Sequence[Run], folder: Path, max_episodes: int) -> list[dict[str, Any]]:
    """The episodes shown, spread over each run by training step; screenshots by relative URL."""
    shown = []
    for index, run in enumerate(runs):
        ordered = sorted(run.episodes, key=lambda episode: (episode["step"] is None, episode["step"] or 0))
        for episode in spread(ordered, max_episodes):
            turns = [{**turn, "screenshot": _image(turn["screenshot"], folder)} for turn in episode["turns"]]
            final = _image(episode["final"], folder) if episode["final"] else None
            shown.append({**episode, "run": index, "turns": turns, "final": final})
    return shown


def _image(screenshot: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A screenshot for the page: its URL relative to the report's folder (None when it cannot be
    shown), its name and its size."""
    file, size = screenshot["file"], screenshot["size"]
    if file is None:
        return {"src": None, "name": screenshot["name"], "width": None, "height": None}
    try:
        src = quote(Path(os.path.relpath(file.resolve(), folder)).as_posix())
    except ValueError:  # another drive (Windows): no relative path
        src = file.resolve().as_uri()
    return {"src": src, "name": screenshot["name"], "width": size[0], "height": size[1]}


def render_page(data: dict[str, Any]) -> str:
    """The page: the template with its style, script and ``data`` inlined."""
    package = resources.files("mmgym")
    page = (package / "report.html").read_text(encoding="utf-8")
    page = page.replace("/*REPORT_CSS*/", (package / "report.css").read_text(encoding="utf-8"))
    page = page.replace("/*REPORT_JS*/", (package / "report.js").read_text(encoding="utf-8"))
    return page.replace(_DATA_MARK, script_json(data), 1)


def script_json(value: Any) -> str:
    """``value`` as JSON safe inside an HTML ``<script>`` element: ``<``, ``>`` and ``&`` escaped,
    so no text in it (a model's reply) can close the element.

    Example:
        >>> script_json({"reply": "</script>"})
        '{"reply":"\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def cmd_report(args: argparse.Namespace) -> int:
    """`mmgym report`: write the page, note each problem on stderr, print the page's path."""
    if args.episodes < 1:
        raise UsageError("--episodes must be at least 1")
    path, problems = write_report(args.run_dirs, args.out, max_episodes=args.episodes)
    for problem in problems:
        print(f"mmgym: note: {problem}", file=sys.stderr)
    print(path)
    if args.open:
        show_report(path)
    return 0


def show_report(path: Path) -> None:
    """Open the page in a browser where a display is; otherwise print its file:// URL."""
    url = path.resolve().as_uri()
    if not (has_display() and webbrowser.open(url)):
        print(url)


def has_display() -> bool:
    """Whether a browser opened here would show on a screen."""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return True
    return sys.platform in ("darwin", "win32")


def add_report_command(commands: argparse._SubParsersAction) -> None:
    """Add `mmgym report RUN_DIR [RUN_DIR ...] [--out FILE] [--episodes N] [--open]` to ``commands``."""
    about = "write one HTML page of curves, reward components and episodes for run directories"
    more = ("Several runs are overlaid on the same charts. The page loads nothing from the network and "
            "refers to the screenshots beside it, so keep it with the run directories.")  # fmt: skip
    report = commands.add_parser("report", help=about, description=about, epilog=more, allow_abbrev=False)
    report.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="what train, eval or play wrote")
    report.add_argument("--out", metavar="FILE", help="the page to write (default: RUN_DIR/report.html)")
    report.add_argument("--episodes", type=int, default=40, metavar="N",
                        help="most episodes shown per run (default: %(default)s)")  # fmt: skip
    report.add_argument("--open", action="store_true", help="open the page in a browser, given a display")
    report.set_defaults(run=cmd_report)
