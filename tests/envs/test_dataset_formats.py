"""Dataset layouts: exact round trips, known answers on rows in each published shape, bad rows and
layout detection."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import gymnasium as gym
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

import mmgym  # noqa: F401  (registers the envs)
from mmgym.envs.actions import Action, Direction
from mmgym.envs.datasets.formats import FORMATS, detect_format, read_dataset, write_dataset
from mmgym.envs.datasets.samples import GuiSample, RowError


def _blank(path: Path, size: tuple[int, int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, "white").save(path)
    return path


def _png_bytes(size: tuple[int, int], colour: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _json(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


# Round trips on synthetic screenshots.
@pytest.fixture(scope="module")
def screens(tmp_path_factory) -> list[tuple[Path, str, Action, tuple]]:
    """Three ClickElement screens: (image file, instruction, expert click, its target box)."""
    folder = tmp_path_factory.mktemp("screens")
    env = gym.make("mmgym/ClickElement-v0", width=224, height=224)
    found = []
    for seed in range(3):
        obs, info = env.reset(seed=seed)
        path = folder / f"screen{seed}.png"
        Image.fromarray(obs["image"]).save(path)
        found.append((path, obs["instruction"], info["expert_action"], tuple(info["target_box"])))
    env.close()
    return found


def _samples(screens, kinds: list[str]) -> list[GuiSample]:
    """One sample per kind, cycling over the screens."""
    made = []
    for number, kind in enumerate(kinds):
        image, instruction, click, box = screens[number % len(screens)]
        x, y = click.point
        history: tuple[str, ...] = ()
        if kind.endswith("+history"):
            kind, history = kind.removesuffix("+history"), ("Open the app", "Tap 'Settings'")
        action, target = {
            "click": (click, box),
            "click-point": (Action.click(x + 1, y), None),
            "long_press": (Action.long_press(x, y), box),
            "long_press-point": (Action.long_press(3, 220), None),
            "scroll": (Action.scroll("down"), None),
            "scroll-point": (Action.scroll(Direction.LEFT, (100, 150)), None),
            "type": (Action.type_text("hello world"), None),
            "type-empty": (Action.type_text(""), None),
            "enter": (Action.press_key("enter"), None),
            "back": (Action.back(), None),
            "home": (Action.home(), None),
            "open_app": (Action.open_app("Clock"), None),
            "wait": (Action.wait(), None),
            "finish": (Action.finish("$12.50"), None),
            "finish-empty": (Action.finish(), None),
        }[kind]
        made.append(GuiSample(image, instruction, action, target, history, source=f"case {number} {kind}"))
    return made


HELD = {
    "ui-r1": ["click", "click+history", "scroll", "scroll-point", "type", "type-empty", "open_app", "back"],
    "gui-r1": [
        "click", "click-point+history", "long_press", "long_press-point", "scroll", "scroll-point",
        "type+history", "type-empty", "enter", "back", "home", "open_app", "wait", "finish",
        "finish-empty",
    ],
    "screenspot": ["click", "click", "click"],
    "androidcontrol": [
        "click", "click-point+history", "long_press", "long_press-point", "scroll", "scroll-point",
        "type", "type-empty+history", "back", "home", "open_app", "wait",
    ],
}  # fmt: skip


def _but_image(samples: list[GuiSample]) -> list[GuiSample]:
    return [dataclasses.replace(s, image=Path("-")) for s in samples]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_is_exact(fmt, screens, tmp_path):
    samples = _samples(screens, HELD[fmt])
    main = write_dataset(samples, tmp_path / "out", fmt)
    loaded = read_dataset(main, fmt)
    assert loaded.skipped == []
    assert _but_image(loaded.samples) == _but_image(samples)
    for got, sent in zip(loaded.samples, samples, strict=True):
        assert got.image.is_file() and got.image.read_bytes() == sent.image.read_bytes()
    # Detected from the rows, from the folder as well as from the file.
    assert _but_image(read_dataset(tmp_path / "out").samples) == _but_image(samples)


def test_a_sample_without_a_source_reads_back_with_its_file_and_row(screens, tmp_path):
    image, instruction, click, box = screens[0]
    main = write_dataset([GuiSample(image, instruction, click, box)], tmp_path, "androidcontrol")
    assert read_dataset(main).samples[0].source == f"{main}:1"


def test_round_trip_copies_each_image_once(screens, tmp_path):
    write_dataset(_samples(screens, ["click"] * 6), tmp_path, "ui-r1")
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == [f"screen{i}.png" for i in range(3)]


def test_same_file_names_from_different_folders_stay_apart(screens, tmp_path):
    image, instruction, click, box = screens[0]
    other = _blank(tmp_path / "elsewhere" / image.name, (224, 224))
    samples = [GuiSample(image, instruction, click, box), GuiSample(other, instruction, click, box)]
    loaded = read_dataset(write_dataset(samples, tmp_path / "out", "screenspot"))
    assert [s.image.read_bytes() for s in loaded.samples] == [image.read_bytes(), other.read_bytes()]


@pytest.mark.parametrize(
    ("fmt", "kind", "why"),
    [
        ("screenspot", "scroll", "holds only clicks"),
        ("screenspot", "click-point", "has none"),
        ("screenspot", "click+history", "history"),
        ("ui-r1", "long_press", "no long_press"),
        ("ui-r1", "click-point", "has none"),
        ("gui-r1", "finish", None),  # held: the control case
        ("androidcontrol", "finish", "no finish"),
        ("androidcontrol", "enter", "no key"),
    ],
)
def test_a_sample_the_layout_cannot_hold_is_refused_by_name(fmt, kind, why, screens, tmp_path):
    sample = _samples(screens, [kind])[0]
    if why is None:
        write_dataset([sample], tmp_path, fmt)
        return
    with pytest.raises(ValueError, match=why) as raised:
        write_dataset([sample], tmp_path / "out", fmt)
    assert sample.source in str(raised.value)
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_click_off_its_box_centre_is_refused(screens, tmp_path):
    image, instruction, click, box = screens[0]
    sample = GuiSample(image, instruction, Action.click(box[0], box[1]), box, source="corner")
    for fmt in ("ui-r1", "gui-r1", "screenspot"):
        with pytest.raises(ValueError, match="corner.*not the centre"):
            write_dataset([sample], tmp_path / fmt, fmt)
    loaded = read_dataset(write_dataset([sample], tmp_path / "ac", "androidcontrol"))  # keeps both
    assert loaded.samples[0].action == sample.action and loaded.samples[0].box == box


def test_gui_r1_refuses_keys_but_enter_and_its_no_text_marker(screens, tmp_path):
    image, instruction, _, _ = screens[0]
    with pytest.raises(ValueError, match="'tab'"):
        write_dataset([GuiSample(image, instruction, Action.press_key("tab"))], tmp_path, "gui-r1")
    with pytest.raises(ValueError, match="no input text"):
        write_dataset([GuiSample(image, instruction, Action.type_text("no input text"))], tmp_path, "gui-r1")


# Known answers on rows in the published shapes.
def test_ui_r1_known_answers(tmp_path):
    _blank(tmp_path / "images" / "image1.png", (1920, 1080))
    _blank(tmp_path / "images" / "image2.png", (1080, 2400))
    path = _json(
        tmp_path / "test.json",
        [  # the README's example, then UI-R1's non-click rows with AndroidControl's argument keys
            {"img_filename": "image1.png", "bbox": [825, 72, 1673, 149], "instruction": "search bar"},
            {
                "img_filename": "image2.png",
                "instruction": "open Etsy",
                "action": "open_app",
                "app_name": "Etsy",
            },
            {
                "img_filename": "image2.png",
                "instruction": "scroll up",
                "action": "scroll",
                "direction": "down",
            },
            {"img_filename": "image2.png", "instruction": "go back", "action": "navigate_back"},
        ],
    )
    loaded = read_dataset(path)
    assert loaded.skipped == [] and loaded.variants == {str(path): "ui-r1"}
    first = loaded.samples[0]
    assert first.box == (825, 72, 1673, 149)
    assert first.action == Action.click(1248, 110)  # ((825 + 1673 - 1) // 2, (72 + 149 - 1) // 2)
    assert first.image == tmp_path / "images" / "image1.png"
    assert first.source == f"{path}:1"
    assert [s.action for s in loaded.samples[1:]] == [
        Action.open_app("Etsy"),
        Action.scroll("down"),
        Action.back(),
    ]
    assert all(s.box is None and s.history == () for s in loaded.samples[1:])


def _gui_r1_parquet(path: Path, rows: list[dict]) -> Path:
    defaults = {
        "history": " \nNone\n",
        "gt_input_text": "no input text",
        "group": "android",
        "task_type": "high",
    }
    pq.write_table(
        pa.Table.from_pylist([{**defaults, **row, "ui_type": row["gt_action"]} for row in rows]), path
    )
    return path


def test_gui_r1_known_answers_in_0_1_coordinates(tmp_path):
    phone = {"bytes": _png_bytes((1080, 2400)), "path": "step.png"}
    history = " \nStep 1: Open The CNN News app.\nStep 2: Click on the first article on the screen.\n\n"
    path = _gui_r1_parquet(
        tmp_path / "train.parquet",
        [
            {"image": phone, "instruction": "Open menu", "gt_action": "click", "gt_bbox": [0.25, 0.5]},
            {"image": phone, "instruction": "Save", "gt_action": "click", "gt_bbox": [0.1, 0.2, 0.3, 0.4]},
            {"image": phone, "instruction": "Read the article", "history": history, "gt_action": "scroll",
             "gt_bbox": [-100, -100], "gt_input_text": "DOWN"},
            {"image": phone, "instruction": "Search sofas", "gt_action": "type", "gt_bbox": [-100, -100],
             "gt_input_text": "Sofa"},
        ],
    )  # fmt: skip
    loaded = read_dataset(path)
    assert loaded.skipped == [] and loaded.variants == {str(path): "gui-r1 (0-1 coordinates)"}
    point, boxed, scroll, typed = loaded.samples
    assert point.action == Action.click(270, 1200) and point.box is None
    assert boxed.box == (108, 480, 324, 960) and boxed.action == Action.click(215, 719)
    assert scroll.action == Action.scroll("down")
    assert scroll.history == ("Open The CNN News app.", "Click on the first article on the screen.")
    assert typed.action == Action.type_text("Sofa") and typed.history == ()
    # The embedded screenshot is unpacked once, beside the dataset.
    cached = list((tmp_path / ".mmgym-images").iterdir())
    assert len(cached) == 1 and {s.image for s in loaded.samples} == {cached[0]}
    assert Image.open(cached[0]).size == (1080, 2400)


def test_gui_r1_known_answers_in_pixels(tmp_path):
    phone = {"bytes": _png_bytes((1080, 2400)), "path": None}
    path = _gui_r1_parquet(
        tmp_path / "androidcontrol_high_test.parquet",
        [
            {"image": phone, "instruction": "Restore", "gt_action": "click", "gt_bbox": [205, 652]},
            {"image": phone, "instruction": "Share", "gt_action": "long_press", "gt_bbox": [116, 652]},
            {"image": phone, "instruction": "Convert", "gt_action": "press_back", "gt_bbox": [-100, -100]},
            {"image": phone, "instruction": "Find locks", "gt_action": "open_app", "gt_bbox": [-100, -100],
             "gt_input_text": "Etsy"},
        ],
    )  # fmt: skip
    loaded = read_dataset(path, "gui-r1")
    assert loaded.variants == {str(path): "gui-r1 (pixel coordinates)"}
    assert [s.action for s in loaded.samples] == [
        Action.click(205, 652),
        Action.long_press(116, 652),
        Action.back(),
        Action.open_app("Etsy"),
    ]


def test_screenspot_v1_and_v2_known_answers(tmp_path):
    _blank(tmp_path / "screenspot_imgs" / "mobile_1.png", (750, 1334))
    _blank(tmp_path / "screenspot_imgs" / "web_2.png", (1280, 720))
    v1 = _json(
        tmp_path / "screenspot_mobile.json",
        [
            {"img_filename": "mobile_1.png", "bbox": [100, 200, 50, 20], "instruction": "close the ad",
             "data_type": "icon", "data_source": "ios"},
            {"img_filename": "mobile_1.png", "bbox": [0, 0, 750, 1334], "instruction": "the whole screen",
             "data_type": "text", "data_source": "ios"},
        ],
    )  # fmt: skip
    v2 = _json(
        tmp_path / "screenspot_web_v2.json",
        [{"img_filename": "web_2.png", "bbox": [42, 102, 197, 70], "instruction": "view the details",
          "data_type": "text", "data_source": "shop"}],
    )  # fmt: skip
    loaded = read_dataset(tmp_path)  # a folder of annotation files
    assert loaded.skipped == []
    assert loaded.variants == {str(v1): "screenspot-v1", str(v2): "screenspot-v2"}
    assert [(s.box, s.action) for s in loaded.samples] == [
        ((100, 200, 150, 220), Action.click(124, 209)),  # [x, y, w, h] -> (x, y, x + w, y + h)
        ((0, 0, 750, 1334), Action.click(374, 666)),
        ((42, 102, 239, 172), Action.click(140, 136)),
    ]


def test_screenspot_pro_known_answers(tmp_path):
    _blank(tmp_path / "images" / "pycharm_mac" / "shot_1.png", (3840, 2160))
    pro = _json(
        tmp_path / "annotations" / "pycharm_macos.json",
        [
            {"img_filename": "pycharm_mac/shot_1.png", "bbox": [300, 400, 340, 430],
             "instruction": "run the tests", "instruction_cn": "运行测试", "id": "pycharm_mac_0",
             "application": "pycharm", "platform": "macos", "img_size": [3840, 2160], "ui_type": "icon",
             "group": "Dev"},
            {"img_filename": "pycharm_mac/shot_1.png", "bbox": [10, 10, 20, 20], "instruction": "resized",
             "img_size": [1920, 1080], "ui_type": "icon", "group": "Dev"},
        ],
    )  # fmt: skip
    loaded = read_dataset(tmp_path)  # finds annotations/ and the images/ beside it
    assert loaded.variants == {str(pro): "screenspot-pro"}
    (sample,) = loaded.samples
    assert sample.box == (300, 400, 340, 430) and sample.action == Action.click(319, 414)
    assert sample.instruction == "run the tests"
    assert loaded.skipped == [f"{pro}:2: img_size [1920, 1080] differs from the image's 3840x2160"]


def test_androidcontrol_known_answers(tmp_path):
    for name in (
        "episode_140-screenshot_2.png",
        "episode_1464-screenshot_2.png",
        "episode_140-screenshot_0.png",
    ):
        _blank(tmp_path / "images" / name, (1080, 2400))
    uir1_eval = _json(
        tmp_path / "ac_test.json",
        [  # UI-R1's AndroidControl eval rows: image, gt (the action), task (the step instruction)
            {"image": "episode_140-screenshot_2.png", "gt": {"action_type": "click", "x": 1027, "y": 209},
             "task": "Click on the more options icon at the top right corner of the screen."},
            {"image": "episode_1464-screenshot_2.png", "gt": {"action_type": "scroll", "direction": "down"},
             "task": "Scroll up on the screen to read the whole article."},
            {"image": "episode_140-screenshot_0.png",
             "gt": {"action_type": "open_app", "app_name": "PocketBook"}, "task": "open the PocketBook app."},
        ],
    )  # fmt: skip
    loaded = read_dataset(uir1_eval)
    assert loaded.skipped == [] and loaded.variants == {str(uir1_eval): "androidcontrol"}
    assert [s.action for s in loaded.samples] == [
        Action.click(1027, 209),
        Action.scroll("down"),
        Action.open_app("PocketBook"),
    ]
    assert (
        loaded.samples[0].instruction
        == "Click on the more options icon at the top right corner of the screen."
    )

    steps = tmp_path / "steps.jsonl"
    rows = [
        {"episode_id": 140, "image": "episode_140-screenshot_2.png", "goal": "Share the book with Natalie",
         "step_instruction": "Type her address", "history": ["open the PocketBook app.", "Click on share"],
         "action": {"action_type": "input_text", "text": "natalie.larson1998@gmail.com"}},
        {"episode_id": 140, "image": "episode_140-screenshot_2.png", "goal": "Share the book with Natalie",
         "action": {"action_type": "type", "x": 10, "y": 10, "text": "hi"}},
    ]  # fmt: skip
    steps.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    loaded = read_dataset(steps, "androidcontrol")
    (typed,) = loaded.samples
    assert typed.instruction == "Share the book with Natalie"  # the goal: the high-level setting
    assert typed.history == ("open the PocketBook app.", "Click on share")
    assert typed.action == Action.type_text("natalie.larson1998@gmail.com")
    assert loaded.skipped == [
        f"{steps}:2: action type 'type' (click, type and press enter) has no single mmgym action"
    ]


# Bad rows.
def _bad_rows_file(folder: Path) -> tuple[Path, dict[int, str]]:
    """An AndroidControl step file with a bad row of each kind, and the reason expected per row."""
    _blank(folder / "images" / "ok.png", (100, 200))
    good = {"image": "ok.png", "goal": "go", "action": {"action_type": "click", "x": 5, "y": 6}}
    lines = [
        json.dumps(good),
        json.dumps({**good, "image": "gone.png"}),
        '{"image": "ok.png", "goal": "go", "action": {"action_type": "click", ',
        json.dumps({**good, "action": {"action_type": "swipe", "direction": "up"}}),
        json.dumps({**good, "action": {"action_type": "click", "x": 100, "y": 6}}),
        json.dumps({**good, "action": {"action_type": "click", "x": 5}}),
        json.dumps({**good, "bbox": [10, 10, 300, 20]}),
        json.dumps({**good, "bbox": [50, 10, 40, 20]}),
        "",
        json.dumps({**good, "goal": "go again"}),
    ]
    path = folder / "steps.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reasons = {
        2: "image file 'gone.png' not found",
        3: "malformed JSON line",
        4: "unknown action type 'swipe'",
        5: "point (100, 6) is outside the 100x200 image",
        6: "missing field 'y'",
        7: "box [10, 10, 300, 20] is outside the 100x200 image",
        8: "box [50, 10, 40, 20] is inverted or empty",
    }
    return path, reasons


def test_bad_rows_are_skipped_by_file_and_row(tmp_path):
    path, reasons = _bad_rows_file(tmp_path)
    loaded = read_dataset(path)
    assert [s.instruction for s in loaded.samples] == ["go", "go again"]
    assert [s.source for s in loaded.samples] == [f"{path}:1", f"{path}:10"]  # blank line 9 still counts
    assert len(loaded.skipped) == len(reasons)
    for line, (number, reason) in zip(loaded.skipped, sorted(reasons.items()), strict=True):
        assert line.startswith(f"{path}:{number}: {reason}"), line


def test_reject_raises_the_first_bad_row(tmp_path):
    path, _ = _bad_rows_file(tmp_path)
    first_skipped = read_dataset(path).skipped[0]
    with pytest.raises(RowError) as raised:
        read_dataset(path, on_bad="reject")
    assert str(raised.value) == first_skipped


def test_unreadable_image_is_a_bad_row(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not a png")
    _blank(tmp_path / "fine.png", (50, 50))
    path = _json(
        tmp_path / "rows.json",
        [
            {"img_filename": "broken.png", "bbox": [1, 1, 5, 5], "instruction": "a"},
            {"img_filename": "fine.png", "bbox": [1, 1, 5, 5], "instruction": "b"},
        ],
    )
    loaded = read_dataset(path, "ui-r1")
    assert [s.instruction for s in loaded.samples] == ["b"]
    assert loaded.skipped[0].startswith(f"{path}:1: cannot read image broken.png")


def test_gui_r1_bad_rows(tmp_path):
    phone = {"bytes": _png_bytes((100, 100)), "path": "p.png"}
    path = _gui_r1_parquet(
        tmp_path / "train.parquet",
        [
            {"image": phone, "instruction": "a", "gt_action": "click", "gt_bbox": [0.5, 0.5]},
            {"image": phone, "instruction": "b", "gt_action": "select", "gt_bbox": [-100, -100]},
            {"image": phone, "instruction": "c", "gt_action": "click", "gt_bbox": [0.5, 0.4, 0.2, 0.6]},
            {"image": phone, "instruction": "d", "gt_action": "click", "gt_bbox": [-100, -100]},
        ],
    )
    loaded = read_dataset(path)
    assert [s.instruction for s in loaded.samples] == ["a"]
    assert loaded.skipped == [
        f"{path}:2: unknown action type 'select'; expected one of click, long_press, type, scroll, open_app, "
        "press_back, press_home, wait, complete, enter",
        f"{path}:3: box [50, 40, 20, 60] is inverted or empty",
        f"{path}:4: a click needs a point or box in 'gt_bbox'",
    ]


# Detection.
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_written_layout_is_detected(fmt, screens, tmp_path):
    main = write_dataset(_samples(screens, HELD[fmt][:2]), tmp_path, fmt)
    assert detect_format(main) == fmt


def test_undetectable_layout_says_what_to_pass(tmp_path):
    path = _json(tmp_path / "odd.json", [{"picture": "a.png", "label": 3}])
    with pytest.raises(ValueError, match=r"cannot tell the layout .*keys: label, picture.*pass format="):
        read_dataset(path)
    with pytest.raises(ValueError, match="no readable row"):
        read_dataset(_json(tmp_path / "empty" / "rows.json", []))


def test_usage_errors(screens, tmp_path):
    with pytest.raises(ValueError, match="unknown dataset format 'rico'"):
        read_dataset(tmp_path, "rico")
    with pytest.raises(ValueError, match="unknown dataset format"):
        write_dataset([], tmp_path, "rico")
    with pytest.raises(ValueError, match="on_bad"):
        read_dataset(tmp_path, "ui-r1", on_bad="ignore")
    with pytest.raises(FileNotFoundError):
        read_dataset(tmp_path / "nothing")
    samples = _samples(screens, ["click"])
    write_dataset(samples, tmp_path / "two", "ui-r1")
    write_dataset(samples, tmp_path / "two", "androidcontrol")
    with pytest.raises(ValueError, match="holds 2 data files"):
        read_dataset(tmp_path / "two")


def test_hostile_rows_are_bad_rows_not_crashes(tmp_path):
    """Rows a careless or hostile file holds: each is one skipped line, the good row still loads."""
    _blank(tmp_path / "fine.png", (50, 50))
    path = _json(tmp_path / "rows.json", [
        {"img_filename": "fine.png", "bbox": [1, 1, 10**400, 5], "instruction": "huge"},
        {"img_filename": "x" * 5000 + ".png", "bbox": [1, 1, 5, 5], "instruction": "long name"},
        {"img_filename": "fine.png", "bbox": [1, 1, 5, 5], "instruction": "  "},
        {"img_filename": "fine.png", "bbox": [1, 1, 5, 5], "action": None, "instruction": "null action"},
        {"img_filename": "fine.png", "bbox": None, "action": "navigate_back", "instruction": "null box"},
    ])  # fmt: skip
    loaded = read_dataset(path, "ui-r1")
    assert [s.instruction for s in loaded.samples] == ["null action", "null box"]
    assert [line.split(": ", 1)[1] for line in loaded.skipped] == [
        "bbox has a number that is not finite",
        f"image file {'x' * 5000 + '.png'!r} not found beside the data file or in its image folders",
        "the instruction is empty",
    ]


def test_an_embedded_image_that_is_not_bytes_is_a_bad_row(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\ufeff" + json.dumps({"image": {"bytes": "abc", "path": "p.png"}, "instruction": "a",
                                           "gt_action": "click", "gt_bbox": [0.5, 0.5]}) + "\n")  # fmt: skip
    loaded = read_dataset(path, "gui-r1")  # (a byte-order mark first, as some editors write)
    assert loaded.samples == [] and "not bytes" in loaded.skipped[0]


def test_one_gui_r1_value_past_1_does_not_turn_a_0_1_file_into_pixels(tmp_path):
    phone = {"bytes": _png_bytes((100, 100)), "path": "p.png"}
    rows = [{"image": phone, "instruction": f"{i}", "gt_action": "click", "gt_bbox": [0.5, 0.5]}
            for i in range(3)]  # fmt: skip
    rows.append({"image": phone, "instruction": "past", "gt_action": "click", "gt_bbox": [0.5, 1.02]})
    loaded = read_dataset(_gui_r1_parquet(tmp_path / "train.parquet", rows), "gui-r1")
    assert [s.action.point for s in loaded.samples] == [(50, 50)] * 3
    assert len(loaded.skipped) == 1 and "outside" in loaded.skipped[0]
