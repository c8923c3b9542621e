"""What a synthetic GUI screen is: boxes, widgets, and the hit test that maps a point to a widget.

A task builds a :class:`Screen` from its state every step (immediate mode). Widgets are frozen
values, so two screens compare equal exactly when they look the same, which lets the env skip
rendering when an action changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

#: Widget kinds, each drawn by its own function in :mod:`mmgym.envs.gui.render`.
WIDGET_KINDS = frozenset(
    {
        "bar",  # the top app bar with a title
        "back",  # the back arrow in the app bar
        "button",
        "icon",  # a coloured shape, optionally with a caption
        "app",  # a home-screen app icon with its name below
        "field",  # a text field: `text` is its value, `label` its placeholder
        "checkbox",
        "row",  # a list row
        "label",  # plain text
        "tab",
        "panel",  # a filled rectangle (card, dialog body, list background)
        "scrim",  # dims everything below it and blocks clicks (behind a dialog)
        "spinner",  # a loading indicator
    }
)


class Box(NamedTuple):
    """A pixel rectangle; ``x1`` and ``y1`` are exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[int, int]:
        return ((self.x0 + self.x1 - 1) // 2, (self.y0 + self.y1 - 1) // 2)

    def contains(self, x: int, y: int) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1

    def inset(self, dx: int, dy: int | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x0 + dx, self.y0 + dy, self.x1 - dx, self.y1 - dy)

    def rows(self, n: int, gap: int = 0) -> list[Box]:
        """Split into ``n`` equal rows, ``gap`` pixels apart."""
        height = (self.height - gap * (n - 1)) / n
        return [
            Box(self.x0, round(self.y0 + i * (height + gap)), self.x1,
                round(self.y0 + i * (height + gap) + height))
            for i in range(n)
        ]  # fmt: skip

    def cols(self, n: int, gap: int = 0) -> list[Box]:
        """Split into ``n`` equal columns, ``gap`` pixels apart."""
        width = (self.width - gap * (n - 1)) / n
        return [
            Box(round(self.x0 + i * (width + gap)), self.y0,
                round(self.x0 + i * (width + gap) + width), self.y1)
            for i in range(n)
        ]  # fmt: skip

    def grid(self, n_rows: int, n_cols: int, gap: int = 0) -> list[Box]:
        """Cells in reading order."""
        return [cell for row in self.rows(n_rows, gap) for cell in row.cols(n_cols, gap)]

    def as_list(self) -> list[int]:
        return [self.x0, self.y0, self.x1, self.y1]


class Widget(NamedTuple):
    """One visible element (a named tuple: tasks build hundreds a second).

    Attributes:
        kind: one of :data:`WIDGET_KINDS`.
        box: where it is drawn.
        name: the task's handle for it in hit tests; empty for decoration that ignores clicks.
        text: its caption, value or title.
        color: a palette colour name (see :data:`mmgym.envs.gui.render.PALETTE`).
        shape: for icons, one of :data:`mmgym.envs.gui.render.SHAPES`.
        on: checked (checkbox), focused (field), selected (tab, row) or pressed.
        label: secondary text: a field's placeholder, a row's detail.
    """

    kind: str
    box: Box
    name: str = ""
    text: str = ""
    color: str = "blue"
    shape: str = ""
    on: bool = False
    label: str = ""


@dataclass(frozen=True)
class Screen:
    """The widgets on screen, bottom to top."""

    widgets: tuple[Widget, ...]
    background: str = "white"

    def hit(self, x: int, y: int) -> Widget | None:
        """The topmost named widget under ``(x, y)``; a scrim swallows clicks below it."""
        for widget in reversed(self.widgets):
            if widget.box.contains(x, y) and (widget.name or widget.kind == "scrim"):
                return widget
        return None

    def find(self, name: str) -> Widget:
        """The widget the task named ``name`` (an error if the task did not put it on screen)."""
        for widget in self.widgets:
            if widget.name == name:
                return widget
        raise KeyError(f"no widget named {name!r} on this screen")
