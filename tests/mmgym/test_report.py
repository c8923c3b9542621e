"""`mmgym report`: the page's data from hand-built run directories, and the page itself in a real
headless Chromium (curves, reward table, trajectory viewer, animation, damaged runs, untrusted text)."""

from __future__ import annotations

import argparse
import json
import re
import webbrowser
from io import BytesIO
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from PIL import Image

import mmgym  # noqa: F401  (registers the envs)
from mmgym.envs.browser.chromium import launch
from mmgym.errors import UsageError
from mmgym.report import add_report_command, read_run, script_json, spread, write_report
from mmgym.rundir import RunDir

sync_api = pytest.importorskip("playwright.sync_api")

SIZE = 112
CLICK_SEEDS = (3, 5)  # ClickElement screens with no pure red or green of their own
ENV = "mmgym/ClickElement-v0"
THINK = "The Submit button is at the bottom right."
UNTRUSTED = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


def screens(seeds) -> list[tuple[np.ndarray, dict, np.ndarray]]:
    """Each seed's first screen, its expert action, and the screen after the expert acted."""
    env = gym.make(ENV, width=SIZE, height=SIZE)
    out = []
    for seed in seeds:
        observation, info = env.reset(seed=seed)
        expert = info["expert_action"].to_dict()
        after = env.step(info["expert_action"])[0]
        out.append((observation["image"], expert, after["image"]))
    env.close()
    return out


def reply(think: str, action: dict | str) -> str:
    answer = action if isinstance(action, str) else json.dumps(action)
    return f"<think>{think}</think><answer>{answer}</answer>"


def turn(action: dict | None, expert: dict | None = None, text: str | None = None, reward: float = 0.0,
         components: dict | None = None, instruction: str = "Click 'Submit'.") -> dict:  # fmt: skip
    return {"instruction": instruction, "reply": text if text is not None else reply(THINK, action or "?"),
            "action": action, "parse_error": None if action else "no action", "expert_action": expert,
            "reward": reward, "reward_components": components or {}, "error": None}  # fmt: skip


def episode(turns: list[dict], step: int | None, seed: int, env: str = ENV, embodied: bool = False) -> dict:
    total = sum(turn["reward"] for turn in turns)
    return {"env": env, "agent": "oracle", "seed": seed, "step": step, "success": True, "return": total,
            "embodied": embodied, "turns": turns}  # fmt: skip


def page_data(report: Path) -> dict:
    """The JSON block of a written report."""
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', report.read_text())
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def shots():
    return screens((*CLICK_SEEDS, 0, 1))


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shots) -> dict[str, Path]:
    """Two training runs with partly different metrics, and an eval run with an embodied episode."""
    root = tmp_path_factory.mktemp("runs")
    a = RunDir(root / "train-a", "train", {"trainer": "grpo", "learning_rate": 1e-5})
    for step in range(1, 31):
        a.log(step, {"reward": step / 10, "success": float(step > 15), "format": 0.5, "loss": 1 / step,
                     "kl": 0.01 * step, "reward/task": float(step > 20), "reward/format": 0.5})  # fmt: skip
    for step, (image, expert, after) in zip((1, 15, 30), (shots[0], shots[1], shots[0]), strict=True):
        turns = [turn(expert, expert, reward=1.0)]
        a.save_episode(f"step_{step:04d}", episode(turns, step, 3), [image], after)
    a.close()
    b = RunDir(root / "train-b", "train", {"trainer": "ppo"})
    for step in range(1, 21):
        b.log(step, {"reward": 0.2, "success": 0.5, "loss": 2.0, "entropy": 1.5, "reward/task": 0.25})
    b.close()
    c = RunDir(root / "eval-c", "eval", {"agent": ["oracle"]})
    c.save_results([{"env": ENV, "agent": "oracle", "episodes": 2, "errors": 0, "success_rate": 1.0,
                     "mean_return": 1.0, "mean_steps": 1.5}])  # fmt: skip
    image, expert, after = shots[0]
    scroll = {"action": "scroll", "direction": "down"}
    turns = [turn(scroll, expert, components={"success": 0.0, "distance": 0.5}),
             turn(expert, expert, reward=1.0, components={"success": 1.0})]  # fmt: skip
    c.save_episode("seed_000", episode(turns, None, 3), [image, image], after)
    typed = {"action": "type", "text": "hello"}
    c.save_episode("seed_001", episode([turn(typed, None, components={"success": 1.0, "distance": 0.0})],
                                       None, 5), [shots[1][0]])  # fmt: skip
    frames = [shot[0] for shot in shots]
    moves = [turn({"action": "move", "direction": "up", "amount": 5.0}) for _ in frames]
    embodied = episode(moves, None, 2, env="mmgym/BuildTower-v0", embodied=True)
    c.save_episode("seed_002", embodied, frames, shots[3][2])
    c.close()
    return {"a": root / "train-a", "b": root / "train-b", "c": root / "eval-c"}


@pytest.fixture(scope="module")
def report(runs) -> tuple[Path, list[str]]:
    return write_report([runs["a"], runs["b"], runs["c"]])


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


class Opened:
    """A report loaded in a fresh page, its console errors and page errors collected."""

    def __init__(self, browser, report: Path):
        self.report = report
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda line: self.errors.append(line.text) if line.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(report.as_uri())
        self.wait_for_images()

    def wait_for_images(self) -> None:
        # Not wait_for_function: it evaluates a string, which the page's Content-Security-Policy forbids.
        self.page.evaluate("""Promise.all([...document.images].map((image) => image.complete || new Promise(
            (done) => { image.addEventListener('load', done); image.addEventListener('error', done); })))""")

    def images(self) -> list[dict]:
        return self.page.evaluate("[...document.images].map((image) => ({src: image.getAttribute('src'), "
                                  "complete: image.complete, width: image.naturalWidth}))")  # fmt: skip

    def pick(self, **facts) -> None:
        """Show the first episode in the list whose data has these facts."""
        index = next(index for index, shown in enumerate(page_data(self.report).get("episodes"))
                     if all(shown[key] == value for key, value in facts.items()))  # fmt: skip
        self.page.click(f"#episode-list tr.episode[data-index='{index}']")
        self.wait_for_images()


@pytest.fixture
def opened(browser):
    pages = []

    def open_report(report: Path) -> Opened:
        pages.append(Opened(browser, report))
        return pages[-1]

    yield open_report
    for each in pages:
        each.page.close()


def test_the_report_goes_beside_the_first_run_and_notes_metrics_one_run_lacks(runs, report):
    path, problems = report
    assert path == runs["a"] / "report.html"
    assert set(problems) == {
        "metric 'format' is only in run train-a; its chart shows that run alone",
        "metric 'kl' is only in run train-a; its chart shows that run alone",
        "metric 'reward/format' is only in run train-a; its chart shows that run alone",
        "metric 'entropy' is only in run train-b; its chart shows that run alone",
    }
    data = page_data(path)
    assert data["metrics"][:3] == ["reward", "success", "loss"]
    assert data["metrics"][3:] == sorted(data["metrics"][3:])
    sources = [turn["screenshot"]["src"] for shown in data["episodes"] for turn in shown["turns"]]
    assert "../eval-c/trajectories/seed_000/step_000.png" in sources  # relative to the report, not absolute
    assert "trajectories/step_0001/step_000.png" in sources


def test_the_page_loads_with_every_image_and_a_curve_per_run(opened, report):
    shown = opened(report[0])
    assert shown.errors == []
    images = shown.images()
    assert images and all(image["complete"] and image["width"] > 0 for image in images), images
    charts = shown.page.evaluate("""[...document.querySelectorAll('figure.chart')].map((chart) => [
        chart.dataset.metric,
        [...chart.querySelectorAll('path.series')].map((path) => [Number(path.dataset.run),
            Number(path.dataset.points), (path.getAttribute('d').match(/[ML]/g) || []).length])])""")
    paths = dict(charts)
    assert paths["reward"] == [[0, 30, 30], [1, 20, 20]]
    assert paths["loss"] == [[0, 30, 30], [1, 20, 20]]
    assert paths["kl"] == [[0, 30, 30]] and paths["entropy"] == [[1, 20, 20]]
    assert [name for name, _ in charts[:3]] == ["reward", "success", "loss"]
    legend = shown.page.locator("figure.chart[data-metric='kl'] .legend li").all_text_contents()
    assert legend == ["train-a"]


def test_the_component_table_has_the_means_of_the_first_and_last_ten_steps(opened, report):
    shown = opened(report[0])
    tables = shown.page.evaluate("""[...document.querySelectorAll('table.components')].map((table) =>
        [...table.querySelectorAll('tr')].map((row) => [...row.children].map((cell) => cell.textContent)))""")
    training, evaluation = tables
    assert training[0] == ["metric", "train-a · steps 1–10", "train-a · steps 21–30", "train-b · steps 1–10",
                           "train-b · steps 11–20"]  # fmt: skip
    rows = {row[0]: row[1:] for row in training[1:]}
    # reward = step / 10: (0.1 + ... + 1.0) / 10 = 0.55 and (2.1 + ... + 3.0) / 10 = 2.55
    assert rows["reward"] == ["0.550", "2.550", "0.200", "0.200"]
    assert rows["reward/task"] == ["0", "1", "0.250", "0.250"]  # 0 until step 20, 1 after
    assert rows["reward/format"] == ["0.500", "0.500", "–", "–"]
    assert rows["success"] == ["0", "1", "0.500", "0.500"]  # 1 from step 16
    assert list(rows) == ["reward", "reward/format", "reward/task", "success", "format"]
    assert evaluation[0][-2:] == ["reward/distance", "reward/success"]
    click_row = next(row for row in evaluation if row[0] == ENV)
    # per turn over the saved ClickElement episodes: distance (0.5 + 0) / 2, success (0 + 1 + 1) / 3
    assert click_row[:3] == [ENV, "oracle", "2"] and click_row[-2:] == ["0.250", "0.667"]
    assert any(row[0] == "mmgym/BuildTower-v0" for row in evaluation)  # saved, but not in results.json


def test_a_turn_shows_its_reply_and_a_red_mark_at_the_click(opened, report, shots):
    shown = opened(report[0])
    shown.pick(step=30)
    page = shown.page
    first = page.locator("#episode article.turn[data-turn='0']")
    assert first.locator("dd.think").text_content() == THINK
    expert = shots[0][1]
    assert json.loads(first.locator("dd.answer").text_content()) == expert
    assert json.loads(first.locator("dd.action").text_content()) == expert
    figure = first.locator("figure.shot")
    box = figure.bounding_box()
    image = np.asarray(Image.open(BytesIO(figure.screenshot())).convert("RGB")).astype(int)
    assert image.std() > 10  # the screenshot is drawn
    scale = box["width"] / SIZE
    assert scale == 3  # a whole factor up from 112 pixels
    point = np.array(expert["coordinate"]) + 0.5
    red = np.argwhere((image[..., 0] > 200) & (image[..., 1] < 60) & (image[..., 2] < 60))[:, ::-1]
    green = np.argwhere((image[..., 1] > 150) & (image[..., 0] < 60) & (image[..., 2] < 60))[:, ::-1]
    red_distance = np.hypot(*(red - point * scale).T)
    green_distance = np.hypot(*(green - point * scale).T)
    assert len(red) > 30 and red_distance.min() < 2  # ring and cross, through the point itself
    assert red_distance.max() < 0.06 * SIZE * scale  # and nowhere else (the arms reach 0.0585 of the width)
    assert len(green) > 10 and green_distance.max() < 0.09 * SIZE * scale  # the expert's point, around it


def test_scroll_and_type_actions_are_drawn_as_an_arrow_and_a_label(opened, report):
    shown = opened(report[0])
    shown.pick(name="seed_000")
    scroll = shown.page.locator("#episode article.turn[data-turn='0'] svg.overlay .scroll")
    assert scroll.count() == 1
    line = scroll.locator("line")
    assert line.get_attribute("x1") == line.get_attribute("x2")  # straight down
    assert float(line.get_attribute("y2")) > float(line.get_attribute("y1"))
    shown.pick(name="seed_001")
    label = shown.page.locator("#episode article.turn[data-turn='0'] svg.overlay text.label")
    assert label.text_content() == 'type "hello"'
    assert shown.errors == []


def test_an_embodied_episode_plays_as_an_animation(opened, report):
    shown = opened(report[0])
    shown.pick(name="seed_002")
    page = shown.page
    frames = page.locator("#animation")
    assert frames.get_attribute("data-frame") == "0"
    assert page.locator("#frame-label").text_content().startswith("frame 1 / 5 · turn 1: move")
    first_src = page.locator("#frame").get_attribute("src")
    page.click("#play")
    assert page.locator("#play").get_attribute("aria-pressed") == "true"
    page.locator("#animation:not([data-frame='0'])").wait_for()  # the next frame
    assert page.locator("#frame").get_attribute("src") != first_src
    page.click("#play")
    assert page.locator("#play").get_attribute("aria-pressed") == "false"
    page.locator("#frame-slider").fill("4")
    assert frames.get_attribute("data-frame") == "4"
    assert page.locator("#frame-label").text_content() == "frame 5 / 5 · final screen"
    assert page.locator("#episode article.turn[data-turn]").count() == 4  # and step by step below
    shown.wait_for_images()
    assert shown.errors == [] and all(image["width"] > 0 for image in shown.images())


def test_the_viewer_view_opens_at_the_first_episode(opened, runs, tmp_path):
    path, _ = write_report([runs["a"], runs["c"]], tmp_path / "play.html", view="viewer")
    shown = opened(path)
    page = shown.page
    assert page.evaluate("document.activeElement.matches('#episode-list tr.episode[data-index=\"0\"]')")
    assert page.locator("#episode").get_attribute("data-index") == "0"
    assert page.evaluate("document.getElementById('viewer').getBoundingClientRect().top") < 100
    page.keyboard.press("ArrowDown")
    assert page.locator("#episode").get_attribute("data-index") == "1"
    assert shown.errors == []


def test_a_damaged_run_is_reported_with_a_note_for_each_damage(opened, tmp_path, shots):
    run = RunDir(tmp_path / "run", "train", {})
    for step in (1, 2, 3):
        run.log(step, {"reward": step})
    run.close()
    with open(tmp_path / "run" / "metrics.jsonl", "a") as metrics:
        metrics.write('{"step": 4, "rew')  # killed mid-write
    image, expert, after = shots[0]
    for name in ("step_0001", "step_0002", "step_0003"):
        run.save_episode(name, episode([turn(expert, expert)] * 2, 1, 3), [image, image], after)
    (tmp_path / "run" / "trajectories" / "step_0002" / "episode.json").unlink()
    (tmp_path / "run" / "trajectories" / "step_0003" / "step_001.png").unlink()
    (tmp_path / "run" / "config.json").unlink()
    path, problems = write_report([tmp_path / "run"])
    folder = tmp_path / "run"
    assert problems == [
        f"{folder / 'config.json'} is missing",
        f"{folder / 'metrics.jsonl'} line 4 is cut short; skipped",
        f"{folder / 'trajectories/step_0002'} has no episode.json (an episode cut short); skipped",
        f"{folder / 'trajectories/step_0003/step_001.png'} is missing; the viewer shows a placeholder",
    ]
    shown = opened(path)
    assert shown.page.locator("#notes li").all_text_contents() == problems
    shown.pick(name="step_0003")
    assert shown.page.locator("#episode .placeholder").text_content() == "screenshot step_001.png is missing"
    assert shown.page.locator("figure.chart path.series").first.get_attribute("data-points") == "3"
    assert shown.errors == []
    assert all(image["complete"] and image["width"] > 0 for image in shown.images())


def test_unreadable_files_are_notes_too(tmp_path):
    (tmp_path / "run.json").write_text("{not json")
    (tmp_path / "config.json").write_text("[1, 2]")
    lines = b'{"step": 1, "reward": 1}\nnot json\n\xff\xfe\n{"step": 2, "reward": NaN}\n'
    (tmp_path / "metrics.jsonl").write_bytes(lines)
    (tmp_path / "trajectories" / "a").mkdir(parents=True)
    (tmp_path / "trajectories/a/episode.json").write_text('{"turns": [{"screenshot": "../../x.png"}]}')
    run = read_run(tmp_path)
    assert [row["step"] for row in run.metrics] == [1, 2] and run.kind == "train"
    assert len(run.problems) == 5 and all("\n" not in problem for problem in run.problems)
    assert run.problems[0].startswith(f"{tmp_path / 'run.json'} is not valid JSON")
    assert run.problems[1] == f"{tmp_path / 'config.json'} holds a JSON list, not a dict; ignored"
    assert run.problems[2:4] == [f"{tmp_path / 'metrics.jsonl'} line {line} is not a JSON object; skipped"
                                 for line in (2, 3)]  # fmt: skip
    assert "names a screenshot '../../x.png' that is not a file beside it" in run.problems[4]
    path, _ = write_report([tmp_path])
    assert page_data(path)["runs"][0]["series"]["reward"] == [1.0, None]  # NaN is no point


def test_a_directory_that_is_no_run_is_one_line_with_the_fix(tmp_path, runs):
    empty = tmp_path / "empty"
    empty.mkdir()
    for bad, what in ((empty, "is not a run directory"), (tmp_path / "nowhere", "does not exist"),
                      (runs["a"] / "metrics.jsonl", "is a file, not a run directory")):  # fmt: skip
        with pytest.raises(UsageError) as error:
            write_report([bad])
        assert what in str(error.value) and "\n" not in str(error.value)
    assert str(error.value).endswith("pass the directory that holds it")
    with pytest.raises(UsageError, match="`mmgym train`, `eval` or `play`"):
        read_run(empty)
    path, problems = write_report([empty, runs["b"]], tmp_path / "out.html")
    assert problems == [f"{empty} is not a run directory (no metrics.jsonl, results.json or trajectories/); "
                        "skipped"]  # fmt: skip
    assert path.exists()


def test_runs_of_the_same_name_get_distinct_labels(tmp_path):
    for parent in ("first", "second"):
        RunDir(tmp_path / parent / "run", "train", {}).log(1, {"reward": 1.0})
    paths = [tmp_path / "first" / "run", tmp_path / "second" / "run", tmp_path / "first" / "run"]
    path, _ = write_report(paths, tmp_path)
    assert path == tmp_path / "report.html"
    assert [run["label"] for run in page_data(path)["runs"]] == ["first/run", "second/run", "first/run (2)"]


def test_the_report_command(tmp_path, runs, capsys, monkeypatch):
    parser = argparse.ArgumentParser(prog="mmgym")
    add_report_command(parser.add_subparsers(dest="command", required=True))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(webbrowser, "open", lambda url: pytest.fail("no display: nothing to open"))
    out = tmp_path / "r.html"
    command = ["report", str(runs["a"]), str(runs["b"]), "--out", str(out), "--episodes", "1", "--open"]
    args = parser.parse_args(command)
    assert args.run(args) == 0
    printed = capsys.readouterr()
    assert printed.out.splitlines() == [str(out), out.resolve().as_uri()]
    notes = printed.err.splitlines()
    assert len(notes) == 4 and all(note.startswith("mmgym: note: metric ") for note in notes)
    assert [shown["step"] for shown in page_data(out)["episodes"]] == [1]
    args = parser.parse_args(["report", str(tmp_path / "nowhere")])
    with pytest.raises(UsageError, match="does not exist"):
        args.run(args)
    args = parser.parse_args(["report", str(runs["a"]), "--episodes", "0"])
    with pytest.raises(UsageError, match="--episodes must be at least 1"):
        args.run(args)


def test_episodes_are_spread_over_the_run_by_step():
    assert spread(list(range(100)), 5) == [0, 25, 50, 74, 99]
    assert spread([1, 2], 5) == [1, 2] and spread([1, 2, 3], 1) == [1]


def test_untrusted_text_renders_as_text_and_runs_nothing(opened, tmp_path, shots):
    run = RunDir(tmp_path / "run", "play", {})
    image = shots[0][0]
    hostile = {**turn(None, text=reply(UNTRUSTED, UNTRUSTED), instruction=UNTRUSTED), "error": UNTRUSTED}
    run.save_episode("seed_000", {**episode([hostile], None, 0), "env": UNTRUSTED}, [image])
    path, _ = write_report([tmp_path / "run"])
    assert "</script><script>window.pwned" not in path.read_text()
    assert script_json({"text": "</script>&"}) == '{"text":"\\u003c/script\\u003e\\u0026"}'
    shown = opened(path)
    page = shown.page
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], script[src]').length") == 0
    first = page.locator("#episode article.turn[data-turn='0']")
    assert first.locator("dd.think").text_content() == UNTRUSTED
    assert first.locator("dd.answer").text_content() == UNTRUSTED
    assert first.locator("dd.error").text_content() == UNTRUSTED
    assert page.locator("#episode .instruction").text_content() == UNTRUSTED
    assert page.locator("#episode-list tr.episode td").nth(2).text_content() == UNTRUSTED
    assert shown.errors == []


def write_long_run(path: Path, image: np.ndarray, steps: int = 1000, every: int = 10) -> None:
    """A training run of ``steps`` metrics lines of 20 metrics, and two 3-turn episodes saved every
    ``every`` steps."""
    run = RunDir(path, "train", {"trainer": "grpo"})
    names = ["reward", "success", "format", "loss", "kl", "entropy", "clip_fraction", "grad_norm",
             "rollout_tokens_per_second", "seconds", "reward/task", "reward/format", "reward/action_type",
             "reward/coordinate", "advantage_std", "reply_tokens", "learning_rate", "invalid_reply_rate",
             "ratio_mean", "episodes_per_second"]  # fmt: skip
    rng = np.random.default_rng(0)
    lines = [json.dumps({"step": step, **dict(zip(names, rng.random(len(names)).tolist(), strict=True))})
             for step in range(1, steps + 1)]  # fmt: skip
    (path / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    click = {"action": "click", "coordinate": [10, 20]}
    for step in range(every, steps + 1, every):
        for index in range(2):
            turns = [turn(click, click, reward=0.5, components={"task": 0.5}) for _ in range(3)]
            run.save_episode(f"step_{step:06d}_{index}", episode(turns, step, index), [image] * 3, image)


def test_a_thousand_step_run_makes_a_small_report(opened, tmp_path, shots):
    write_long_run(tmp_path / "long", shots[0][0])
    path, problems = write_report([tmp_path / "long"])
    assert problems == []
    assert path.stat().st_size < 3 * 2**20
    data = page_data(path)
    steps = [shown["step"] for shown in data["episodes"]]
    assert len(steps) == 40 and steps[0] == 10 and steps[-1] == 1000 and steps == sorted(steps)
    shown = opened(path)
    assert shown.page.locator("figure.chart").count() == 20
    reward = shown.page.locator("figure.chart[data-metric='reward'] path.series")
    assert reward.get_attribute("data-points") == "1000"
    assert shown.errors == []


# End to end: the run directories `mmgym play`, `eval` and `train` write, drawn by `mmgym report`.


def test_play_report_opens_on_the_viewer_with_the_clicks_marked(tmp_path, monkeypatch, capsys, opened):
    from mmgym.cli import main

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(webbrowser, "open", lambda url: pytest.fail("opened a browser without a display"))
    assert main(["play", "ClickElement-v0", "--episodes", "2", "--out", str(tmp_path), "--report"]) == 0
    captured = capsys.readouterr()
    assert f"report: {tmp_path / 'report.html'}" in captured.err
    assert (tmp_path / "report.html").as_uri() in captured.out
    data = page_data(tmp_path / "report.html")
    assert data["view"] == "viewer" and len(data["episodes"]) == 2
    shown = opened(tmp_path / "report.html")
    assert shown.errors == [] and all(image["complete"] and image["width"] > 0 for image in shown.images())
    clicks = sum(turn["action"]["type"] == "click" for turn in data["episodes"][0]["turns"])
    assert clicks >= 1 and shown.page.locator("#episode g.mark.click").count() == clicks


def test_eval_run_report_has_its_results_and_episodes(tmp_path, capsys):
    from mmgym.cli import main

    out = tmp_path / "eval"
    assert main(["eval", "ClickShape-v0", "--agent", "oracle", "random", "--episodes", "3",
                 "--trajectories", "2", "--out", str(out), "--json"]) == 0  # fmt: skip
    assert main(["report", str(out)]) == 0
    run = read_run(out)
    assert [(row["agent"], row["episodes"]) for row in run.results] == [("oracle", 3), ("random", 3)]
    saved = sorted((e["agent"], e["seed"]) for e in run.episodes)
    assert saved == [("oracle", 0), ("oracle", 1), ("random", 0), ("random", 1)]
    assert run.problems == [] and capsys.readouterr().out.strip().endswith(str(out / "report.html"))


def test_report_of_something_else_is_one_line(tmp_path, capsys):
    from mmgym.cli import main

    (tmp_path / "notes.txt").write_text("hello")
    assert main(["report", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"mmgym: error: {tmp_path} is not a run directory") and "\n" not in error


@pytest.mark.slow
def test_a_training_run_killed_mid_write_still_reports(tiny_model, tmp_path, capsys, opened):
    """SIGKILL a real `mmgym train` while it writes metrics, trajectories and checkpoints: every file
    in its run directory reads whole, and the report is drawn from what is there."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from mmgym.cli import main

    config = Path(__file__).resolve().parents[2] / "configs" / "demo-grpo.yaml"
    out = tmp_path / "run"
    train = subprocess.Popen([sys.executable, "-m", "mmgym.cli", "train", str(config),
                              f"--model={tiny_model}", f"--output_dir={out}", "--steps=500",
                              "--episodes_per_step=4", "--group_size=2", "--max_new_tokens=8",
                              "--trajectories_every=1", "--save_every=1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(_lines(out / "metrics.jsonl")) < 4:
            time.sleep(0.05)
        assert train.poll() is None, "training ended before it was killed"
        os.kill(train.pid, signal.SIGKILL)
    finally:
        train.kill()
        train.wait()
    lines = _lines(out / "metrics.jsonl")
    assert len(lines) >= 4 and all(json.loads(line)["step"] for line in lines[:-1])
    for file in out.rglob("*.json"):
        json.loads(file.read_text())  # whole, never half written
    assert (out / "checkpoint" / "trainer.pt").is_file() or (out / "checkpoint.old" / "trainer.pt").is_file()
    assert main(["report", str(out)]) == 0
    run = read_run(out)
    assert len(run.metrics) >= len(lines) - 1 and len(run.episodes) >= 3
    shown = opened(out / "report.html")
    assert shown.errors == [] and all(image["complete"] and image["width"] > 0 for image in shown.images())
    assert shown.page.locator("figure.chart[data-metric='reward'] path.series").count() == 1


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_embodied_eval_saves_episodes_the_report_animates(tmp_path, opened):
    from mmgym.cli import main

    out = tmp_path / "eval"
    assert main(["eval", "ReachTarget-v0", "--agent", "oracle", "--episodes", "2", "--trajectories", "1",
                 "--out", str(out), "--json"]) == 0  # fmt: skip
    [row] = json.loads((out / "results.json").read_text())
    [episode] = read_run(out).episodes
    assert episode["embodied"] and episode["seed"] == 0 and episode["final"]["file"]
    assert sum(turn["reward"] for turn in episode["turns"]) == pytest.approx(episode["return"])
    assert row["success_rate"] == 1.0 and episode["success"]
    assert main(["report", str(out)]) == 0
    shown = opened(out / "report.html")
    shown.page.click("#episode-list tr.episode[data-index='0']")
    frames = len(episode["turns"]) + 1
    assert shown.page.locator("#frame-slider").get_attribute("max") == str(frames - 1)
    assert shown.errors == []
