"""The skill actions an MLLM drives the embodied envs with, in the shared JSON reply style.

``{"action": "move", "direction": "left", "amount": 5}`` moves the gripper (or robot) 5 cm;
``{"action": "move_to", "coordinate": [x, y]}`` moves it over what the camera shows at pixel
``(x, y)``, grounded like a GUI click; ``{"action": "grasp"}``, ``{"action": "release"}`` and
``{"action": "finish"}`` need no arguments. Each skill runs a built-in controller over many physics
steps. Directions are the scene's: ``left``/``right`` along -x/+x, ``forward``/``backward`` along
+y/-y (away from / towards the front camera), ``up``/``down`` along +z/-z.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

#: The longest single move, in centimetres.
MAX_MOVE_CM = 20.0
DIRECTIONS = ("left", "right", "forward", "backward", "up", "down")
#: Unit vectors of :data:`DIRECTIONS` in the scene's frame.
DIRECTION_VECTORS = {"left": (-1, 0, 0), "right": (1, 0, 0), "forward": (0, 1, 0), "backward": (0, -1, 0),
                     "up": (0, 0, 1), "down": (0, 0, -1)}  # fmt: skip


class SkillType(enum.IntEnum):
    MOVE = 0
    MOVE_TO = 1
    GRASP = 2
    RELEASE = 3
    FINISH = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class SkillError(ValueError):
    """A skill that is not valid; the message is one line saying why."""


@dataclass(frozen=True)
class Skill:
    """One skill action; arguments the skill does not use stay None.

    Attributes:
        type: what to do.
        direction: one of :data:`DIRECTIONS`, for move.
        amount: how far to move, in centimetres (0, :data:`MAX_MOVE_CM`], for move.
        point: ``(x, y)`` integer pixels of the camera image, for move_to.
    """

    type: SkillType
    direction: str | None = None
    amount: float | None = None
    point: tuple[int, int] | None = None

    @classmethod
    def move(cls, direction: str, amount: float) -> Skill:
        return cls(SkillType.MOVE, direction=direction, amount=float(amount))

    @classmethod
    def move_to(cls, x: int, y: int) -> Skill:
        return cls(SkillType.MOVE_TO, point=(int(x), int(y)))

    @classmethod
    def grasp(cls) -> Skill:
        return cls(SkillType.GRASP)

    @classmethod
    def release(cls) -> Skill:
        return cls(SkillType.RELEASE)

    @classmethod
    def finish(cls) -> Skill:
        return cls(SkillType.FINISH)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, e.g. ``{"action": "move", "direction": "up", "amount": 5.0}``."""
        out: dict[str, Any] = {"action": self.type.label}
        if self.type == SkillType.MOVE:
            out.update(direction=self.direction, amount=round(float(self.amount), 2))
        elif self.type == SkillType.MOVE_TO:
            out["coordinate"] = list(self.point)
        return out

    @classmethod
    def from_dict(cls, data: object) -> Skill:
        """Read the JSON form strictly.

        Raises:
            SkillError: ``data`` is not a valid skill.

        Example:
            >>> Skill.from_dict({"action": "move", "direction": "left", "amount": 5})
            Skill(type=<SkillType.MOVE: 0>, direction='left', amount=5.0, point=None)
        """
        if not isinstance(data, dict):
            raise SkillError(f"a skill is a JSON object, got {type(data).__name__}")
        name = data.get("action")
        if name not in {kind.label for kind in SkillType}:
            raise SkillError(f"action must be one of {', '.join(k.label for k in SkillType)}, got {name!r}")
        kind = SkillType[name.upper()]
        if kind == SkillType.MOVE:
            direction, amount = data.get("direction"), data.get("amount")
            if direction not in DIRECTIONS:
                raise SkillError(f"move needs a direction among {', '.join(DIRECTIONS)}, got {direction!r}")
            if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount):
                raise SkillError(f"move needs an amount in centimetres, got {amount!r}")
            return cls.move(direction, amount)
        if kind == SkillType.MOVE_TO:
            point = data.get("coordinate")
            if not (isinstance(point, list) and len(point) == 2 and all(_is_int(v) for v in point)):
                raise SkillError(f"move_to needs a coordinate [x, y] of integer pixels, got {point!r}")
            return cls.move_to(*point)
        return cls(kind)

    def to_space(self) -> dict[str, Any]:
        """This skill as an element of :func:`skill_space`."""
        return {
            "skill": int(self.type),
            "direction": DIRECTIONS.index(self.direction) if self.direction else 0,
            "amount": np.array(self.amount if self.amount is not None else 0.0, dtype=np.float32),
            "point": np.array(self.point if self.point is not None else (0, 0), dtype=np.int64),
        }

    @classmethod
    def from_space(cls, action: dict[str, Any]) -> Skill:
        """Read an element of :func:`skill_space`, keeping what its skill uses."""
        kind = SkillType(int(action["skill"]))
        if kind == SkillType.MOVE:
            return cls.move(DIRECTIONS[int(action["direction"])], float(np.asarray(action["amount"])))
        if kind == SkillType.MOVE_TO:
            x, y = np.asarray(action["point"]).tolist()
            return cls.move_to(x, y)
        return cls(kind)


def skill_space(width: int, height: int) -> spaces.Dict:
    """The structured skill space: skill type, move direction and amount (cm), move_to pixel."""
    return spaces.Dict({
        "skill": spaces.Discrete(len(SkillType)),
        "direction": spaces.Discrete(len(DIRECTIONS)),
        "amount": spaces.Box(0.0, MAX_MOVE_CM, (), np.float32),
        "point": spaces.Box(np.array([0, 0]), np.array([width - 1, height - 1]), (2,), np.int64),
    })  # fmt: skip


def as_skill(action: Skill | dict[str, Any]) -> Skill:
    """A :class:`Skill` from itself, its JSON form or its structured form."""
    if isinstance(action, Skill):
        return action
    if isinstance(action, dict) and "skill" in action:
        return Skill.from_space(action)
    return Skill.from_dict(action)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
