"""Run directories: what every `mmgym train`, `eval` and `play` run leaves behind.

    RUN_DIR/
      run.json         {"kind": "train" | "eval" | "play", "command": [argv...], "started": ISO time}
      config.json      the resolved config: a trainer's dataclass, or eval's / play's options
      metrics.jsonl    train: one JSON object per optimizer step, {"step": 1, "reward": 0.5, ...}
      results.json     eval and play: one summary row per env and agent (EvalResult.summary)
      tensorboard/     the same scalars as TensorBoard event files
      checkpoint/      train: the latest checkpoint (mmgym.trainers.run)
      trajectories/NAME/episode.json   a sampled episode; its screenshots beside it

An ``episode.json`` holds ``env``, ``agent``, ``seed``, ``step`` (the training step it was sampled
at; null outside training), ``success``, ``return``, ``embodied``, ``final_screenshot`` (the screen
it ended on, or null) and ``turns``, each with ``screenshot`` (a PNG beside it), ``instruction``,
``reply``, ``action`` (parsed, ``Action.to_dict()`` in the screenshot's pixels, or null),
``parse_error``, ``expert_action``, ``reward``, ``reward_components`` and ``error``.

Every file but ``metrics.jsonl`` is written whole under a temporary name and renamed into place,
so a reader sees the old file or the new one, never half of one. A metrics line is appended with a
single write, so a run killed mid-write leaves at most one partial last line, which readers skip.
An episode's screenshots are written before its ``episode.json``: a folder without one is an
episode cut short. Sampled trajectories stop at the run's budget of megabytes.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


def write_atomic(path: Path, data: bytes | str) -> None:
    """``data`` at ``path``, all or nothing: written beside it, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(temporary, path)


def append(path: Path, text: str) -> None:
    """``text`` at the end of ``path`` in one write, so a kill leaves whole lines or one cut short."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)


def write_json(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value, indent=2, default=str) + "\n")


def png_bytes(image: np.ndarray) -> bytes:
    buffer = BytesIO()
    Image.fromarray(image).save(buffer, format="png")
    return buffer.getvalue()


def turn_record(instruction: str, reply: str, action: Any, parse_error: str | None, expert: Any,
                reward: float, components: dict[str, float],
                error: str | None = None) -> dict[str, Any]:  # fmt: skip
    """One turn of an ``episode.json`` (the screenshot's name is added on saving). Actions are GUI
    actions or embodied skills, written in their JSON form; a structured (array) action has none."""
    return {"instruction": instruction, "reply": reply, "action": _as_dict(action),
            "parse_error": parse_error, "expert_action": _as_dict(expert), "reward": reward,
            "reward_components": components, "error": error}  # fmt: skip


def _as_dict(action: Any) -> dict[str, Any] | None:
    return action.to_dict() if hasattr(action, "to_dict") else None


class RunDir:
    """One run's directory, written as the module docstring lays out.

    Args:
        path: the directory (made if missing).
        kind: ``"train"``, ``"eval"`` or ``"play"``.
        config: the resolved config, as JSON-able values.
        trajectory_mb: the budget of sampled trajectories (screenshots and episode.json) in MB;
            episodes past it are not saved, and :attr:`trajectories_full` turns True.
    """

    def __init__(self, path: str | Path, kind: str, config: dict[str, Any], trajectory_mb: float = 100.0):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.trajectory_budget = int(trajectory_mb * 2**20)
        self.trajectory_bytes = _size_of(self.path / "trajectories")
        self.trajectories_full = False
        self._events: Any = None
        started = datetime.datetime.now().astimezone().isoformat()
        write_json(self.path / "run.json", {"kind": kind, "command": sys.argv, "started": started})
        write_json(self.path / "config.json", config)

    def log(self, step: int, metrics: dict[str, Any]) -> None:
        """Append one metrics line and the same scalars to TensorBoard."""
        append(self.path / "metrics.jsonl", json.dumps({"step": step, **metrics}) + "\n")
        self.scalars(step, metrics)

    def restart_at(self, step: int) -> None:
        """A run resumed from its checkpoint at ``step``: the metrics of later steps, which will
        run again, are dropped from ``metrics.jsonl`` and from TensorBoard's view."""
        metrics = self.path / "metrics.jsonl"
        if metrics.exists():
            kept = [line for line in metrics.read_text().splitlines() if _step_of(line) <= step]
            write_atomic(metrics, "".join(line + "\n" for line in kept))
        from tensorboard.compat.proto import event_pb2

        # TensorBoard drops the scalars at and after a restart's step (as SummaryWriter's purge_step)
        start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
        restart = event_pb2.Event(wall_time=time.time(), step=step + 1, session_log=start)
        self._event_writer().add_event(restart)

    def scalars(self, step: int, metrics: dict[str, Any], prefix: str = "") -> None:
        """The numbers among ``metrics`` as TensorBoard scalars at ``step``."""
        numbers = {key: float(value) for key, value in metrics.items()
                   if isinstance(value, (int, float)) and not isinstance(value, bool)}  # fmt: skip
        if not numbers:
            return
        events = self._event_writer()
        from tensorboard.compat.proto import event_pb2, summary_pb2

        values = [
            summary_pb2.Summary.Value(tag=prefix + key, simple_value=value) for key, value in numbers.items()
        ]
        events.add_event(
            event_pb2.Event(wall_time=time.time(), step=step, summary=summary_pb2.Summary(value=values))
        )
        events.flush()

    def _event_writer(self) -> Any:
        if self._events is None:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter

            self._events = EventFileWriter(str(self.path / "tensorboard"))
        return self._events

    def save_results(self, rows: Sequence[dict[str, Any]]) -> None:
        """Eval and play: the summary rows, in ``results.json`` and TensorBoard."""
        write_json(self.path / "results.json", list(rows))
        for row in rows:
            self.scalars(0, row, prefix=f"{row['env']}/{row['agent']}/")

    def save_episode(self, name: str, episode: dict[str, Any], frames: Sequence[np.ndarray],
                     final_frame: np.ndarray | None = None) -> bool:  # fmt: skip
        """One sampled episode: ``frames[i]`` is what turn ``i`` saw, ``final_frame`` the screen it
        ended on. False (nothing written) once the trajectory budget is spent."""
        if self.trajectories_full:
            return False
        images = [png_bytes(frame) for frame in frames]
        final = png_bytes(final_frame) if final_frame is not None else None
        turns = [
            {**turn, "screenshot": f"step_{index:03d}.png"} for index, turn in enumerate(episode["turns"])
        ]
        last = f"step_{len(images):03d}.png" if final is not None else None
        record = {**episode, "turns": turns, "final_screenshot": last}
        text = json.dumps(record, indent=1, default=str) + "\n"
        size = sum(map(len, images)) + len(final or b"") + len(text)
        if self.trajectory_bytes + size > self.trajectory_budget:
            self.trajectories_full = True
            return False
        folder = self.path / "trajectories" / name
        for index, png in enumerate([*images, *([final] if final is not None else [])]):
            write_atomic(folder / f"step_{index:03d}.png", png)
        write_atomic(folder / "episode.json", text)
        self.trajectory_bytes += size
        return True

    def close(self) -> None:
        if self._events is not None:
            self._events.close()
            self._events = None


def _step_of(line: str) -> float:
    """A metrics line's step; a line cut short by a kill counts as past every step."""
    try:
        return json.loads(line)["step"]
    except (ValueError, KeyError, TypeError):
        return float("inf")


def _size_of(folder: Path) -> int:
    return sum(file.stat().st_size for file in folder.rglob("*") if file.is_file()) if folder.is_dir() else 0
