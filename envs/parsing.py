"""Strict parsing of R1-style model replies, ``<think>...</think><answer>{json action}</answer>``.

Model output is untrusted. Nothing here evaluates it (no ``eval``, ``exec`` or
``ast.literal_eval``): :func:`parse_literal` reads JSON and Python-literal spellings strictly,
with caps on length, number size and nesting (:mod:`mmgym.envs.literal`). :func:`parse_reply`
never raises on any string and works in time linear in the reply; a reply that gives no valid
action comes back with ``action=None`` and a one-line ``error``.

Reply layout (:attr:`ParsedReply.format_ok`): the reply, less surrounding whitespace, is exactly
``<think>...</think>`` then ``<answer>...</answer>`` (whitespace between is fine), each tag once
and no tag inside another block; with ``require_think=False`` the think block may be left out. The
action comes from the reply's single ``<answer>...</answer>`` block whatever the layout, so a
layout slip costs the format reward, not the action; two answer blocks give no action.

Answer rules (:func:`parse_answer`, :func:`action_from_dict`):

- Coordinates: with ``screen_size=None`` points must be plain pixels and only non-negativity is
  checked; with a screen size, points convert through ``coordinates.to_screen`` and points off
  the screen are invalid.
- Shapes: a dict; a one-element list holding a dict (UI-R1 / GUI-R1 write
  ``[{'action': 'click', 'coordinate': [x, y]}]``); Qwen2.5-VL's tool call
  ``{"name": "mobile_use", "arguments": {...}}``, whose ``arguments`` (a dict or a JSON string) is
  unwrapped. Lists of 0 or 2+ elements are invalid.
- Action name: key ``"action"``, else ``"action_type"``, else ``"type"``. Names ignore case, and
  spaces or hyphens read as underscores. Aliases: tap -> click; longpress, long_click ->
  long_press; input, input_text, type_text -> type; press, press_key, key_press -> key; back,
  press_back, go_back -> navigate_back; home, press_home, go_home -> navigate_home; open, launch,
  open_application -> open_app; complete, done, answer, terminate, stop -> finish.
- Point: the first of ``"coordinate"``, ``"point"``, ``"coordinates"``, ``"position"`` present,
  a list of two finite numbers (booleans are not numbers). Required for click and long_press,
  optional for scroll.
- Text: the first of ``"text"``, ``"input_text"``, ``"content"``, ``"value"``; GUI-R1's
  placeholder ``"no input text"`` (any case) counts as absent. Text is at most
  ``MAX_TEXT_LENGTH`` characters of ``CHARSET``. type needs non-empty text; finish text is
  optional (default ``""``); open_app reads ``"app"``, ``"app_name"``, ``"name"``, then the text
  keys, and needs a non-empty name.
- scroll: ``"direction"`` (up, down, left, right; any case), else GUI-R1's direction written in
  ``"input_text"`` or ``"text"``.
- key: ``"key"``, then ``"keys"`` (a string or one-element list), then ``"text"``. Aliases:
  return -> enter, esc -> escape, arrowup / arrow_up -> up (and down, left, right), pageup ->
  page_up, pagedown -> page_down, del -> delete, back_space -> backspace.
- A key whose value is ``null`` counts as absent; other unknown keys are ignored. A wrong type
  anywhere raises :class:`ReplyError` naming the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from mmgym.envs.actions import (
    CHARSET,
    KEYS,
    MAX_TEXT_LENGTH,
    POINT_ACTIONS,
    Action,
    ActionType,
    Direction,
)
from mmgym.envs.coordinates import PIXEL, Coordinates
from mmgym.envs.embodied.skills import Skill, SkillError
from mmgym.envs.literal import (
    LiteralError,
    describe,
    is_finite,
    read_literal,
)

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
_TAGS = (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)


_NAME_KEYS = ("action", "action_type", "type")
_POINT_KEYS = ("coordinate", "point", "coordinates", "position")
_TEXT_KEYS = ("text", "input_text", "content", "value")
_APP_KEYS = ("app", "app_name", "name", *_TEXT_KEYS)
_KEY_KEYS = ("key", "keys", "text")
_BOX_KEYS = ("bbox_2d", "bbox")
_NO_TEXT = "no input text"  # GUI-R1 writes this where an action takes no text
_CHARSET = frozenset(CHARSET)
_DIRECTIONS = {d.label: d for d in Direction}

_ACTION_ALIASES = {
    "tap": "click",
    "longpress": "long_press", "long_click": "long_press",
    "input": "type", "input_text": "type", "type_text": "type",
    "press": "key", "press_key": "key", "key_press": "key",
    "back": "navigate_back", "press_back": "navigate_back", "go_back": "navigate_back",
    "home": "navigate_home", "press_home": "navigate_home", "go_home": "navigate_home",
    "open": "open_app", "launch": "open_app", "open_application": "open_app",
    "complete": "finish", "done": "finish", "answer": "finish", "terminate": "finish",
    "stop": "finish",
}  # fmt: skip
_ACTION_NAMES = {t.label: t for t in ActionType} | {
    alias: ActionType[name.upper()] for alias, name in _ACTION_ALIASES.items()
}
_KEY_ALIASES = {
    "return": "enter", "esc": "escape", "del": "delete", "back_space": "backspace",
    "pageup": "page_up", "pagedown": "page_down",
    **{f"arrow{d}": d for d in _DIRECTIONS}, **{f"arrow_{d}": d for d in _DIRECTIONS},
}  # fmt: skip

PointConverter = Callable[[float, float], tuple[int, int]]


class ReplyError(ValueError):
    """A reply or answer that is not a valid action; its message is one line saying why."""


@dataclass(frozen=True)
class ParsedReply:
    """What :func:`parse_reply` read from one reply.

    Attributes:
        action: the action (a :class:`Skill` from :func:`parse_skill_reply`), or ``None`` when the
            reply does not give a valid one.
        error: one-line reason when ``action`` is ``None``, else ``None``.
        format_ok: the reply has exactly the R1 layout (see the module docstring).
        think: the text inside ``<think>...</think>``, stripped, or ``None`` without that block.
        answer: the text inside ``<answer>...</answer>``, stripped, or ``None`` without it.
    """

    action: Action | Skill | None
    error: str | None
    format_ok: bool
    think: str | None
    answer: str | None

    @property
    def valid(self) -> bool:
        """Whether the reply gave a valid action."""
        return self.action is not None


def parse_reply(
    reply: str,
    *,
    screen_size: tuple[int, int] | None = None,
    coordinates: Coordinates | str = PIXEL,
    require_think: bool = True,
) -> ParsedReply:
    """Read a model reply; never raises on any string.

    Args:
        reply: the model's whole reply.
        screen_size: ``(width, height)`` of the observation; points must land on it.
        coordinates: the convention the model writes points in.
        require_think: whether ``format_ok`` needs the ``<think>`` block.

    Example:
        >>> reply = '<think>go</think><answer>{"action": "tap", "point": [3, 4]}</answer>'
        >>> parse_reply(reply).action
        Action(type=<ActionType.CLICK: 0>, point=(3, 4), direction=None, text=None, key=None)
    """
    return _parse(reply, _answer_action, screen_size, coordinates, require_think)


def parse_skill_reply(
    reply: str,
    *,
    screen_size: tuple[int, int] | None = None,
    coordinates: Coordinates | str = PIXEL,
    require_think: bool = True,
) -> ParsedReply:
    """Read a reply whose answer is an embodied skill (:class:`~mmgym.envs.embodied.skills.Skill`),
    with the same layout rules, answer shapes and coordinate conversion as :func:`parse_reply`;
    never raises on any string.

    Example:
        >>> parse_skill_reply('<think>up</think><answer>{"action": "move", "direction": "up", '
        ...                   '"amount": 5}</answer>').action
        Skill(type=<SkillType.MOVE: 0>, direction='up', amount=5.0, point=None)
    """
    return _parse(reply, _answer_skill, screen_size, coordinates, require_think)


def _parse(reply: str, read: Callable[[str, PointConverter], Any], screen_size: tuple[int, int] | None,
           coordinates: Coordinates | str, require_think: bool) -> ParsedReply:  # fmt: skip
    if not isinstance(reply, str):
        raise TypeError(f"reply must be a string, got {type(reply).__name__}")
    convert = _point_converter(screen_size, coordinates)
    think = _block_text(reply, THINK_OPEN, THINK_CLOSE)
    answer = _block_text(reply, ANSWER_OPEN, ANSWER_CLOSE)
    # Four counts, shared by both checks, keep a long reply to a few linear scans.
    counts = {tag: reply.count(tag) for tag in _TAGS}
    format_ok = _has_r1_layout(reply, counts, require_think)
    try:
        action = read(_single_answer(reply, counts), convert)
    except ReplyError as error:
        return ParsedReply(None, str(error), format_ok, think, answer)
    return ParsedReply(action, None, format_ok, think, answer)


def parse_answer(
    answer: str,
    *,
    screen_size: tuple[int, int] | None = None,
    coordinates: Coordinates | str = PIXEL,
) -> Action:
    """Read the text of an ``<answer>`` block as an action.

    Raises:
        ReplyError: the answer is not a valid action.
    """
    return _answer_action(answer, _point_converter(screen_size, coordinates))


def action_from_dict(
    data: dict,
    *,
    screen_size: tuple[int, int] | None = None,
    coordinates: Coordinates | str = PIXEL,
) -> Action:
    """Read an action from its JSON form, e.g. ``{"action": "click", "coordinate": [3, 4]}``.

    Also reads expert actions stored as JSON dicts.

    Raises:
        ReplyError: ``data`` is not a valid action.
    """
    return _dict_action(data, _point_converter(screen_size, coordinates))


def parse_box(
    answer: str,
    *,
    screen_size: tuple[int, int] | None = None,
    coordinates: Coordinates | str = PIXEL,
) -> tuple[float, float, float, float]:
    """Read a grounding answer as a box ``(x1, y1, x2, y2)`` in env pixels.

    Accepts ``{"bbox_2d": [x1, y1, x2, y2]}``, ``{"bbox": [...]}``, a bare ``[x1, y1, x2, y2]``
    or a one-element list of such a dict.

    Raises:
        ReplyError: the answer is not a box, or its corners are out of order or off the screen.
    """
    coordinates = _checked_convention(screen_size, coordinates)
    value = parse_literal(answer)
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0]
    field = "answer"
    if isinstance(value, dict):
        found = _first_field(value, _BOX_KEYS)
        if found is None:
            raise ReplyError("box answer needs a 'bbox_2d' field [x1, y1, x2, y2]")
        field, value = found
    if not (isinstance(value, list) and len(value) == 4 and all(map(_is_number, value))):
        raise ReplyError(f"{field} must be four numbers [x1, y1, x2, y2], got {describe(value)}")
    box = _box_pixels(tuple(value), screen_size, coordinates)
    if box[0] > box[2] or box[1] > box[3]:
        raise ReplyError(f"box {describe(value)} needs x1 <= x2 and y1 <= y2")
    return box


def format_reply(
    action: Action,
    *,
    think: str = "",
    screen_size: tuple[int, int] | None = None,
    coordinates: Coordinates | str = PIXEL,
    with_think: bool = True,
) -> str:
    """Write ``action`` as a reply that :func:`parse_reply` reads back; the oracle's voice.

    Raises:
        ValueError: ``think`` holds a reply tag, or the point is off the screen.

    Example:
        >>> format_reply(Action.click(3, 4), think="the OK button")
        '<think>the OK button</think><answer>{"action": "click", "coordinate": [3, 4]}</answer>'
    """
    coordinates = _checked_convention(screen_size, coordinates)
    if any(tag in think for tag in _TAGS):
        raise ValueError(f"think must not contain the reply tags {', '.join(_TAGS)}")
    data = action.to_dict()
    if action.point is not None and screen_size is not None:
        data["coordinate"] = list(coordinates.from_screen(*action.point, screen_size))
    # "<" only occurs inside JSON strings, so escaping it keeps typed text such as "</answer>"
    # from closing the block early; the reader decodes it back.
    answer = json.dumps(data).replace("<", "\\u003c")
    body = f"{ANSWER_OPEN}{answer}{ANSWER_CLOSE}"
    return f"{THINK_OPEN}{think}{THINK_CLOSE}{body}" if with_think else body


def parse_literal(text: str) -> object:
    """Read one JSON or Python literal without evaluating anything.

    Accepts single- or double-quoted strings (escapes as in JSON and Python: ``\\n``, ``\\'``,
    ``\\xHH``, ``\\uHHHH``, ``\\UHHHHHHHH``; no raw line breaks), ``True``/``False``/``None`` and
    ``true``/``false``/``null``, ints, floats, lists and dicts with string keys (trailing commas
    allowed). Rejects NaN and infinities, trailing text, and texts over the caps of
    :mod:`mmgym.envs.literal` (length, digits per number, nesting).

    Raises:
        ReplyError: ``text`` is not such a literal.

    Example:
        >>> parse_literal("[{'action': 'click', 'coordinate': [1, 2.5]}]")
        [{'action': 'click', 'coordinate': [1, 2.5]}]
    """
    try:
        return read_literal(text)
    except LiteralError as error:
        raise ReplyError(str(error)) from None


# Reply layout.


def _block_text(reply: str, open_tag: str, close_tag: str) -> str | None:
    start = reply.find(open_tag)
    if start == -1:
        return None
    start += len(open_tag)
    end = reply.find(close_tag, start)
    return None if end == -1 else reply[start:end].strip()


def _single_answer(reply: str, counts: dict[str, int]) -> str:
    opened, closed = counts[ANSWER_OPEN], counts[ANSWER_CLOSE]
    if opened == 0:
        raise ReplyError("reply has no <answer> block; end it with <answer>{...}</answer>")
    if opened > 1 or closed > 1:
        raise ReplyError(f"reply has {opened} <answer> and {closed} </answer> tags; write exactly one block")
    start = reply.find(ANSWER_OPEN) + len(ANSWER_OPEN)
    end = reply.find(ANSWER_CLOSE, start)
    if end == -1:
        raise ReplyError("reply has no </answer> after its <answer>; close the block")
    return reply[start:end]


def _has_r1_layout(reply: str, counts: dict[str, int], require_think: bool) -> bool:
    text = reply.strip()
    if counts[ANSWER_OPEN] != 1 or counts[ANSWER_CLOSE] != 1:
        return False
    if counts[THINK_OPEN] or counts[THINK_CLOSE]:
        if counts[THINK_OPEN] != 1 or counts[THINK_CLOSE] != 1 or not text.startswith(THINK_OPEN):
            return False
        # One of each tag and the think block first, so the rest must be exactly the answer.
        text = text[text.find(THINK_CLOSE) + len(THINK_CLOSE) :].lstrip()
    elif require_think:
        return False
    return text.startswith(ANSWER_OPEN) and text.endswith(ANSWER_CLOSE)


# Answer -> Action.


def _answer_action(answer: str, convert: PointConverter) -> Action:
    return _dict_action(_answer_value(answer, "an action", '{"action": "wait"}'), convert)


def _answer_skill(answer: str, convert: PointConverter) -> Skill:
    value = _answer_value(answer, "a skill", '{"action": "grasp"}')
    point = value.get("coordinate") if isinstance(value, dict) else None
    if isinstance(point, list) and len(point) == 2 and all(_is_number(v) for v in point):
        value = {**value, "coordinate": list(convert(*point))}  # the model's convention -> pixels
    try:
        return Skill.from_dict(value)
    except SkillError as error:
        raise ReplyError(str(error)) from None


def _answer_value(answer: str, what: str, example: str) -> object:
    """The one literal an answer holds, unwrapped from a one-element list."""
    if not answer.strip():
        raise ReplyError(f"answer is empty; write {what} such as {example}")
    value = parse_literal(answer)
    if isinstance(value, list):
        if len(value) != 1:
            raise ReplyError(f"answer is a list of {len(value)} items; give exactly one {what.split()[-1]}")
        value = value[0]
    return value


def _dict_action(data: object, convert: PointConverter) -> Action:
    if not isinstance(data, dict):
        raise ReplyError(f'an action must be an object {{"action": ...}}, got {describe(data)}')
    fields = _tool_arguments(data)
    kind = _action_type(fields)
    label = kind.label
    if kind in POINT_ACTIONS:
        return Action(kind, point=_point(fields, label, convert, required=True))
    if kind == ActionType.SCROLL:
        point = _point(fields, label, convert, required=False)
        return Action(kind, point=point, direction=_direction(fields))
    if kind == ActionType.KEY:
        return Action(kind, key=_key(fields))
    if kind == ActionType.TYPE:
        return Action(kind, text=_text(fields, _TEXT_KEYS, label, required=True))
    if kind == ActionType.OPEN_APP:
        return Action(kind, text=_text(fields, _APP_KEYS, label, required=True))
    if kind == ActionType.FINISH:
        return Action(kind, text=_text(fields, ("answer", *_TEXT_KEYS), label, required=False))
    return Action(kind)


def _tool_arguments(data: dict) -> dict:
    """Unwrap Qwen2.5-VL's ``{"name": "mobile_use", "arguments": {...}}``."""
    if "arguments" not in data or any(key in data for key in _NAME_KEYS):
        return data
    arguments = data["arguments"]
    if isinstance(arguments, str):  # OpenAI-style tool calls carry arguments as JSON text
        arguments = parse_literal(arguments)
    if not isinstance(arguments, dict):
        raise ReplyError(f"field 'arguments' must be an object, got {describe(arguments)}")
    return arguments


def _action_type(fields: dict) -> ActionType:
    found = _first_field(fields, _NAME_KEYS)
    if found is None:
        raise ReplyError('action has no "action" field; write e.g. {"action": "click", ...}')
    key, name = found
    if not isinstance(name, str):
        raise ReplyError(f"field {key!r} must be a string, got {describe(name)}")
    kind = _ACTION_NAMES.get(_normalised_name(name))
    if kind is None:
        names = ", ".join(t.label for t in ActionType)
        raise ReplyError(f"unknown action {describe(name)}; use one of {names}")
    return kind


def _point(fields: dict, label: str, convert: PointConverter, *, required: bool) -> tuple[int, int] | None:
    found = _first_field(fields, _POINT_KEYS)
    if found is None:
        if required:
            raise ReplyError(f'{label} needs a "coordinate": [x, y]')
        return None
    key, value = found
    if not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
        raise ReplyError(f"field {key!r} must be two numbers [x, y], got {describe(value)}")
    return convert(value[0], value[1])


def _direction(fields: dict) -> Direction:
    # GUI-R1 writes the scroll direction where other actions put their text.
    found = _first_field(fields, ("direction",)) or _first_text(fields, ("input_text", "text"))
    if found is None:
        raise ReplyError('scroll needs a "direction": up, down, left or right')
    key, value = found
    if not isinstance(value, str):
        raise ReplyError(f"field {key!r} must be a string, got {describe(value)}")
    direction = _DIRECTIONS.get(value.strip().lower())
    if direction is None:
        raise ReplyError(f"unknown scroll direction {describe(value)}; use up, down, left or right")
    return direction


def _key(fields: dict) -> str:
    found = _first_field(fields, _KEY_KEYS)
    if found is None:
        raise ReplyError(f'key needs a "key", one of {", ".join(KEYS)}')
    field, value = found
    if field == "keys" and isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise ReplyError(f"field {field!r} must be a key name, got {describe(value)}")
    name = _normalised_name(value)
    name = _KEY_ALIASES.get(name, name)
    if name not in KEYS:
        raise ReplyError(f"unknown key {describe(value)}; use one of {', '.join(KEYS)}")
    return name


def _text(fields: dict, keys: tuple[str, ...], label: str, *, required: bool) -> str:
    found = _first_text(fields, keys)
    if found is None or found[1] == "":
        if required:
            raise ReplyError(f'{label} needs a non-empty "{keys[0]}"')
        return ""
    key, value = found
    if not isinstance(value, str):
        raise ReplyError(f"field {key!r} must be a string, got {describe(value)}")
    if len(value) > MAX_TEXT_LENGTH:
        raise ReplyError(f"field {key!r} is {len(value)} characters long; the limit is {MAX_TEXT_LENGTH}")
    bad = next((char for char in value if char not in _CHARSET), None)
    if bad is not None:
        raise ReplyError(f"field {key!r} has {bad!r}; text must be printable ASCII without tabs or newlines")
    return value


def _first_field(fields: dict, keys: tuple[str, ...]) -> tuple[str, object] | None:
    for key in keys:
        value = fields.get(key)
        if value is not None:
            return key, value
    return None


def _first_text(fields: dict, keys: tuple[str, ...]) -> tuple[str, object] | None:
    """Like :func:`_first_field`, passing over GUI-R1's "no input text" placeholder."""
    for key in keys:
        value = fields.get(key)
        if value is None or value == "" or (isinstance(value, str) and value.strip().lower() == _NO_TEXT):
            continue
        return key, value
    return None


def _normalised_name(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


# Coordinates.


def _checked_convention(screen_size: tuple[int, int] | None, coordinates: Coordinates | str) -> Coordinates:
    coordinates = Coordinates.parse(coordinates)
    if screen_size is None and coordinates != PIXEL:
        raise ValueError(
            f"coordinates={str(coordinates)!r} needs the screen size to convert to pixels; "
            "pass screen_size=(width, height)"
        )
    return coordinates


def _point_converter(screen_size: tuple[int, int] | None, coordinates: Coordinates | str) -> PointConverter:
    coordinates = _checked_convention(screen_size, coordinates)
    if screen_size is None:
        return _unbounded_pixel
    coordinates.extent(screen_size)  # a bad screen_size is the caller's bug: raise it now
    return partial(_screen_pixel, coordinates=coordinates, screen_size=screen_size)


def _screen_pixel(
    x: float, y: float, *, coordinates: Coordinates, screen_size: tuple[int, int]
) -> tuple[int, int]:
    try:
        return coordinates.to_screen(x, y, screen_size)
    except ValueError as error:
        raise ReplyError(str(error)) from None


def _unbounded_pixel(x: float, y: float) -> tuple[int, int]:
    point = f"coordinate {describe([x, y])}"
    if not (is_finite(x) and is_finite(y)):
        raise ReplyError(f"{point} is not a pair of finite numbers")
    if x < 0 or y < 0:
        raise ReplyError(f"{point} is negative; pixels start at 0")
    return math.floor(x), math.floor(y)


def _box_pixels(
    box: tuple[float, float, float, float],
    screen_size: tuple[int, int] | None,
    coordinates: Coordinates,
) -> tuple[float, float, float, float]:
    if screen_size is not None:
        try:
            return coordinates.box_to_screen(box, screen_size)
        except ValueError as error:
            raise ReplyError(str(error)) from None
    if not all(is_finite(v) and v >= 0 for v in box):
        raise ReplyError(f"box {describe(list(box))} needs finite, non-negative numbers")
    x1, y1, x2, y2 = (float(v) for v in box)
    return x1, y1, x2, y2


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
