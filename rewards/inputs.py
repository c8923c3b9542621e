"""Reading a reward's inputs: completion text, per-completion columns and targets.

TRL calls a reward as ``fn(completions, **columns)``. ``completions`` holds one entry per sampled
completion, either a string or a conversation (a list of ``{"role": ..., "content": ...}``
messages), and every dataset column arrives as a keyword argument holding one value per
completion. The helpers here read those inputs once, so that each reward reads like its formula:
model output that does not parse becomes ``None`` (the rewards score it 0.0), while inputs the
caller got wrong (a missing target, a column of the wrong length) raise with the fix.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from mmgym.envs.actions import POINT_ACTIONS, Action
from mmgym.envs.coordinates import PIXEL, Coordinates
from mmgym.envs.parsing import (
    ANSWER_OPEN,
    ParsedReply,
    ReplyError,
    action_from_dict,
    parse_box,
    parse_reply,
)

#: ``(x1, y1, x2, y2)`` in env pixels.
Box = tuple[float, float, float, float]
#: A completion as TRL passes it: a string, or a conversation whose last assistant message counts.
Completion = str | Sequence[Mapping[str, Any]]
#: TRL's reward signature: ``fn(completions, **columns) -> list[float]``.
RewardFunction = Callable[..., list[float]]


def completion_text(completion: Completion) -> str:
    """The text of one completion: the string itself, or the last assistant message's content.

    A message's content may be a string or a list of parts, of which the ``{"type": "text"}``
    parts count.

    >>> completion_text([{"role": "assistant", "content": [{"type": "text", "text": "hi"}]}])
    'hi'
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence):
        for message in reversed(completion):
            if isinstance(message, Mapping) and message.get("role") == "assistant":
                return _content_text(message.get("content"))
    raise TypeError(
        "a completion must be a string or a list of chat messages with an assistant message, "
        f"got {completion!r:.200}"
    )


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    raise TypeError(f"message content must be a string or a list of parts, got {content!r:.200}")


def column(name: str, values: Any, count: int) -> list[Any]:
    """Check that keyword argument ``name`` holds one value per completion, as TRL passes it."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Sequence):
        raise TypeError(
            f"{name} must be a list with one entry per completion, got {type(values).__name__}; "
            f"to use one value for every completion pass [value] * len(completions)"
        )
    if len(values) != count:
        raise ValueError(
            f"{name} has {len(values)} entries but there are {count} completions; "
            f"pass one {name} per completion (TRL passes each dataset column this way)"
        )
    return list(values)


@dataclass(frozen=True)
class Reply:
    """One completion with the conventions that map its coordinates to env pixels."""

    text: str
    screen_size: tuple[int, int] | None = None
    coordinates: Coordinates = PIXEL

    @cached_property
    def parsed(self) -> ParsedReply:
        """The parsed reply; its action comes from the answer block whatever the layout."""
        return parse_reply(self.text, screen_size=self.screen_size, coordinates=self.coordinates)

    @property
    def format_ok(self) -> bool:
        """Strict ``<think>..</think><answer>..</answer>`` layout with an action as answer."""
        return self.parsed.format_ok and self.parsed.action is not None

    @property
    def action(self) -> Action | None:
        """The action in the reply's answer block, or ``None``."""
        return self.parsed.action

    @cached_property
    def box(self) -> Box | None:
        """The box in the reply's answer block (or the whole reply when it has no answer tags)."""
        if self.text.count(ANSWER_OPEN) > 1:
            return None  # as for actions, two answers give none
        answer = self.parsed.answer
        if answer is None and ANSWER_OPEN in self.text:
            return None  # an unclosed answer block
        try:
            box = parse_box(
                self.text if answer is None else answer,
                screen_size=self.screen_size,
                coordinates=self.coordinates,
            )
        except ReplyError:
            return None
        return finite(box)

    @property
    def point(self) -> tuple[float, float] | None:
        """The reply's click or long-press point, else the centre of its box, else ``None``."""
        if self.action is not None and self.action.type in POINT_ACTIONS:
            return finite(self.action.point)
        box = self.box
        return None if box is None else ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def replies(
    completions: Sequence[Completion],
    *,
    screen_size: Sequence[Any] | None = None,
    coordinates: Sequence[Any] | None = None,
    **_columns: Any,
) -> list[Reply]:
    """Read a batch of completions with their optional ``screen_size`` and ``coordinates`` columns.

    ``screen_size`` entries are ``(width, height)`` of the env screen (or ``None``), and
    ``coordinates`` entries are :class:`Coordinates` or specs such as ``"norm1000"`` (default
    pixel). Other columns are for the calling reward and are ignored here.
    """
    count = len(completions)
    sizes = [None] * count if screen_size is None else column("screen_size", screen_size, count)
    specs = [PIXEL] * count if coordinates is None else column("coordinates", coordinates, count)
    conventions = [PIXEL if spec is None else Coordinates.parse(spec) for spec in specs]
    for index, (size, convention) in enumerate(zip(sizes, conventions, strict=True)):
        if size is None and convention != PIXEL:
            # Without the screen every reply would silently score 0: a caller's mistake.
            raise ValueError(
                f"coordinates[{index}] = '{convention}' needs the env screen to convert to pixels; "
                "pass screen_size with one (width, height) per completion"
            )
    return [
        Reply(
            completion_text(completion),
            None if size is None else (int(size[0]), int(size[1])),
            convention,
        )
        for completion, size, convention in zip(completions, sizes, conventions, strict=True)
    ]


def finite(values: Sequence[Any] | None) -> tuple[float, ...] | None:
    """``values`` as a tuple of floats, or ``None`` if any is not a finite number."""
    if values is None:
        return None
    try:
        floats = tuple(float(v) for v in values)
    except (OverflowError, TypeError, ValueError):
        return None
    return floats if all(math.isfinite(v) for v in floats) else None


def expert_actions(values: Any, count: int) -> list[Action]:
    """The ``expert_action`` column as Actions: entries may be Actions, JSON dicts or strings."""
    return [
        _expert_action(value, i) for i, value in enumerate(column("expert_action", values, count))
    ]


def _expert_action(value: Any, index: int) -> Action:
    if isinstance(value, Action):
        return value
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"expert_action[{index}] is not a JSON action: {error}") from None
    if not isinstance(value, Mapping):
        raise TypeError(
            f"expert_action[{index}] must be an Action, a dict such as "
            f'{{"action": "click", "coordinate": [x, y]}} or its JSON string, got {value!r:.200}'
        )
    try:
        return action_from_dict(dict(value))
    except ReplyError as error:
        raise ValueError(f"expert_action[{index}] = {value!r:.200} is invalid: {error}") from None


def target_boxes(values: Any, count: int, *, optional: bool = False) -> list[Box | None]:
    """The ``bbox`` column as boxes ``(x1, y1, x2, y2)`` in env pixels with x1 <= x2, y1 <= y2.

    With ``optional=True`` an entry may be ``None`` (no box for that completion).
    """
    return [
        None if box is None and optional else _target_box(box, i)
        for i, box in enumerate(column("bbox", values, count))
    ]


def _target_box(value: Any, index: int) -> Box:
    is_sequence = isinstance(value, Sequence) or hasattr(value, "__array__")
    box = finite(value) if is_sequence and not isinstance(value, str) else None
    if box is None or len(box) != 4 or box[0] > box[2] or box[1] > box[3]:
        raise ValueError(
            f"bbox[{index}] = {value!r:.200} is not a box [x1, y1, x2, y2] of finite env pixels "
            "with x1 <= x2 and y1 <= y2"
        )
    return box
