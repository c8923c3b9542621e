"""Coordinate conventions a model may write points in, converted explicitly to the env's pixels.

Envs speak integer pixels of the observation image. Models are trained on other conventions:
pixels of the resized image the processor fed them (Qwen2.5-VL), 0-1000 normalised (Qwen-VL,
UI-TARS) or 0-1 normalised. :class:`Coordinates` names the convention and converts both ways.

Rules, for a model value ``v`` along an axis whose screen extent is ``W`` pixels and whose model
extent is ``E`` (``E = W`` for plain ``pixel``, the resized image's width or height for
``pixel@WxH``, 1000 for ``norm1000`` and 1.0 for ``norm1``):

- :meth:`Coordinates.to_screen` (model -> env): non-finite values are invalid; pixel kinds are valid
  iff ``0 <= v < E``, normalised kinds iff ``0 <= v <= E``; the env pixel is
  ``min(floor(v * W / E), W - 1)``. An invalid point raises ``ValueError`` with a one-line reason.
- :meth:`Coordinates.from_screen` (env -> model; what the oracle writes): take the pixel centre
  ``c = (x + 0.5) * E / W``; pixel kinds write ``floor(c)``, ``norm1000`` writes ``round(c)``
  (halves up) and ``norm1`` writes ``round(c, 4)``. When ``E >= W`` an integer so chosen can fall
  just outside the model range that maps back to ``x`` (e.g. ``E = 5``, ``W = 4``, ``x = 1``:
  ``floor(1.875) = 1`` maps to pixel 0); it is then moved to the nearest integer that maps back.
- Hence ``to_screen(from_screen(p)) == p`` whenever ``E >= W`` (and for ``norm1`` on screens under
  10000 pixels, since it keeps four decimals); otherwise the round trip lands within
  ``ceil(W / E)`` pixels of ``p``.
- :meth:`Coordinates.box_to_screen` converts box edges, which may lie on the far border:
  ``0 <= v <= E`` for every kind, giving ``v * W / E`` as a float.

Example:
    >>> Coordinates.parse("norm1000").to_screen(500, 250, (224, 224))
    (112, 56)
    >>> Coordinates.parse("pixel@448x448").from_screen(10, 20, (224, 224))
    (21, 41)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

CoordinateKind = Literal["pixel", "norm1000", "norm1"]
_KINDS: tuple[str, ...] = get_args(CoordinateKind)
_NORM1_DECIMALS = 4


@dataclass(frozen=True)
class Coordinates:
    """A coordinate convention.

    Attributes:
        kind: ``"pixel"`` (integer pixels), ``"norm1000"`` (0-1000) or ``"norm1"`` (0-1).
        image_size: for ``kind="pixel"`` only, the ``(width, height)`` of the resized image the
            model saw; ``None`` means the model saw the observation at its own size.
    """

    kind: CoordinateKind = "pixel"
    image_size: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown coordinate kind {self.kind!r}; use 'pixel', 'norm1000' or 'norm1'")
        if self.image_size is None:
            return
        if self.kind != "pixel":
            raise ValueError(
                f"image_size only applies to kind='pixel' (pixels of a resized image); "
                f"{self.kind} coordinates are already normalised, so drop image_size"
            )
        object.__setattr__(self, "image_size", _checked_size(self.image_size, "image_size"))

    @classmethod
    def parse(cls, spec: str | Coordinates) -> Coordinates:
        """Read ``"pixel"``, ``"norm1000"``, ``"norm1"`` or ``"pixel@448x448"`` (a resized image).

        Raises:
            ValueError: if ``spec`` is none of these.
        """
        if isinstance(spec, Coordinates):
            return spec
        if not isinstance(spec, str):
            raise TypeError(f"coordinates must be a string or Coordinates, got {type(spec).__name__}")
        text = spec.strip().lower()
        if text in _KINDS:
            return cls(text)  # type: ignore[arg-type]
        kind, at, size = text.partition("@")
        width, x, height = size.partition("x")
        if kind == "pixel" and at and x and _is_decimal(width) and _is_decimal(height):
            return cls("pixel", (int(width), int(height)))
        raise ValueError(
            f"unknown coordinate convention {spec!r}; use 'pixel', 'norm1000', 'norm1' or "
            "'pixel@WIDTHxHEIGHT' for pixels of a resized image (e.g. 'pixel@448x448')"
        )

    def __str__(self) -> str:
        if self.image_size is None:
            return self.kind
        return f"pixel@{self.image_size[0]}x{self.image_size[1]}"

    def extent(self, screen_size: tuple[int, int]) -> tuple[float, float]:
        """The model's range ``(E_x, E_y)`` along each axis for a screen of ``screen_size``.

        Raises:
            ValueError: ``screen_size`` is not two positive ints.
        """
        screen_size = _checked_size(screen_size, "screen_size")
        if self.kind == "norm1000":
            return 1000, 1000
        if self.kind == "norm1":
            return 1.0, 1.0
        return self.image_size or screen_size

    def to_screen(self, x: float, y: float, screen_size: tuple[int, int]) -> tuple[int, int]:
        """The env pixel a model point lands on.

        Raises:
            ValueError: the point is not finite or lies outside the model's range.
        """
        width, height = _checked_size(screen_size, "screen_size")
        ex, ey = self.extent(screen_size)
        point = f"coordinate ({_number_text(x)}, {_number_text(y)})"
        if not (_is_finite(x) and _is_finite(y)):
            raise ValueError(f"{point} is not a pair of finite numbers")
        if not (self._accepts(x, ex) and self._accepts(y, ey)):
            raise ValueError(f"{point} is outside {self._range_text(width, height)}")
        return _scale_down(x, width, ex), _scale_down(y, height, ey)

    def from_screen(
        self, x: int, y: int, screen_size: tuple[int, int]
    ) -> tuple[int, int] | tuple[float, float]:
        """What a model should write for env pixel ``(x, y)``: the value at the pixel's centre.

        Raises:
            ValueError: ``(x, y)`` is not a pixel of the screen.
        """
        width, height = _checked_size(screen_size, "screen_size")
        if not (_is_int(x) and _is_int(y) and 0 <= x < width and 0 <= y < height):
            raise ValueError(f"pixel ({x!r}, {y!r}) is outside the {width}x{height} screen")
        if self.kind == "norm1":
            return (
                round((x + 0.5) / width, _NORM1_DECIMALS),
                round((y + 0.5) / height, _NORM1_DECIMALS),
            )
        ex, ey = self.extent(screen_size)
        return self._model_int(x, width, int(ex)), self._model_int(y, height, int(ey))

    def box_to_screen(
        self, box: tuple[float, float, float, float], screen_size: tuple[int, int]
    ) -> tuple[float, float, float, float]:
        """Convert box edges ``(x1, y1, x2, y2)`` to env pixels, keeping fractions.

        Edges may sit on the far border (``v == E``) for every kind, unlike points.

        Raises:
            ValueError: an edge is not finite or lies outside the model's range.
        """
        width, height = _checked_size(screen_size, "screen_size")
        ex, ey = self.extent(screen_size)
        x1, y1, x2, y2 = box
        text = ", ".join(_number_text(v) for v in box)
        if not all(_is_finite(v) for v in box):
            raise ValueError(f"box [{text}] has a non-finite number")
        if not all(0 <= v <= e for v, e in ((x1, ex), (y1, ey), (x2, ex), (y2, ey))):
            raise ValueError(f"box [{text}] is outside {self._range_text(width, height)}")
        return x1 * width / ex, y1 * height / ey, x2 * width / ex, y2 * height / ey

    def _accepts(self, value: float, extent: float) -> bool:
        if self.kind == "pixel":
            return 0 <= value < extent
        return 0 <= value <= extent

    def _range_text(self, width: int, height: int) -> str:
        if self.kind == "norm1000":
            return "the 0-1000 range"
        if self.kind == "norm1":
            return "the 0-1 range"
        if self.image_size is not None:
            return f"the {self.image_size[0]}x{self.image_size[1]} image"
        return f"the {width}x{height} screen"

    def _model_int(self, x: int, width: int, extent: int) -> int:
        # Exact integer arithmetic on c = (2x + 1) * E / (2W), so no float rounding can move a
        # value onto a neighbouring pixel.
        numerator, denominator = (2 * x + 1) * extent, 2 * width
        # Pixel kinds take the model pixel holding the centre; norm1000 rounds halves up.
        value = numerator // denominator if self.kind == "pixel" else (numerator + width) // denominator
        lowest = -(-x * extent // width)  # smallest v with floor(v * W / E) == x
        highest = ((x + 1) * extent - 1) // width  # largest such v
        if lowest <= highest:
            value = min(max(value, lowest), highest)
        return value


#: Plain integer pixels of the observation image, the env's own convention.
PIXEL = Coordinates()


def _scale_down(value: float, size: int, extent: float) -> int:
    if isinstance(value, int) and isinstance(extent, int):
        return min(value * size // extent, size - 1)  # exact for integer inputs
    return min(math.floor(value * size / extent), size - 1)


def _checked_size(size: object, name: str) -> tuple[int, int]:
    if isinstance(size, tuple | list) and len(size) == 2 and all(_is_int(v) and v > 0 for v in size):
        return int(size[0]), int(size[1])
    raise ValueError(f"{name} must be (width, height) in positive ints, got {size!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite(value: float) -> bool:
    # math.isfinite overflows on ints beyond the float range; ints are always finite.
    return isinstance(value, int) or math.isfinite(value)


def _is_decimal(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) > 0


def _number_text(value: float) -> str:
    if isinstance(value, int):
        # str() refuses ints beyond 4300 digits, and a message has no use for them anyway.
        return str(value) if abs(value) < 10**30 else "<huge int>"
    return repr(float(value))
