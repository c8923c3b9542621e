"""The command line: tables, files on disk, and one-line errors for user mistakes."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from mmgym.cli import main
from mmgym.envs.registration import TASKS

GRPO_CONFIG = str(Path(__file__).resolve().parents[2] / "configs" / "demo-grpo.yaml")
PPO_CONFIG = str(Path(__file__).resolve().parents[2] / "configs" / "demo-ppo.yaml")


def test_envs_lists_every_registered_id(capsys):
    assert main(["envs"]) == 0
    out = capsys.readouterr().out
    for spec in TASKS:
        assert spec.env_id in out
    assert "mmgym/GuiDataset-v0" in out


def test_eval_json_reports_the_metrics(capsys):
    code = main(["eval", "mmgym/FillForm-v0", "ClickShape-v0", "--agent", "oracle", "random",
                 "--episodes", "5", "--json"])  # fmt: skip
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["env"], r["agent"]) for r in rows] == [
        ("mmgym/FillForm-v0", "oracle"), ("mmgym/FillForm-v0", "random"),
        ("mmgym/ClickShape-v0", "oracle"), ("mmgym/ClickShape-v0", "random"),
    ]  # fmt: skip
    oracle = rows[0]
    assert oracle["success_rate"] == 1.0 and oracle["mean_return"] == 1.0
    assert oracle["action_type_accuracy"] == 1.0 and oracle["invalid_reply_rate"] == 0.0
    assert oracle["steps_per_second"] > 0 and oracle["episodes"] == 5
    assert rows[3]["success_rate"] < 1.0


def test_eval_and_envs_cover_web_tasks(capsys):
    """A browser task is evaluated and listed exactly as a synthetic one."""
    assert main(["eval", "WebLogin-v0", "--agent", "oracle", "--episodes", "2", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["env"], row["success_rate"], row["invalid_reply_rate"]) == ("mmgym/WebLogin-v0", 1.0, 0.0)
    assert main(["eval", "miniwob.click-test-2-v0", "--agent", "random", "--episodes", "2", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["env"], row["episodes"]) == ("mmgym/miniwob.click-test-2-v0", 2)
    assert main(["envs"]) == 0
    listed = capsys.readouterr().out
    assert "mmgym/WebLogin-v0" in listed and "mmgym/miniwob.click-test-2-v0" in listed


def test_the_oracle_on_a_task_without_one_is_a_one_line_error(capsys):
    assert main(["eval", "miniwob.click-test-2-v0", "--agent", "oracle", "--episodes", "1"]) == 2
    error = capsys.readouterr().err.strip()  # (the progress bar leaves a blank line)
    assert error.startswith("mmgym: error: the oracle agent needs info['expert_action']")
    assert "\n" not in error


def test_play_saves_screenshots_and_a_trajectory(tmp_path):
    assert main(["play", "mmgym/FillForm-v0", "--episodes", "2", "--seed", "3", "--out", str(tmp_path)]) == 0
    lines = [json.loads(line) for line in (tmp_path / "trajectory.jsonl").read_text().splitlines()]
    assert [line["seed"] for line in lines if line["step"] == 0] == [3, 4]
    for line in lines:
        assert (tmp_path / line["screenshot"]).stat().st_size > 0
        assert line["action"] == line["expert_action"]  # the oracle did what the env expected
    assert lines[-1]["success"] and lines[-1]["terminated"]
    last = [line for line in lines if line["seed"] == 4]
    episode = json.loads((tmp_path / "trajectories/episode_001/episode.json").read_text())
    assert [turn["reply"] for turn in episode["turns"]] == [line["reply"] for line in last]
    assert episode["success"] and episode["final_screenshot"] == f"step_{len(last):03d}.png"
    pngs = sorted(p.name for p in (tmp_path / "trajectories/episode_001").glob("*.png"))
    assert len(pngs) == len(last) + 1  # every screen seen, and the one the episode ended on
    [row] = json.loads((tmp_path / "results.json").read_text())
    assert (row["episodes"], row["success_rate"]) == (2, 1.0)
    assert json.loads((tmp_path / "run.json").read_text())["kind"] == "play"


def test_play_refuses_to_mix_with_an_earlier_run(tmp_path, capsys):
    assert main(["play", "mmgym/ClickShape-v0", "--episodes", "1", "--out", str(tmp_path)]) == 0
    assert main(["play", "mmgym/ClickShape-v0", "--episodes", "1", "--out", str(tmp_path)]) == 2
    assert "already holds a run" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "mmgym/Nope-v0"], "unknown environment 'mmgym/Nope-v0'"),
        (["eval", "ClickElemnt-v0"], "did you mean mmgym/ClickElement-v0?"),
        (["eval"], "name the environments to evaluate, or pass --all"),
        (["eval", "--all", "--episodes", "0"], "--episodes must be at least 1"),
        (["eval", "--all", "--agent", "smart"], "unknown agent 'smart': choose from oracle, random or sb3"),
        (["eval", "--all", "--size", "big"], "expected WIDTHxHEIGHT"),
        (["eval", "--all", "--size", "10x10"], "width must be an int from 112 to 1920"),
        (["eval", "--all", "--coordinates", "inches"], "inches"),
        (["dance"], "invalid choice: 'dance'"),
        (["eval", "--all", "--seed", "-1"], "--seed must be 0 or more"),
        (["eval", "CartPole-v1"], "unknown environment 'CartPole-v1'"),
        (["play", "FillForm-v0", "--out", "/dev/null/x"], "cannot write to /dev/null/x"),
        (["train", "missing.yaml"], "config file missing.yaml does not exist"),
        (["train", GRPO_CONFIG, "--group_size=5"], "not divisible by group_size=5"),
        (["train", GRPO_CONFIG, "--lerning_rate=1"], "did you mean 'learning_rate'"),
        (["train", GRPO_CONFIG, "--model=/nowhere"], "/nowhere has no config.json"),
        (["train", GRPO_CONFIG, "--lora_rank=-1"], "lora_rank must be >= 0"),
        (["train", GRPO_CONFIG, "--lora_rank=4", "--lora_targets=nope"], "lora_targets: Target modules nope"),
        (["train", PPO_CONFIG, "--lam=1.5"], "lam=1.5 must be in [0, 1]"),
        (["train", PPO_CONFIG, "--critic_model=runs/critic"], "critic_model is only read with critic: model"),
        (["train", PPO_CONFIG, "--critic=model", "--critic_model=/nowhere"], "/nowhere has no config.json"),
        (["demo", "--trainer", "dpo"], "invalid choice: 'dpo'"),
        (["eval", "--all", "--group_size=5"], "unrecognized arguments: --group_size=5"),
        (["model", "huge"], "invalid choice: 'huge'"),
    ],
)
def test_user_mistakes_get_one_line(argv, message, tmp_path):
    # From an empty directory: a run directory, if one were made, would land there.
    command = [sys.executable, "-m", "mmgym.cli", *argv]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mmgym: error:"), result.stderr
    assert message in lines[0]


def test_eval_on_an_embodied_env_saves_a_gif_of_each_agent(tmp_path, capsys):
    envs = ["mmgym/StackBlocks-v0", "mmgym/StackBlocksContinuous-v0"]
    code = main(["eval", *envs, "--agent", "oracle", "random", "--episodes", "3", "--size", "48x48",
                 "--videos", str(tmp_path), "--json"])  # fmt: skip
    assert code == 0
    rows = {(row["env"], row["agent"]): row for row in json.loads(capsys.readouterr().out)}
    for env in envs:
        assert rows[env, "oracle"]["success_rate"] == 1.0 and rows[env, "random"]["success_rate"] < 1.0
        assert rows[env, "oracle"]["invalid_reply_rate"] is None  # no replies: structured actions
    frames = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(Image.open(
        tmp_path / "StackBlocks-v0_oracle.gif"))]  # fmt: skip
    assert frames[0].shape == (48, 48, 3) and len(frames) >= 3  # the first screen ... the last
    assert not np.array_equal(frames[0], frames[-1])  # a block moved
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "StackBlocks-v0_oracle.gif", "StackBlocks-v0_random.gif",
        "StackBlocksContinuous-v0_oracle.gif", "StackBlocksContinuous-v0_random.gif"]


def test_playing_a_continuous_control_env_with_replies_is_a_one_line_error(tmp_path, capsys):
    assert main(["play", "mmgym/PickPlaceContinuous-v0", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "text replies drive GUI actions or embodied skills, not Box" in error and error.count("\n") == 1


@pytest.mark.slow
def test_the_demo_runs_ppo_in_place_of_grpo(tmp_path, capsys):
    code = main(["demo", "--trainer", "ppo", "--out", str(tmp_path), "--episodes", "2", "--steps=2",
                 "--max_new_tokens=8"])  # the demo, shortened
    assert code == 0
    rows = json.loads((tmp_path / "eval.json").read_text())
    assert [row["agent"] for row in rows] == ["before SFT", "after SFT", "after PPO"]
    ppo_metrics = [json.loads(line) for line in (tmp_path / "ppo" / "metrics.jsonl").read_text().splitlines()]
    assert [m.get("value_pretrain_step") for m in ppo_metrics[:4]] == [1, 2, 3, 4]  # VC-PPO, as configured
    assert [m["step"] for m in ppo_metrics[4:]] == [1, 2]
    assert "after PPO" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="no vLLM build installs here")
def test_a_model_the_vllm_engine_cannot_load_fails_before_training_with_the_reason(tmp_path):
    command = [sys.executable, "-m", "mmgym.cli", "train", GRPO_CONFIG, "--engine=vllm",
               "--engine_max_len=100000", f"--output_dir={tmp_path / 'run'}"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mmgym: error: vLLM cannot load"), result.stderr
    assert "max_model_len (100000) is greater than the derived max_model_len" in lines[0]
    assert not (tmp_path / "run" / "metrics.jsonl").exists()


def test_training_shows_live_progress_from_where_a_resumed_run_starts(monkeypatch):
    """The bar shows the step, reward, success and time left above the metrics' JSON lines."""
    import io
    from types import SimpleNamespace

    from rich.console import Console

    import mmgym.cli
    from mmgym.learning_cli import _live_progress

    screen = io.StringIO()
    monkeypatch.setattr(mmgym.cli, "console", Console(file=screen, force_terminal=True, width=120))
    config = SimpleNamespace(trainer="grpo", env="mmgym/ClickShape-v0", steps=5)
    with _live_progress(config) as report:
        for step in (4, 5):  # resumed from step 3's checkpoint
            report({"step": step, "reward": step / 10, "success": 0.25, "loss": 0.123456})
    shown = screen.getvalue()
    assert "grpo mmgym/ClickShape-v0" in shown and "5/5" in shown and "reward 0.50 success 0.25" in shown
    # on a terminal the lines print above the bar
    assert '{"step": 4, "reward": 0.4, "success": 0.25, "loss": 0.1235}' in shown
