"""Run directories: atomic files, TensorBoard scalars, resumed steps and the trajectory budget."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from mmgym.rundir import RunDir, write_atomic


def scalars(run: RunDir, tag: str) -> list[tuple[int, float]]:
    events = EventAccumulator(str(run.path / "tensorboard"))
    events.Reload()
    return [(event.step, event.value) for event in events.Scalars(tag)]


def test_metrics_go_to_jsonl_and_tensorboard_alike(tmp_path):
    run = RunDir(tmp_path, "train", {"lr": 0.1})
    for step in (1, 2, 3):
        run.log(step, {"reward": step / 4, "skipped_groups": 0, "note": "text is not a scalar", "ok": True})
    run.close()
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [line["reward"] for line in lines] == [0.25, 0.5, 0.75]
    assert lines[0]["note"] == "text is not a scalar"
    assert scalars(run, "reward") == [(1, 0.25), (2, 0.5), (3, 0.75)]
    assert sorted(EventAccumulator(str(tmp_path / "tensorboard")).Reload().Tags()["scalars"]) == [
        "reward", "skipped_groups"]  # fmt: skip
    assert json.loads((tmp_path / "config.json").read_text()) == {"lr": 0.1}
    assert json.loads((tmp_path / "run.json").read_text())["kind"] == "train"


def test_a_resumed_run_drops_the_steps_it_runs_again(tmp_path):
    """Killed after step 3 with its checkpoint at step 2: step 3 runs again, and neither the JSONL
    nor TensorBoard keeps the first try (nor a line cut short by the kill)."""
    run = RunDir(tmp_path, "train", {})
    for step in (1, 2, 3):
        run.log(step, {"reward": float(step)})
    run.close()
    with open(tmp_path / "metrics.jsonl", "a") as file:
        file.write('{"step": 4, "rew')
    resumed = RunDir(tmp_path, "train", {})
    resumed.restart_at(2)
    for step in (3, 4):
        resumed.log(step, {"reward": 10.0 * step})
    resumed.close()
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [(line["step"], line["reward"]) for line in lines] == [(1, 1.0), (2, 2.0), (3, 30.0), (4, 40.0)]
    assert scalars(resumed, "reward") == [(1, 1.0), (2, 2.0), (3, 30.0), (4, 40.0)]


def test_an_episode_is_saved_whole_with_its_screens(tmp_path):
    run = RunDir(tmp_path, "play", {})
    frames = [np.full((8, 10, 3), value, np.uint8) for value in (0, 100)]
    turns = [{"reply": "a", "reward": 0.0}, {"reply": "b", "reward": 1.0}]
    final = np.full((8, 10, 3), 200, np.uint8)
    assert run.save_episode("episode_000", {"seed": 3, "turns": turns}, frames, final)
    folder = tmp_path / "trajectories/episode_000"
    episode = json.loads((folder / "episode.json").read_text())
    assert [turn["screenshot"] for turn in episode["turns"]] == ["step_000.png", "step_001.png"]
    assert episode["final_screenshot"] == "step_002.png" and episode["seed"] == 3
    from PIL import Image

    assert [np.asarray(Image.open(folder / f"step_{i:03d}.png"))[0, 0, 0] for i in range(3)] == [0, 100, 200]
    assert not list(tmp_path.rglob("*.tmp"))  # no temporary file left behind


def test_trajectories_stop_at_the_budget(tmp_path):
    rng = np.random.default_rng(0)
    run = RunDir(tmp_path, "train", {}, trajectory_mb=0.05)  # about 52 kB; each episode about 20 kB of noise
    saved = [run.save_episode(f"e{i}", {"turns": [{}]}, [rng.integers(0, 256, (64, 100, 3), np.uint8)])
             for i in range(5)]  # fmt: skip
    assert saved == [True, True, False, False, False] and run.trajectories_full
    size = sum(file.stat().st_size for file in (tmp_path / "trajectories").rglob("*") if file.is_file())
    assert size <= 0.05 * 2**20
    again = RunDir(tmp_path, "train", {}, trajectory_mb=0.05)  # a resumed run counts what is there
    assert not again.save_episode("e9", {"turns": [{}]}, [rng.integers(0, 256, (64, 100, 3), np.uint8)])


def test_a_write_that_fails_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    write_atomic(path, "old")

    def broken(self, data):
        self.open("wb").write(data[:2])  # half written, then the disk fills
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(path), "write_bytes", broken)
    with pytest.raises(OSError):
        write_atomic(path, "new and longer")
    assert path.read_text() == "old"
