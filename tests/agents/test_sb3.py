"""stable-baselines3 baselines through the command line: PPO learns the easiest embodied task
above chance, saves, loads back for `mmgym eval`, and bad calls get one line."""

from __future__ import annotations

import json

import pytest

from mmgym.cli import main


@pytest.mark.slow
def test_ppo_learns_to_reach_above_the_random_agent_and_evals_the_same_again(tmp_path, capsys):
    out = tmp_path / "ppo"
    code = main(["baseline", "sb3", "mmgym/ReachTargetContinuous-v0", "--steps", "8000", "--out", str(out),
                 "--episodes", "40", "--json"])  # fmt: skip
    assert code == 0
    trained, random = json.loads(capsys.readouterr().out)
    assert trained["agent"] == f"sb3:{out}" and random["agent"] == "random"
    assert trained["success_rate"] > random["success_rate"] + 0.1
    assert main(["eval", "mmgym/ReachTargetContinuous-v0", "--agent", f"sb3:{out / 'model.zip'}",
                 "--seed", str(10**6), "--episodes", "40", "--json"]) == 0  # fmt: skip
    again = json.loads(capsys.readouterr().out)[0]
    assert (again["success_rate"], again["mean_return"]) == (trained["success_rate"], trained["mean_return"])
    assert main(["eval", "mmgym/PickPlaceContinuous-v0", "--agent", f"sb3:{out}"]) == 2
    assert "was trained on mmgym/ReachTargetContinuous-v0; evaluate it there" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["baseline", "sb3", "mmgym/ReachTarget-v0", "--steps", "10", "--out", "{tmp}/x"],
     "takes Dict actions; stable-baselines3 needs continuous control: use its Continuous id"),
    (["eval", "mmgym/ReachTargetContinuous-v0", "--agent", "sb3:{tmp}/nothing"], "holds no baseline"),
    (["eval", "mmgym/ClickShape-v0", "--agent", "sb3:{tmp}"], "sb3 agents and --videos are for the embodied"),
    (["eval", "mmgym/ReachTarget-v0", "--agent", "robot"], "unknown agent 'robot'"),
    (["baseline", "sb3", "mmgym/ReachTargetContinuous-v0", "--steps", "0", "--out", "{tmp}"],
     "--steps must be at least 1"),
    (["baseline", "sb3", "mmgym/ReachTargetContinuous-v0", "--out", "{tmp}/old"], "already holds a baseline"),
])  # fmt: skip
def test_bad_calls_are_one_line(tmp_path, capsys, argv, message):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "model.zip").touch()
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in argv]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1


@pytest.mark.slow
def test_sac_trains_saves_and_loads_back(tmp_path, capsys):
    out = tmp_path / "sac"
    assert main(["baseline", "sb3", "mmgym/PushBlockContinuous-v0", "--algo", "sac", "--steps", "150",
                 "--size", "48x48", "--out", str(out), "--episodes", "2", "--json"]) == 0  # fmt: skip
    trained, _ = json.loads(capsys.readouterr().out)
    assert trained["agent"] == f"sb3:{out}" and trained["episodes"] == 2 and trained["mean_steps"] == 150
    assert json.loads((out / "baseline.json").read_text())["algo"] == "sac" and (out / "model.zip").is_file()
