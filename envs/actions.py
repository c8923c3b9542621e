"""The shared GUI action schema: one typed definition used by every env, reward, parser and agent.

The vocabulary follows UI-R1 / GUI-R1 and Qwen2.5-VL's ``mobile_use`` tool: click, long_press,
scroll(direction), type(text), key(name), navigate_back, navigate_home, open_app(name), wait and
finish(text). An action has three equivalent forms:

- :class:`Action`, the typed value the code passes around;
- the JSON form, ``{"action": "click", "coordinate": [x, y]}``, which models write and read;
- the structured form, an element of :func:`action_space` (a ``gymnasium.spaces.Dict``), which
  vector envs and classical RL code use.

Coordinates are always integer pixels of the observation image here; other conventions (0-1000,
0-1, a resized image) are converted at the model boundary by :mod:`mmgym.envs.coordinates`.
"""

from __future__ import annotations

import enum
import string
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

#: Characters allowed in instructions and typed text: printable ASCII without tabs and newlines.
CHARSET = string.ascii_letters + string.digits + string.punctuation + " "
MAX_TEXT_LENGTH = 64
MAX_INSTRUCTION_LENGTH = 256


class ActionType(enum.IntEnum):
    CLICK = 0
    LONG_PRESS = 1
    SCROLL = 2
    TYPE = 3
    KEY = 4
    NAVIGATE_BACK = 5
    NAVIGATE_HOME = 6
    OPEN_APP = 7
    WAIT = 8
    FINISH = 9

    @property
    def label(self) -> str:
        """The name models write, e.g. ``"long_press"``."""
        return self.name.lower()


class Direction(enum.IntEnum):
    """Scroll direction: ``down`` moves the content up to reveal what is below."""

    UP = 0
    DOWN = 1
    LEFT = 2
    RIGHT = 3

    @property
    def label(self) -> str:
        return self.name.lower()


#: Key names for ``key`` actions, in the order of the structured space's ``key`` index.
KEYS = (
    "enter", "tab", "backspace", "delete", "escape", "space",
    "up", "down", "left", "right", "home", "end", "page_up", "page_down",
)  # fmt: skip

POINT_ACTIONS = frozenset({ActionType.CLICK, ActionType.LONG_PRESS})
TEXT_ACTIONS = frozenset({ActionType.TYPE, ActionType.OPEN_APP, ActionType.FINISH})


@dataclass(frozen=True)
class Action:
    """One GUI action. Arguments that the action type does not use stay ``None``.

    Attributes:
        type: what to do.
        point: ``(x, y)`` integer pixels; required for click and long_press, optional for scroll.
        direction: scroll direction; required for scroll.
        text: the text to type, the app to open, or the final answer; required (possibly empty) for
            type, open_app and finish.
        key: one of :data:`KEYS`; required for key.
    """

    type: ActionType
    point: tuple[int, int] | None = None
    direction: Direction | None = None
    text: str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise ValueError(f"invalid {self.type.label} action: {problem}")

    def _problem(self) -> str | None:
        kind = self.type
        if kind in POINT_ACTIONS and self.point is None:
            return "needs a point (x, y)"
        if kind == ActionType.SCROLL and self.direction is None:
            return "needs a direction (up, down, left or right)"
        if kind in TEXT_ACTIONS and self.text is None:
            return "needs a text"
        if kind == ActionType.KEY and self.key not in KEYS:
            return f"key must be one of {', '.join(KEYS)}, got {self.key!r}"
        if self.point is not None and not (
            len(self.point) == 2 and all(type(v) is int for v in self.point)
        ):
            return f"point must be two ints, got {self.point!r}"
        return None

    # Constructors, in the words a caller uses.
    @classmethod
    def click(cls, x: int, y: int) -> Action:
        return cls(ActionType.CLICK, point=(int(x), int(y)))

    @classmethod
    def long_press(cls, x: int, y: int) -> Action:
        return cls(ActionType.LONG_PRESS, point=(int(x), int(y)))

    @classmethod
    def scroll(cls, direction: Direction | str, point: tuple[int, int] | None = None) -> Action:
        if isinstance(direction, str):
            if direction.upper() not in Direction.__members__:
                raise ValueError(f"scroll direction must be up, down, left or right, got {direction!r}")
            direction = Direction[direction.upper()]
        point = None if point is None else (int(point[0]), int(point[1]))
        return cls(ActionType.SCROLL, point=point, direction=direction)

    @classmethod
    def type_text(cls, text: str) -> Action:
        return cls(ActionType.TYPE, text=text)

    @classmethod
    def press_key(cls, key: str) -> Action:
        return cls(ActionType.KEY, key=key)

    @classmethod
    def back(cls) -> Action:
        return cls(ActionType.NAVIGATE_BACK)

    @classmethod
    def home(cls) -> Action:
        return cls(ActionType.NAVIGATE_HOME)

    @classmethod
    def open_app(cls, name: str) -> Action:
        return cls(ActionType.OPEN_APP, text=name)

    @classmethod
    def wait(cls) -> Action:
        return cls(ActionType.WAIT)

    @classmethod
    def finish(cls, answer: str = "") -> Action:
        return cls(ActionType.FINISH, text=answer)

    # JSON form.
    def to_dict(self) -> dict[str, Any]:
        """The JSON form models read and write, e.g. ``{"action": "click", "coordinate": [3, 4]}``."""
        out: dict[str, Any] = {"action": self.type.label}
        if self.point is not None:
            out["coordinate"] = list(self.point)
        if self.direction is not None:
            out["direction"] = self.direction.label
        if self.key is not None:
            out["key"] = self.key
        if self.type == ActionType.OPEN_APP:
            out["app"] = self.text
        elif self.text is not None:
            out["text"] = self.text
        return out

    def to_json(self) -> str:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False)

    # Structured (gymnasium space) form.
    def to_space(self, screen_size: tuple[int, int]) -> dict[str, Any]:
        """This action as an element of ``action_space(*screen_size)``.

        Unused arguments get neutral values; a scroll without a point scrolls at the screen centre.
        """
        width, height = screen_size
        point = self.point if self.point is not None else (width // 2, height // 2)
        text = self.text or ""
        return {
            "action_type": int(self.type),
            "point": np.array(point, dtype=np.int64),
            "direction": int(self.direction if self.direction is not None else Direction.DOWN),
            "text": text,
            "key": KEYS.index(self.key) if self.key is not None else 0,
        }

    @classmethod
    def from_space(cls, action: dict[str, Any]) -> Action:
        """Read an element of :func:`action_space`, keeping only what its action type uses."""
        kind = ActionType(int(action["action_type"]))
        x, y = (int(v) for v in np.asarray(action["point"]).reshape(2))
        text = str(action["text"])
        if kind in POINT_ACTIONS:
            return cls(kind, point=(x, y))
        if kind == ActionType.SCROLL:
            return cls(kind, point=(x, y), direction=Direction(int(action["direction"])))
        if kind == ActionType.KEY:
            return cls(kind, key=KEYS[int(action["key"])])
        if kind in TEXT_ACTIONS:
            return cls(kind, text=text)
        return cls(kind)


def action_space(width: int, height: int) -> spaces.Dict:
    """The structured action space of a ``width`` x ``height`` GUI screen."""
    return spaces.Dict(
        {
            "action_type": spaces.Discrete(len(ActionType)),
            "point": spaces.Box(
                low=np.zeros(2, dtype=np.int64),
                high=np.array([width - 1, height - 1], dtype=np.int64),
                dtype=np.int64,
            ),
            "direction": spaces.Discrete(len(Direction)),
            "text": spaces.Text(max_length=MAX_TEXT_LENGTH, min_length=0, charset=CHARSET),
            "key": spaces.Discrete(len(KEYS)),
        }
    )


def as_action(action: Action | dict[str, Any]) -> Action:
    """Accept either an :class:`Action` or an element of :func:`action_space`."""
    if isinstance(action, Action):
        return action
    if isinstance(action, dict) and "action_type" in action:
        return Action.from_space(action)
    raise TypeError(
        f"expected an mmgym Action or an element of the env's action_space, got {type(action).__name__}"
        "; wrap the env in mmgym.envs.TextActions to step it with model replies"
    )
