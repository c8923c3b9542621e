"""GUI datasets end to end: export a live env's oracle steps in each published layout, load them back as
an env, evaluate under every protocol, train on them, select from them; bad rows are counted."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from PIL import Image

import mmgym  # noqa: F401
from mmgym.cli import main
from mmgym.envs.datasets.env import DatasetGuiEnv
from mmgym.envs.datasets.formats import FORMATS, read_dataset
from mmgym.envs.protocols import PROTOCOLS
from mmgym.envs.registration import DATASET_ENV_ID

#: What each layout can hold, exported from envs whose oracles use those actions.
EXPORTS = {"screenspot": ["ClickElement-v0"],
           **{name: ["ClickElement-v0", "FillForm-v0", "ScrollList-v0", "NavigateBack-v0"]
              for name in FORMATS if name != "screenspot"}}  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[tuple[str, str], Path]:
    root = tmp_path_factory.mktemp("datasets")
    out = {}
    for layout, env_ids in EXPORTS.items():
        for env_id in env_ids:
            folder = root / f"{layout}-{env_id}"
            assert main(["export", env_id, "--format", layout, "--episodes", "3", "--size", "320x240",
                         "--out", str(folder)]) == 0  # fmt: skip
            out[layout, env_id] = folder
    return out


def eval_row(dataset: Path, protocol: str, capsys, *extra: str) -> dict:
    count = len(read_dataset(dataset).samples)
    assert main(["eval", f"dataset:{dataset}", "--agent", "oracle", "--episodes", str(count), "--protocol",
                 protocol, "--json", "--trajectories", "0", *extra]) == 0  # fmt: skip
    [row] = json.loads(capsys.readouterr().out)
    return row


@pytest.mark.parametrize("layout", list(EXPORTS))
def test_the_oracle_scores_every_exported_sample_under_every_protocol(exported, layout, capsys):
    for env_id in EXPORTS[layout]:
        for protocol in PROTOCOLS:
            # the model sees the screens at another size than they were saved: points map both ways
            row = eval_row(exported[layout, env_id], protocol, capsys, "--size", "200x150")
            assert row["protocol"] == protocol
            scores = (row["step_success_rate"], row["action_type_accuracy"], row["success_rate"])
            assert scores == (1, 1, 1), (layout, env_id, protocol)
            assert row["grounding_accuracy"] in (1.0, None)


def test_an_export_round_trips_sample_for_sample(exported):
    """The samples read back are the live env's steps: the same screens, instructions and actions."""
    loaded = read_dataset(exported["gui-r1", "FillForm-v0"]).samples
    env = gym.make("mmgym/FillForm-v0", width=320, height=240)
    observation, info = env.reset(seed=0)
    history = []
    for sample in loaded[: len([s for s in loaded if s.source.startswith("mmgym/FillForm-v0 seed 0 ")])]:
        assert np.array_equal(np.asarray(Image.open(sample.image).convert("RGB")), observation["image"])
        assert (sample.instruction, sample.action, list(sample.history)) == (
            observation["instruction"], info["expert_action"], history)  # fmt: skip
        history.append(info["expert_action"].to_json())
        observation, _, _, _, info = env.step(info["expert_action"])
    env.close()


def test_the_dataset_env_keeps_the_env_contract(exported):
    path = exported["androidcontrol", "FillForm-v0"]
    env = DatasetGuiEnv(path, width=200, height=150)
    check_env(env, skip_render_check=True)
    first, info = env.reset(seed=4)
    again, _ = env.reset(seed=4 + len(env.samples))  # seeds wrap around the dataset
    assert np.array_equal(first["image"], again["image"]) and first["instruction"] == again["instruction"]
    assert first["image"].shape == (150, 200, 3) and info["expert_action"] is not None
    made = gym.make(DATASET_ENV_ID, path=str(path), width=200, height=150)
    assert made.spec.max_episode_steps == 1


def test_a_grpo_run_on_an_exported_dataset_runs_as_on_a_live_env(exported, tiny_model, tmp_path):
    from mmgym.trainers.config import load_config
    from mmgym.trainers.grpo import train_grpo

    dataset = exported["gui-r1", "ClickElement-v0"]
    config = load_config(None, [f"--model={tiny_model}", f"--output_dir={tmp_path}",
                                f"--env={DATASET_ENV_ID}", f"--dataset={dataset}", "--protocol=gui-r1",
                                "--steps=2", "--episodes_per_step=4", "--group_size=2", "--max_new_tokens=10",
                                "--width=160", "--height=120", "--trajectories_every=1"])  # fmt: skip
    train_grpo(config, report=lambda _: None)
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines] == [1, 2]
    assert all(line["turns_per_episode"] == 1 for line in lines)
    [episode, *_] = sorted((tmp_path / "trajectories").rglob("episode.json"))
    record = json.loads(episode.read_text())
    assert record["env"] == DATASET_ENV_ID and record["turns"][0]["expert_action"]["action"] == "click"


def test_bad_config_for_a_dataset_says_the_fix():
    from mmgym.trainers.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="set both"):
        load_config(None, ["--dataset=somewhere"])


def test_bad_rows_are_counted_always_and_rejected_on_request(exported, tmp_path, capsys):
    import shutil

    dataset = shutil.copytree(exported["ui-r1", "ClickElement-v0"], tmp_path / "copy")
    argv = ["eval", f"dataset:{dataset}", "--agent", "oracle", "--episodes", "1", "--json"]
    assert main(argv) == 0
    assert ", 0 rows skipped" in capsys.readouterr().err  # said even when nothing was skipped
    first = read_dataset(dataset).samples[0]
    first.image.unlink()
    assert main([*argv, "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    [data] = [path for path in dataset.iterdir() if path.is_file()]
    assert ", 1 rows skipped" in err and f"{data}:1: " in err and first.image.name in err
    [listed] = (tmp_path / "run" / "skipped_rows.txt").read_text().splitlines()
    assert listed.startswith(f"{data}:1: ") and first.image.name in listed
    assert main([*argv, "--on-bad", "reject"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("mmgym: error:") and f"{data}:1: " in error


def test_select_keeps_what_the_model_gets_wrong_balanced_by_type(exported, tiny_model, tmp_path, capsys):
    dataset = exported["androidcontrol", "FillForm-v0"]
    out = tmp_path / "selected"
    assert main(["select", str(dataset), "--model", tiny_model, "--out", str(out), "--size", "160x120"]) == 0
    said = capsys.readouterr().err
    kept = read_dataset(out).samples
    types = {sample.action.type.label for sample in read_dataset(dataset).samples}
    counts = {kind: sum(s.action.type.label == kind for s in kept) for kind in types}
    assert len(set(counts.values())) == 1 and sum(counts.values()) == len(kept) > 0  # balanced
    assert f"kept {len(kept)} of" in said and all(f"{kind:>12}:" in said for kind in types)


def test_training_on_a_dataset_says_what_it_skipped(exported, tiny_model, tmp_path, capsys):
    config = Path(__file__).resolve().parents[2] / "configs" / "demo-grpo.yaml"
    dataset = exported["screenspot", "ClickElement-v0"]
    argv = ["train", str(config), f"--model={tiny_model}", f"--env={DATASET_ENV_ID}", "--steps=1",
            "--episodes_per_step=2", "--group_size=2", "--max_new_tokens=8"]  # fmt: skip
    assert main([*argv, f"--dataset={dataset}", f"--output_dir={tmp_path / 'run'}"]) == 0
    assert f"mmgym: {dataset}: 3 samples (screenspot), 0 rows skipped" in capsys.readouterr().err
    assert main([*argv, f"--dataset={tmp_path / 'nowhere'}", f"--output_dir={tmp_path / 'other'}"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == f"mmgym: error: dataset {tmp_path / 'nowhere'}: no such file or folder"


@pytest.mark.parametrize(("argv", "message"), [
    (["export", "ReachTarget-v0", "--format", "ui-r1", "--out", "{tmp}/x"], "is not a GUI env"),
    (["export", "ClickElement-v0", "--format", "coco", "--out", "{tmp}/x"], "invalid choice: 'coco'"),
    (["eval", "dataset:{tmp}/none", "--agent", "oracle"], "no such file or folder"),
    (["eval", "ClickElement-v0", "--protocol", "seeclick"], "invalid choice: 'seeclick'"),
])  # fmt: skip
def test_dataset_mistakes_get_one_line(argv, message, tmp_path, capsys):
    assert main([part.replace("{tmp}", str(tmp_path)) for part in argv]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error


def test_a_reply_that_does_not_parse_is_wrong_even_on_a_wait_sample(exported, tmp_path):
    from mmgym.envs.actions import Action
    from mmgym.envs.datasets.formats import write_dataset
    from mmgym.envs.text_actions import TextActions

    [sample, *_] = read_dataset(exported["androidcontrol", "FillForm-v0"]).samples
    waiting = type(sample)(sample.image, "Wait for the page.", Action.wait(), source="a wait sample")
    env = TextActions(DatasetGuiEnv(write_dataset([waiting], tmp_path / "wait", "androidcontrol"), width=160,
                                    height=120))
    for reply, reward in [("no idea", 0.0), ('<think>w</think><answer>{"action": "wait"}</answer>', 1.0)]:
        env.reset(seed=0)
        _, got, terminated, _, info = env.step(reply)
        assert (got, terminated, info["success"]) == (reward, True, bool(reward))


def test_a_point_without_a_box_is_hit_from_a_smaller_observation(tmp_path):
    """A 1080 x 2400 screenshot seen at 448 x 448: under screenspot a truth with no box is the area of
    the observation pixel it falls on, which the oracle's mapped click hits, for every point."""
    from mmgym.envs.actions import Action
    from mmgym.envs.datasets.formats import write_dataset
    from mmgym.envs.datasets.samples import GuiSample

    image = tmp_path / "phone.png"
    Image.new("RGB", (1080, 2400), "white").save(image)
    points = [(0, 0), (1079, 2399), (541, 1203), (7, 2000), (1000, 13)]
    samples = [GuiSample(image, "Tap it.", Action.click(x, y), source=f"point {x},{y}") for x, y in points]
    env = DatasetGuiEnv(write_dataset(samples, tmp_path / "data", "androidcontrol"), width=448, height=448,
                        protocol="screenspot")  # fmt: skip
    for seed in range(len(points)):
        _, info = env.reset(seed=seed)
        _, reward, _, _, step_info = env.step(info["expert_action"])
        assert reward == 1.0 and step_info["grounded"], points[seed]
        _, info = env.reset(seed=seed)
        x, y = info["expert_action"].point
        wrong = Action.click(x + 1 if x < 447 else x - 1, y)  # the next observation pixel
        assert env.step(wrong)[1] == 0.0, points[seed]


def test_dataset_commands_refuse_what_would_go_wrong(exported, tmp_path, capsys):
    from mmgym.trainers.config import ConfigError, load_config

    dataset = exported["androidcontrol", "FillForm-v0"]
    count = len(read_dataset(dataset).samples)
    # seed s plays sample s: more episodes than samples would judge some twice
    assert main(["eval", f"dataset:{dataset}", "--agent", "oracle", "--episodes", str(count + 1)]) == 2
    assert f"has {count} samples" in capsys.readouterr().err
    # without --protocol a dataset is judged by its layout's protocol, and says so
    assert main(["eval", f"dataset:{dataset}", "--agent", "oracle", "--episodes", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["protocol"] == "ui-r1"
    # select never writes over a dataset
    assert main(["select", str(dataset), "--out", str(dataset)]) == 2
    assert "is not an empty folder" in capsys.readouterr().err
    # export leaves out the steps a layout cannot hold, and says which
    assert main(["export", "FillForm-v0", "--format", "screenspot", "--episodes", "1", "--size", "320x240",
                 "--out", str(tmp_path / "grounding")]) == 0  # fmt: skip
    assert "left out" in capsys.readouterr().err
    assert {s.action.type.label for s in read_dataset(tmp_path / "grounding").samples} == {"click"}
    with pytest.raises(ConfigError, match="with a dataset only"):
        load_config(None, ["--protocol=ui-r1"])
