"""Readers and exporters for the published layouts of GUI-agent datasets.

Each layout turns its rows into :class:`GuiSample` values, points and boxes in pixels of the row's
own screenshot, and writes them back so that reading what was written gives the same samples up to
the image path. A layout that cannot hold a sample (ScreenSpot holds only clicks on a box, UI-R1 no
long press, AndroidControl no ``finish``) makes the exporter raise ``ValueError`` naming that sample.
What a published layout has no key for is written under the key of the layout it was derived from
(AndroidControl's ``direction``, ``text``, ``app_name``, ``x``, ``y`` and ``history`` in UI-R1 rows),
and a sample's ``source`` under ``mmgym_source``; a row without one gets ``"file:row"`` as source.

==================  ============================================  ==================================
format              rows                                          coordinates
==================  ============================================  ==================================
``ui-r1``           JSON list: img_filename, instruction,         bbox ``[x1, y1, x2, y2]`` pixels
                    action, bbox (clicks)
``gui-r1``          parquet (or JSON): image (embedded bytes),    gt_bbox ``[x, y]`` or
                    instruction, history, gt_action, gt_bbox,     ``[x1, y1, x2, y2]``, 0-1 or pixels
                    gt_input_text
``screenspot``      JSON list: img_filename, bbox, instruction    v1/v2 ``[x, y, w, h]``, Pro
                    (+ data_type / img_size)                      ``[x1, y1, x2, y2]``, pixels
``androidcontrol``  JSONL: image, goal, action {action_type, x,   x, y pixels
                    y, direction, text, app_name}, history
==================  ============================================  ==================================

Where a layout stores a click as a box only, the click is the box's centre pixel: the middle of the
pixel columns and rows the box covers, rounding down, ``((floor(x1) + ceil(x2) - 1) // 2, ...)``
with the far edges exclusive, as ScreenSpot's ``x + w`` is; for a box of whole pixels this is
:attr:`mmgym.envs.gui.screen.Box.center`, so a synthetic screen's clicks survive the round trip.

Images named by a row are looked up beside the data file, then in the folders of
:data:`IMAGE_FOLDERS` beside it or beside its parent (ScreenSpot-Pro keeps ``annotations/`` and
``images/`` side by side). Images embedded in parquet are written once to ``.mmgym-images/`` beside
the data file. Image sizes come from the file headers (:func:`PIL.Image.open`).

Example:
    >>> loaded = read_dataset("ScreenSpot-Pro/annotations")  # doctest: +SKIP
    >>> loaded.samples[0].action, loaded.skipped[:1], loaded.variants  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from mmgym.envs.actions import Action, ActionType, Direction
from mmgym.envs.coordinates import Coordinates
from mmgym.envs.datasets.samples import GuiSample, RowError

FORMATS: tuple[str, ...] = ("ui-r1", "gui-r1", "screenspot", "androidcontrol")

#: Folders, beside a data file or beside its parent, where published layouts keep their images:
#: the UI-R1 README's ``images/``, UI-R1-3B-Train's ``train_imgs/``, SeeClick's ``screenspot_imgs/``,
#: OS-Atlas's ``screenspotv2_image/`` and ScreenSpot-Pro's ``images/``.
IMAGE_FOLDERS = ("images", "imgs", "train_imgs", "test_imgs", "screenspot_imgs", "screenspotv2_image")
CACHE_FOLDER = ".mmgym-images"
SOURCE_KEY = "mmgym_source"
DATA_SUFFIXES = (".json", ".jsonl", ".parquet")

Box = tuple[float, float, float, float]


@dataclass
class Loaded:
    """What :func:`read_dataset` found.

    Attributes:
        samples: the rows that became samples, in file and row order.
        skipped: one ``"file:row: why"`` line per row that did not (rows count from 1).
        format: the layout read, one of :data:`FORMATS`.
        variants: for each data file read, the layout variant found in it, e.g.
            ``"screenspot-pro"`` or ``"gui-r1 (0-1 coordinates)"``.
    """

    samples: list[GuiSample]
    skipped: list[str]
    format: str = ""
    variants: dict[str, str] = field(default_factory=dict)


class _BadRow(Exception):
    """A row that cannot become a sample; the message says why, the caller adds file and row."""


class _CannotHold(Exception):
    """A sample a layout cannot hold; the message says why, the caller names the sample."""


# Rows of a data file.
def _rows(path: Path, columns: list[str] | None = None) -> Iterator[tuple[int, dict | _BadRow]]:
    """``(row number from 1, row or why it is unreadable)`` for each row of ``path``; ``columns``
    limits a parquet file's columns to save reading its images."""
    if path.suffix == ".parquet":
        yield from _parquet_rows(path, columns)
        return
    text = path.read_text(encoding="utf-8-sig")  # (a byte-order mark, as some editors write, is dropped)
    if not text.lstrip().startswith("["):  # JSON Lines, whatever the suffix (GUI-R1 writes .json ones)
        yield from _line_rows(text)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path} is not valid JSON ({error}); fix the file or save it as JSON Lines"
        ) from None
    for number, row in enumerate(data, start=1):
        yield number, _as_row(row)


def _line_rows(text: str) -> Iterator[tuple[int, dict | _BadRow]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, _BadRow(f"malformed JSON line: {error.msg} (column {error.colno})")
        else:
            yield number, _as_row(row)


def _parquet_rows(path: Path, columns: list[str] | None) -> Iterator[tuple[int, dict | _BadRow]]:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path)
    if columns is not None:  # only those the file has
        columns = [name for name in columns if name in table.schema_arrow.names]
    number = 0
    for batch in table.iter_batches(batch_size=64, columns=columns):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def _as_row(row: Any) -> dict | _BadRow:
    return row if isinstance(row, dict) else _BadRow(f"the row is a JSON {type(row).__name__}, not an object")


# Fields.
def _field(row: dict, key: str) -> Any:
    if row.get(key) is None:
        raise _BadRow(f"missing field {key!r}")
    return row[key]


def _text(row: dict, key: str) -> str:
    value = _field(row, key)
    if not isinstance(value, str):
        raise _BadRow(f"field {key!r} is {value!r}, not a string")
    return value


def _action_name(value: Any) -> str:
    if value is None:
        raise _BadRow("missing action type")
    if not isinstance(value, str):
        raise _BadRow(f"action type {value!r} is not a name")
    return value


def _numbers(value: Any, what: str, count: int) -> list[float]:
    ok = isinstance(value, list | tuple) and len(value) == count
    if not ok or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise _BadRow(f"{what} is {value!r}, not {count} numbers")
    try:
        finite = all(math.isfinite(v) for v in value)
    except OverflowError:  # an int beyond any float
        finite = False
    if not finite:
        raise _BadRow(f"{what} has a number that is not finite")
    return list(value)


def _direction(value: Any) -> Direction:
    name = str(value).upper()
    if name not in Direction.__members__:
        raise _BadRow(f"scroll direction {value!r} is not up, down, left or right")
    return Direction[name]


# Geometry, in pixels of the sample's image.
def _pixel_point(x: float, y: float, size: tuple[int, int]) -> tuple[int, int]:
    """The pixel holding ``(x, y)``, which must lie in the image."""
    width, height = size
    if not (0 <= x < width and 0 <= y < height):
        raise _BadRow(f"point ({_num(x)}, {_num(y)}) is outside the {width}x{height} image")
    return math.floor(x), math.floor(y)


def _checked_box(box: Sequence[float], size: tuple[int, int]) -> Box:
    left, top, right, bottom = (float(v) for v in box)
    width, height = size
    text = ", ".join(_num(v) for v in box)
    if not (left < right and top < bottom):
        raise _BadRow(f"box [{text}] is inverted or empty")
    if not (left >= 0 and top >= 0 and right <= width and bottom <= height):
        raise _BadRow(f"box [{text}] is outside the {width}x{height} image")
    return left, top, right, bottom


def _centre(box: Box) -> tuple[int, int]:
    """The box's centre pixel (see the module docstring)."""
    left, top, right, bottom = box
    return (math.floor(left) + math.ceil(right) - 1) // 2, (math.floor(top) + math.ceil(bottom) - 1) // 2


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# Images.
class _Images:
    """Finds, unpacks and measures the screenshots one data file's rows refer to."""

    def __init__(self, data_file: Path):
        folder = data_file.parent
        self.roots = [folder] + [base / name for base in (folder, folder.parent) for name in IMAGE_FOLDERS]
        self.cache = folder / CACHE_FOLDER
        self._sizes: dict[Path, tuple[int, int]] = {}
        self._found: dict[str, Path] = {}  # rows often share a screenshot

    def find(self, name: Any) -> Path:
        if not isinstance(name, str) or not name:
            raise _BadRow(f"the image is {name!r}, not a file name")
        if name not in self._found:
            path = next((root / name for root in self.roots if _is_file(root / name)), None)
            if path is None:
                raise _BadRow(f"image file {name!r} not found beside the data file or in its image folders")
            self._found[name] = path
        return self._found[name]

    def unpack(self, image: dict) -> Path:
        """The file of an embedded ``{"bytes", "path"}`` image, written to the cache on first use."""
        data, name = image.get("bytes"), image.get("path")
        if not data:
            return self.find(name)
        if not isinstance(data, bytes) or not isinstance(name, str | None):
            raise _BadRow(f"the embedded image is a {type(data).__name__} named {name!r}, not bytes")
        suffix = Path(name or "").suffix.lower() or ".png"
        target = self.cache / f"{hashlib.sha256(data).hexdigest()[:24]}{suffix}"
        if not target.is_file():
            self.cache.mkdir(exist_ok=True)
            partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
            partial.write_bytes(data)
            partial.replace(target)  # whole or absent, should two readers meet
        return target

    def size(self, path: Path) -> tuple[int, int]:
        if path not in self._sizes:
            try:
                with Image.open(path) as image:
                    self._sizes[path] = image.size
            except (OSError, Image.DecompressionBombError) as error:
                raise _BadRow(f"cannot read image {path.name}: {error}") from None
        return self._sizes[path]


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False for a name the system refuses (too long, not allowed)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


class _ImageCopies:
    """Copies each distinct screenshot once into ``folder``, under a name unique there."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._names: dict[Path, str] = {}

    def name(self, image: Path) -> str:
        source = Path(image).resolve()
        if source not in self._names:
            name, taken = source.name, set(self._names.values())
            for n in range(1, len(taken) + 2):
                if name not in taken:
                    break
                name = f"{source.stem}-{n}{source.suffix}"
            self.folder.mkdir(parents=True, exist_ok=True)
            if (self.folder / name).resolve() != source:
                shutil.copyfile(source, self.folder / name)
            self._names[source] = name
        return self._names[source]


@dataclass
class _File:
    """One data file being read: its images, its layout variant and the variant's settings."""

    path: Path
    images: _Images
    variant: str
    normalised: bool = False


# AndroidControl's action dictionaries, shared with UI-R1's rows.
_ANDROID_NAMES = {
    "click": ActionType.CLICK,
    "long_press": ActionType.LONG_PRESS,
    "scroll": ActionType.SCROLL,
    "input_text": ActionType.TYPE,
    "open_app": ActionType.OPEN_APP,
    "navigate_back": ActionType.NAVIGATE_BACK,
    "navigate_home": ActionType.NAVIGATE_HOME,
    "wait": ActionType.WAIT,
}
_ANDROID_LABELS = {kind: name for name, kind in _ANDROID_NAMES.items()}


def _android_action(spec: dict, size: tuple[int, int], names: dict[str, ActionType]) -> Action:
    """An AndroidControl action dictionary (``action_type``, ``x``, ``y``, ``direction``, ``text``,
    ``app_name``) as an :class:`Action`."""
    name = _action_name(spec.get("action_type"))
    if name == "type":
        raise _BadRow("action type 'type' (click, type and press enter) has no single mmgym action")
    if name not in names:
        raise _BadRow(f"unknown action type {name!r}; expected one of {', '.join(names)}")
    kind = names[name]
    if kind in (ActionType.CLICK, ActionType.LONG_PRESS):
        x, y = _numbers([_field(spec, "x"), _field(spec, "y")], "point", 2)
        return Action(kind, point=_pixel_point(x, y, size))
    if kind == ActionType.SCROLL:
        point = None
        if spec.get("x") is not None or spec.get("y") is not None:
            point = _pixel_point(*_numbers([spec.get("x"), spec.get("y")], "scroll point", 2), size)
        return Action.scroll(_direction(_field(spec, "direction")), point)
    if kind == ActionType.TYPE:
        return Action.type_text(_text(spec, "text"))
    if kind == ActionType.OPEN_APP:
        return Action.open_app(_text(spec, "app_name"))
    return Action(kind)


def _android_spec(action: Action, layout: str) -> dict[str, Any]:
    """The AndroidControl action dictionary of ``action``."""
    if action.type not in _ANDROID_LABELS:
        raise _CannotHold(f"{layout} has no {action.type.label} action")
    spec: dict[str, Any] = {"action_type": _ANDROID_LABELS[action.type]}
    if action.point is not None:
        spec["x"], spec["y"] = action.point
    if action.direction is not None:
        spec["direction"] = action.direction.label
    if action.type == ActionType.TYPE:
        spec["text"] = action.text
    elif action.type == ActionType.OPEN_APP:
        spec["app_name"] = action.text
    return spec


def _box_click(sample: GuiSample, layout: str) -> None:
    """A click that ``layout`` stores as its box alone must be that box's centre."""
    if sample.box is None:
        raise _CannotHold(f"{layout} stores a click as its target's box, and this click has none")
    if sample.action.point != _centre(sample.box):
        raise _CannotHold(
            f"its click {sample.action.point} is not the centre {_centre(sample.box)} of its box, "
            f"the point {layout}'s box stands for"
        )


# UI-R1.
_UI_R1_NAMES = {name: _ANDROID_NAMES[name] for name in ("scroll", "open_app", "navigate_back", "input_text")}


def _read_ui_r1(row: dict, file: _File) -> GuiSample:
    """A row of UI-R1's training / eval JSON (Lu et al., 2025).

    Source: lll6gg/UI-R1 ``README.md`` (``img_filename``, ``bbox`` ``[x1, y1, x2, y2]`` pixels,
    ``instruction``; images in ``images/``) and ``src/ui_r1/src/open_r1/grpo_json_action_coord.py``
    (a row with ``bbox`` is a click on that box; otherwise ``action`` is one of ``scroll``,
    ``open_app``, ``navigate_back``, ``input_text``). The trainer reads no argument of those four;
    since UI-R1's mobile rows come from AndroidControl, what UI-R1 does not store is read from
    AndroidControl's keys: ``direction``, ``text``, ``app_name``, a scroll's ``x`` and ``y``, and
    ``history`` (the earlier steps, as in :func:`_read_androidcontrol`). A row without the argument
    its action needs is skipped.
    """
    image = file.images.find(_field(row, "img_filename"))
    size = file.images.size(image)
    instruction = _text(row, "instruction")
    has_box = row.get("bbox") is not None
    if row.get("action") is None and not has_box:
        raise _BadRow("missing field 'action' (or 'bbox' for a click)")
    name = _action_name(row.get("action") or "click")
    if name == "click":
        box = _checked_box(_numbers(_field(row, "bbox"), "bbox", 4), size)
        return GuiSample(image, instruction, Action.click(*_centre(box)), box, _history(row))
    if has_box:
        raise _BadRow(f"a {name!r} row has a bbox; UI-R1 rows with a bbox are clicks")
    action = _android_action({**row, "action_type": name}, size, _UI_R1_NAMES)
    return GuiSample(image, instruction, action, history=_history(row))


def _history(row: dict) -> tuple[str, ...]:
    history = row.get("history") or []
    if not (isinstance(history, list) and all(isinstance(step, str) for step in history)):
        raise _BadRow(f"field 'history' is {history!r}, not a list of strings")
    return tuple(history)


def _holds_ui_r1(sample: GuiSample) -> None:
    if sample.action.type == ActionType.CLICK:
        _box_click(sample, "UI-R1")
        return
    if sample.action.type not in _UI_R1_NAMES.values():
        raise _CannotHold(
            f"UI-R1 has no {sample.action.type.label} action (it has click, {', '.join(_UI_R1_NAMES)})"
        )
    if sample.box is not None:
        raise _CannotHold("UI-R1 keeps a box only for clicks")


def _write_ui_r1(samples: Sequence[GuiSample], out: Path) -> Path:
    copies = _ImageCopies(out / "images")
    rows = []
    for sample in samples:
        row: dict[str, Any] = {"img_filename": copies.name(sample.image), "instruction": sample.instruction}
        if sample.action.type == ActionType.CLICK:
            row.update(action="click", bbox=list(sample.box))
        else:
            spec = _android_spec(sample.action, "UI-R1")
            row.update(action=spec.pop("action_type"), **spec)
        if sample.history:
            row["history"] = list(sample.history)
        rows.append(_with_source(row, sample))
    return _write_json(out / "ui-r1.json", rows)


def _is_ui_r1(row: dict) -> bool:
    return {"img_filename", "instruction"} <= row.keys() and bool({"bbox", "action"} & row.keys())


# GUI-R1.
_NO_TEXT = "no input text"  # GUI-R1's gt_input_text when an action has none
_NO_POINT = [-100, -100]  # GUI-R1's gt_bbox when an action has no point
_GUI_R1_NAMES = {
    "click": ActionType.CLICK,
    "long_press": ActionType.LONG_PRESS,
    "type": ActionType.TYPE,
    "scroll": ActionType.SCROLL,
    "open_app": ActionType.OPEN_APP,
    "press_back": ActionType.NAVIGATE_BACK,
    "press_home": ActionType.NAVIGATE_HOME,
    "wait": ActionType.WAIT,
    "complete": ActionType.FINISH,
    "enter": ActionType.KEY,  # the Enter key, GUI-R1's only key
}
_GUI_R1_LABELS = {kind: name for name, kind in _GUI_R1_NAMES.items()}
_STEP = re.compile(r"^Step \d+: (.*)$", re.MULTILINE)
_NORM1 = Coordinates("norm1")


def _open_gui_r1(path: Path) -> _File:
    """GUI-R1's training parquet holds 0-1 coordinates, its test files pixels: a file is read as
    0-1 when most of its gt_bbox values lie in [0, 1] (a row that does not then lands outside the
    image, and is reported as such)."""
    votes = {True: 0, False: 0}
    for _, row in _rows(path, columns=["gt_bbox"]):
        values = row.get("gt_bbox") if isinstance(row, dict) else None
        if isinstance(values, list) and values != _NO_POINT:
            votes[all(isinstance(v, int | float) and 0 <= v <= 1 for v in values)] += 1
    normalised = votes[True] >= votes[False]
    variant = "gui-r1 (0-1 coordinates)" if normalised else "gui-r1 (pixel coordinates)"
    return _File(path, _Images(path), variant, normalised)


def _read_gui_r1(row: dict, file: _File) -> GuiSample:
    """A row of GUI-R1's released parquet or JSON (Luo et al., 2025).

    Source: ritzz-ai/GUI-R1 ``verl/utils/dataset.py`` and ``guir1/inference/inference_vllm_android.py``
    (as kept in its forks) and the maintainers' answer in ritzz-ai/GUI-R1 issue #5: ``image`` is
    ``{"bytes", "path"}`` embedded in parquet (a file name in JSON), ``history`` is
    ``" \\nStep 1: ...\\nStep 2: ...\\n\\n"`` (``" \\nNone\\n"`` when empty), ``gt_action`` one of
    click, long_press, type, scroll, open_app, press_back, press_home, wait, complete, enter (select
    and close/delete have no mmgym action), ``gt_bbox`` a point ``[x, y]``, a box
    ``[x1, y1, x2, y2]`` (clicked at its centre) or ``[-100, -100]`` for none, ``gt_input_text`` the
    text, app, answer or scroll direction (``"no input text"`` for none). The training parquet's
    coordinates are 0-1 (issue #5), the test files' pixels; see :func:`_open_gui_r1`.
    """
    image = _gui_r1_image(_field(row, "image"), file.images)
    size = file.images.size(image)
    name = _action_name(row.get("gt_action"))
    if name not in _GUI_R1_NAMES:
        raise _BadRow(f"unknown action type {name!r}; expected one of {', '.join(_GUI_R1_NAMES)}")
    kind, point, box = _GUI_R1_NAMES[name], None, None
    if kind in (ActionType.CLICK, ActionType.LONG_PRESS, ActionType.SCROLL):
        point, box = _gui_r1_target(row.get("gt_bbox"), size, file.normalised)
    text = row.get("gt_input_text", _NO_TEXT)
    if not isinstance(text, str):
        raise _BadRow(f"field 'gt_input_text' is {text!r}, not a string")
    action = _gui_r1_action(kind, point, "" if text == _NO_TEXT else text)
    if kind == ActionType.SCROLL:
        box = None  # a scroll's gt_bbox, if any, stands for its point
    history = row.get("history") or ""
    if not isinstance(history, str):
        raise _BadRow(f"field 'history' is {history!r}, not a string")
    return GuiSample(image, _text(row, "instruction"), action, box, tuple(_STEP.findall(history)))


def _gui_r1_image(image: Any, images: _Images) -> Path:
    return images.unpack(image) if isinstance(image, dict) else images.find(image)


def _gui_r1_target(
    values: Any, size: tuple[int, int], normalised: bool
) -> tuple[tuple[int, int] | None, Box | None]:
    """The point and box of a gt_bbox, in pixels."""
    if values is None or values == _NO_POINT:
        return None, None
    if isinstance(values, list | tuple) and len(values) == 2:
        x, y = _numbers(values, "gt_bbox", 2)
        if not normalised:
            return _pixel_point(x, y, size), None
        try:
            return _NORM1.to_screen(x, y, size), None
        except ValueError as error:
            raise _BadRow(f"gt_bbox point {error}") from None
    edges = _numbers(values, "gt_bbox", 4)
    if normalised:
        if not all(0 <= v <= 1 for v in edges):
            raise _BadRow(f"gt_bbox {edges} is outside the 0-1 range")
        # Kept to a thousandth of a pixel, so a box written as edge / size reads back as written.
        edges = [round(v * size[i % 2], 3) for i, v in enumerate(edges)]
    box = _checked_box(edges, size)
    return _centre(box), box


def _gui_r1_action(kind: ActionType, point: tuple[int, int] | None, text: str) -> Action:
    if kind in (ActionType.CLICK, ActionType.LONG_PRESS):
        if point is None:
            raise _BadRow(f"a {_GUI_R1_LABELS[kind]} needs a point or box in 'gt_bbox'")
        return Action(kind, point=point)
    if kind == ActionType.SCROLL:
        return Action.scroll(_direction(text), point)
    if kind == ActionType.KEY:
        return Action.press_key("enter")
    if kind in (ActionType.TYPE, ActionType.OPEN_APP, ActionType.FINISH):
        return Action(kind, text=text)
    return Action(kind)


def _holds_gui_r1(sample: GuiSample) -> None:
    action = sample.action
    if action.type == ActionType.KEY and action.key != "enter":
        raise _CannotHold(f"GUI-R1 has no key action but Enter, and this one presses {action.key!r}")
    if action.type not in _GUI_R1_LABELS:
        raise _CannotHold(f"GUI-R1 has no {action.type.label} action")
    if sample.box is not None:
        if action.type not in (ActionType.CLICK, ActionType.LONG_PRESS):
            raise _CannotHold("GUI-R1 keeps a box only for click and long_press")
        _box_click(sample, "GUI-R1")
    if action.text == _NO_TEXT:
        raise _CannotHold(f"its text is {_NO_TEXT!r}, which GUI-R1 reads as no text")
    if any("\n" in step for step in sample.history):
        raise _CannotHold("a history step spans lines, and GUI-R1 keeps one step a line")
    if action.point is not None:
        width, height = _image_size(sample.image)
        if not (0 <= action.point[0] < width and 0 <= action.point[1] < height):
            raise _CannotHold(f"its point {action.point} is outside the {width}x{height} image")


def _gui_r1_row(sample: GuiSample) -> dict[str, Any]:
    action = sample.action
    size = _image_size(sample.image)
    target: list[float] = list(_NO_POINT)
    if sample.box is not None:
        target = [v / size[i % 2] for i, v in enumerate(sample.box)]
    elif action.point is not None:
        target = list(_NORM1.from_screen(*action.point, size))
    text = _NO_TEXT
    if action.direction is not None:
        text = action.direction.label.upper()
    elif action.text:
        text = action.text
    name = _GUI_R1_LABELS[action.type]
    steps = "".join(f"Step {i}: {step}\n" for i, step in enumerate(sample.history, start=1))
    return {
        "image": {"bytes": Path(sample.image).read_bytes(), "path": Path(sample.image).name},
        "instruction": sample.instruction,
        "history": f" \n{steps}\n" if steps else " \nNone\n",
        "gt_action": name,
        "gt_bbox": [float(v) for v in target],
        "gt_input_text": text,
        "group": "mmgym",
        "ui_type": name,
        "task_type": "high",  # GUI-R1's prompt with the whole action space
        SOURCE_KEY: sample.source or None,
    }


def _write_gui_r1(samples: Sequence[GuiSample], out: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
            *((key, pa.string()) for key in ("instruction", "history", "gt_action")),
            ("gt_bbox", pa.list_(pa.float64())),
            *((key, pa.string()) for key in ("gt_input_text", "group", "ui_type", "task_type", SOURCE_KEY)),
        ]
    )
    path = out / "gui-r1.parquet"
    pq.write_table(pa.Table.from_pylist([_gui_r1_row(s) for s in samples], schema=schema), path)
    return path


def _is_gui_r1(row: dict) -> bool:
    return "gt_action" in row


# ScreenSpot.
_PRO_KEYS = {"img_size", "application", "platform", "ui_type", "group", "instruction_cn"}
_V1_KEYS = {"data_type", "data_source"}


def _open_screenspot(path: Path) -> _File:
    """v1 (SeeClick) and v2 (OS-Atlas) rows have data_type / data_source and ``[x, y, w, h]`` boxes;
    Pro rows have img_size, platform, application, ui_type and ``[x1, y1, x2, y2]`` boxes."""
    first = next((row for _, row in _rows(path) if isinstance(row, dict)), {})
    if _PRO_KEYS & first.keys():
        variant = "screenspot-pro"
    else:  # OS-Atlas names its corrected files screenspot_<platform>_v2.json
        variant = "screenspot-v2" if "v2" in path.stem.lower() else "screenspot-v1"
    return _File(path, _Images(path), variant)


def _read_screenspot(row: dict, file: _File) -> GuiSample:
    """A row of ScreenSpot v1, v2 or Pro: a click on the centre of the target's box.

    Sources: njucckevin/SeeClick ``pretrain/screenspot_test.py`` (v1: ``screenspot_{mobile,desktop,
    web}.json`` rows ``img_filename``, ``bbox`` ``[x, y, w, h]`` pixels, ``instruction``,
    ``data_type``, ``data_source``); OS-Copilot/OS-Atlas's ScreenSpot-v2 (the same rows, corrected);
    likaixin2000/ScreenSpot-Pro-GUI-Grounding ``eval_screenspot_pro.py`` (Pro: ``annotations/*.json``
    rows ``img_filename`` under ``images/``, ``bbox`` ``[x1, y1, x2, y2]`` pixels, ``img_size``
    ``[w, h]``, ``instruction``, ``instruction_cn``, ``platform``, ``application``, ``group``,
    ``ui_type``). A Pro row whose img_size differs from its image's size is skipped.
    """
    image = file.images.find(_field(row, "img_filename"))
    size = file.images.size(image)
    x1, y1, a, b = _numbers(_field(row, "bbox"), "bbox", 4)
    if file.variant == "screenspot-pro":
        box = _checked_box((x1, y1, a, b), size)
        if "img_size" in row and _numbers(row["img_size"], "img_size", 2) != list(size):
            raise _BadRow(f"img_size {row['img_size']} differs from the image's {size[0]}x{size[1]}")
    else:
        box = _checked_box((x1, y1, x1 + a, y1 + b), size)
    return GuiSample(image, _text(row, "instruction"), Action.click(*_centre(box)), box)


def _holds_screenspot(sample: GuiSample) -> None:
    if sample.history:
        raise _CannotHold("it has a history, and ScreenSpot rows are single steps without one")
    if sample.action.type != ActionType.CLICK:
        raise _CannotHold(f"ScreenSpot holds only clicks on a box, not {sample.action.type.label}")
    _box_click(sample, "ScreenSpot")


def _write_screenspot(samples: Sequence[GuiSample], out: Path) -> Path:
    """ScreenSpot-Pro's layout, which keeps boxes as written: ``annotations/screenspot.json`` and
    ``images/``."""
    copies = _ImageCopies(out / "images")
    rows = []
    for number, sample in enumerate(samples, start=1):
        width, height = _image_size(sample.image)
        rows.append(
            {
                "id": f"mmgym_{number}",
                "img_filename": copies.name(sample.image),
                "img_size": [width, height],
                "bbox": list(sample.box),
                "instruction": sample.instruction,
                # Pro's evaluation script groups its scores by these.
                **dict.fromkeys(("application", "platform", "group"), "mmgym"),
                "ui_type": "unknown",
            }
        )
        _with_source(rows[-1], sample)
    return _write_json(out / "annotations" / "screenspot.json", rows)


def _is_screenspot(row: dict) -> bool:
    return {"img_filename", "bbox"} <= row.keys() and bool((_PRO_KEYS | _V1_KEYS) & row.keys())


# AndroidControl.
def _read_androidcontrol(row: dict, file: _File) -> GuiSample:
    """A step of AndroidControl (Li et al., 2024) as a step-level row.

    Source: google-research ``android_control/README.md`` for the episode fields (``goal``,
    ``step_instructions``, ``screenshots``, ``actions`` as JSON dictionaries with ``action_type``
    click / long_press / scroll / open_app / type / input_text / navigate_home / navigate_back /
    wait and ``x``, ``y`` in pixels of the screenshot, ``direction``, ``text``, ``app_name``), and
    UI-R1's AndroidControl eval file (``image``, ``gt``: the action, ``task``: the step
    instruction). A step row holds ``image`` (file name), ``goal`` and/or ``step_instruction``
    (``task``), ``action`` (``gt``), ``history`` (the earlier step instructions) and, optionally,
    ``bbox`` ``[x1, y1, x2, y2]`` pixels of the target element. The sample's instruction is the goal
    when the row has one (the high-level setting), else the step instruction. ``type`` (click,
    type, then Enter) has no single mmgym action, so its rows are skipped.
    """
    image = file.images.find(_field(row, "image"))
    size = file.images.size(image)
    spec = row.get("action", row.get("gt"))
    if not isinstance(spec, dict):
        raise _BadRow(f"field 'action' is {spec!r}, not an action object")
    action = _android_action(spec, size, _ANDROID_NAMES)
    goal = next(
        (row[key] for key in ("goal", "step_instruction", "task") if isinstance(row.get(key), str)), None
    )
    if goal is None:
        raise _BadRow("missing field 'goal' (or 'step_instruction')")
    box = None if row.get("bbox") is None else _checked_box(_numbers(row["bbox"], "bbox", 4), size)
    return GuiSample(image, goal, action, box, _history(row))


def _holds_androidcontrol(sample: GuiSample) -> None:
    _android_spec(sample.action, "AndroidControl")


def _write_androidcontrol(samples: Sequence[GuiSample], out: Path) -> Path:
    copies = _ImageCopies(out / "images")
    path = out / "androidcontrol.jsonl"
    with path.open("w", encoding="utf-8") as lines:
        for sample in samples:
            row: dict[str, Any] = {
                "image": copies.name(sample.image),
                "goal": sample.instruction,
                "action": _android_spec(sample.action, "AndroidControl"),
                "history": list(sample.history),
            }
            if sample.box is not None:
                row["bbox"] = list(sample.box)
            _with_source(row, sample)
            lines.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _is_androidcontrol(row: dict) -> bool:
    spec = row.get("action", row.get("gt"))
    return isinstance(spec, dict) and "action_type" in spec


def _with_source(row: dict[str, Any], sample: GuiSample) -> dict[str, Any]:
    if sample.source:
        row[SOURCE_KEY] = sample.source
    return row


def _write_json(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _plain(path: Path) -> _File:
    return _File(path, _Images(path), "")


@dataclass(frozen=True)
class _Layout:
    matches: Callable[[dict], bool]
    open: Callable[[Path], _File]
    read: Callable[[dict, _File], GuiSample]
    holds: Callable[[GuiSample], None]  # raises _CannotHold
    write: Callable[[Sequence[GuiSample], Path], Path]


# In detection order: GUI-R1's and AndroidControl's keys are their own; ScreenSpot's rows are
# UI-R1's plus metadata keys.
_LAYOUTS = {
    "gui-r1": _Layout(_is_gui_r1, _open_gui_r1, _read_gui_r1, _holds_gui_r1, _write_gui_r1),
    "androidcontrol": _Layout(
        _is_androidcontrol, _plain, _read_androidcontrol, _holds_androidcontrol, _write_androidcontrol
    ),
    "screenspot": _Layout(
        _is_screenspot, _open_screenspot, _read_screenspot, _holds_screenspot, _write_screenspot
    ),
    "ui-r1": _Layout(_is_ui_r1, _plain, _read_ui_r1, _holds_ui_r1, _write_ui_r1),
}


def _checked_format(format: str) -> _Layout:
    if format not in _LAYOUTS:
        raise ValueError(f"unknown dataset format {format!r}; use one of {', '.join(FORMATS)}")
    return _LAYOUTS[format]


def cannot_hold(sample: GuiSample, format: str) -> str | None:
    """Why the layout ``format`` cannot hold ``sample`` (None: it can)."""
    try:
        _checked_format(format).holds(sample)
    except _CannotHold as reason:
        return str(reason)
    return None


def data_files(path: Path) -> list[Path]:
    """The data files :func:`read_dataset` reads for ``path``."""
    return _data_files(path)


def _data_files(path: Path) -> list[Path]:
    """The data file ``path`` names, or those in the folder it names (or in its annotations/)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no dataset at {path}")
    for folder in (path, path / "annotations"):
        files = sorted(p for p in folder.glob("*") if p.suffix in DATA_SUFFIXES and p.is_file())
        if files:
            return files
    raise FileNotFoundError(
        f"{path} holds no .json, .jsonl or .parquet file, nor an annotations/ folder of them"
    )


def detect_format(path: str | Path) -> str:
    """The layout of the data file ``path``, told from its first row.

    Raises:
        ValueError: no layout's keys match that row.
    """
    path = Path(path)
    first = next((row for _, row in _rows(path) if isinstance(row, dict)), None)
    if first is None:
        raise ValueError(f"cannot tell the layout of {path}: it has no readable row; pass format=")
    for name, layout in _LAYOUTS.items():
        if layout.matches(first):
            return name
    raise ValueError(
        f"cannot tell the layout of {path} from its first row (keys: {', '.join(sorted(first)) or 'none'}); "
        f"pass format= one of {', '.join(FORMATS)}"
    )


def read_dataset(
    path: str | Path, format: str | None = None, *, on_bad: Literal["skip", "reject"] = "skip"
) -> Loaded:
    """Read a dataset in one of :data:`FORMATS` into samples with pixel coordinates.

    Args:
        path: a ``.json`` / ``.jsonl`` / ``.parquet`` file, or a folder holding one (for
            ``screenspot``, any number of annotation files, also in its ``annotations/`` folder).
        format: one of :data:`FORMATS`; ``None`` tells it from each file's first row.
        on_bad: ``"skip"`` lists a bad row (a missing or unreadable image, a box outside the image or
            inverted, a point outside the image, an unknown action type, a malformed JSON line, a
            missing field) in :attr:`Loaded.skipped`; ``"reject"`` raises instead.

    Raises:
        RowError: with ``on_bad="reject"``, at the first bad row, as ``"file:row: why"``.
        ValueError: an unknown format or ``on_bad``, a layout that cannot be told, a folder of
            several data files for a layout other than screenspot, or a file that is not JSON.
        FileNotFoundError: ``path`` holds no data file.
    """
    if on_bad not in ("skip", "reject"):
        raise ValueError(f"on_bad must be 'skip' or 'reject', got {on_bad!r}")
    if format is not None:
        _checked_format(format)
    files = _data_files(Path(path))
    names = [format or detect_format(file) for file in files]
    if len(files) > 1 and set(names) != {"screenspot"}:
        raise ValueError(
            f"{path} holds {len(files)} data files ({', '.join(f.name for f in files)}); pass the one to "
            "read (only screenspot reads a folder of annotation files)"
        )
    loaded = Loaded([], [], names[0])
    for file, name in zip(files, names, strict=True):
        _read_file(file, name, loaded, on_bad)
    return loaded


def _read_file(path: Path, name: str, loaded: Loaded, on_bad: str) -> None:
    layout = _LAYOUTS[name]
    file = layout.open(path)
    loaded.variants[str(path)] = file.variant or name
    for number, row in _rows(path):
        try:
            if isinstance(row, _BadRow):
                raise row
            sample = layout.read(row, file)
            if not sample.instruction.strip():
                raise _BadRow("the instruction is empty")
        except _BadRow as bad:
            line = f"{path}:{number}: {bad}"
            if on_bad == "reject":
                raise RowError(line) from None
            loaded.skipped.append(line)
        else:
            source = row.get(SOURCE_KEY)
            source = source if isinstance(source, str) and source else f"{path}:{number}"
            loaded.samples.append(replace(sample, source=source))


def write_dataset(samples: Sequence[GuiSample], out: str | Path, format: str) -> Path:
    """Write ``samples`` in a layout of :data:`FORMATS` into the folder ``out``.

    Images are copied once each into ``out/images/`` (embedded in the parquet for ``gui-r1``) and
    referenced as the layout references them. ``read_dataset`` of the returned file gives back
    ``samples`` up to their image paths (a sample without a source gets its ``"file:row"``).

    Returns:
        The main file written: ``ui-r1.json``, ``gui-r1.parquet``, ``annotations/screenspot.json``
        (ScreenSpot-Pro's layout) or ``androidcontrol.jsonl``.

    Raises:
        ValueError: an unknown format, or a sample the layout cannot hold (the message names its
            source); nothing is written then.
    """
    layout = _checked_format(format)
    for number, sample in enumerate(samples, start=1):
        try:
            layout.holds(sample)
        except _CannotHold as why:
            name = sample.source or f"number {number}"
            raise ValueError(f"{format} cannot hold sample {name}: {why}") from None
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return layout.write(samples, out)
