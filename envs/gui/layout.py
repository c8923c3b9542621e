"""Chrome every app screen shares: the app bar, the content area and modal dialogs."""

from __future__ import annotations

from mmgym.envs.gui.render import unit
from mmgym.envs.gui.screen import Box, Widget


def bar_height(size: tuple[int, int]) -> int:
    return round(28 * unit(size))


def app_bar(size: tuple[int, int], title: str, color: str = "blue", back: bool = False) -> list[Widget]:
    """The top bar with ``title``; ``back`` adds a back arrow named ``"back"``."""
    h = bar_height(size)
    widgets = [Widget("bar", Box(0, 0, size[0], h), text=title, color=color)]
    if back:
        widgets.append(Widget("back", Box(0, 0, h, h), name="back", color=color))
    return widgets


def content_area(size: tuple[int, int]) -> Box:
    """The area below the app bar, with margins."""
    m = round(8 * unit(size))
    return Box(m, bar_height(size) + m, size[0] - m, size[1] - m)


def dialog(size: tuple[int, int], title: str, message: str,
           buttons: list[tuple[str, str, str]]) -> list[Widget]:  # fmt: skip
    """A modal dialog over a dimmed screen; ``buttons`` are (name, text, colour) tuples."""
    u = unit(size)
    w, h = min(size[0] - round(24 * u), round(200 * u)), round(100 * u)
    x0, y0 = (size[0] - w) // 2, (size[1] - h) // 2
    panel = Box(x0, y0, x0 + w, y0 + h)
    pad = round(8 * u)
    inner = panel.inset(pad)
    title_box, message_box, _, button_row = inner.rows(4, gap=round(2 * u))
    button_row = Box(button_row.x0, button_row.y0 - round(4 * u), button_row.x1, button_row.y1)
    widgets = [
        Widget("scrim", Box(0, 0, *size), name="scrim"),
        Widget("panel", panel, color="white"),
        Widget("label", title_box, text=title, color="ink", on=True),
        Widget("label", message_box, text=message, color="muted"),
    ]
    for (name, text, color), cell in zip(buttons, button_row.cols(len(buttons), gap=pad), strict=True):
        widgets.append(Widget("button", cell, name=name, text=text, color=color))
    return widgets
