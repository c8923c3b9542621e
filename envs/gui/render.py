"""Drawing synthetic GUI screens.

Every widget is drawn once into a sprite cached by its look (kind, size, text, colour, state); a
frame is then a numpy copy of each sprite into place, a few microseconds a widget. A step that
changed nothing costs nothing (the env keeps the last frame). Text comes from
:mod:`mmgym.envs.gui.text`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw

from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.text import (
    blend_text,
    fit_text,
    font_size,
    frozen,
    place_text,
    text_length,
    text_mask,
    text_on_plain,
    text_width,
)

#: Named colours that instructions may mention ("the green triangle").
PALETTE = {
    "red": (220, 50, 47),
    "orange": (243, 140, 32),
    "yellow": (236, 200, 20),
    "green": (46, 160, 67),
    "blue": (38, 110, 220),
    "purple": (130, 70, 200),
    "pink": (232, 90, 170),
    "brown": (140, 90, 50),
    "gray": (128, 128, 128),
    "black": (25, 25, 25),
    "white": (255, 255, 255),
    # Neutral tones for chrome; instructions never name these.
    "paper": (246, 247, 250),
    "line": (200, 204, 212),
    "ink": (33, 37, 41),
    "muted": (110, 117, 125),
    "focus": (255, 248, 214),
}
#: Colours a task may pick for a coloured element (distinct enough to name).
NAMED_COLORS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "gray", "black")
SHAPES = ("circle", "square", "triangle", "diamond", "star", "hexagon", "cross")


def unit(screen_size: tuple[int, int]) -> float:
    """Pixels per design unit: layouts are drawn for 224 px and scale with the shorter side."""
    return min(screen_size) / 224


def natural_width(kind: str, text: str, height: int, bold: bool = False) -> int:
    """The narrowest box of ``height`` pixels that shows ``text`` in a ``kind`` widget uncut.

    ``bold`` matters only for labels (a label with ``on=True`` is bold); rows: :func:`row_width`.
    """
    if kind == "button":
        return text_width(text, height, bold=True) + height * 3 // 4
    if kind == "field":
        return text_width(text, height) + height * 3 // 4
    if kind == "checkbox":
        return int(height * 0.7) + height // 3 + text_width(text, height) + 2
    if kind == "icon":
        return max(int(height * 0.7), int(text_length(text, _caption_size(height))) + 2)
    if kind == "label":
        return int(text_length(text, _label_size(height), bold)) + 2
    return text_width(text, height)


def row_width(text: str, detail: str, height: int, icon: bool) -> int:
    """The narrowest ``row`` of ``height`` pixels that shows ``text`` and its ``detail`` uncut."""
    pad = height // 4
    needed = (height if icon else pad) + pad + text_width(text, height)
    if detail:  # the detail sits flush right, ``pad`` from the edge and ``2 * pad`` from the text
        needed += text_width(detail, height) + 2 * pad
    return needed


def _label_size(height: int) -> int:
    """Font size of a ``label`` widget of ``height`` pixels."""
    return int(height * 0.7)


def _caption_size(height: int) -> int:
    """Font size of the caption under an icon or app of ``height`` pixels."""
    return font_size(height - int(height * 0.7)) + 2


class Caption(NamedTuple):
    """A string a widget shows, and where: centred or left-aligned in ``box``, clipped to it."""

    box: tuple[int, int, int, int]
    text: str
    ink: tuple[int, int, int]
    size: int
    bold: bool = False
    align: str = "center"


def shape_points(shape: str, box: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """The polygon of a non-circle shape inside ``box``."""
    x0, y0, x1, y1 = box
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2

    def ring(n: int, radii: list[float], start: float = -math.pi / 2) -> list[tuple[float, float]]:
        return [
            (cx + rx * radii[i % len(radii)] * math.cos(start + 2 * math.pi * i / n),
             cy + ry * radii[i % len(radii)] * math.sin(start + 2 * math.pi * i / n))
            for i in range(n)
        ]  # fmt: skip

    if shape == "square":
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if shape == "triangle":
        return [(cx, y0), (x1, y1), (x0, y1)]
    if shape == "diamond":
        return ring(4, [1.0])
    if shape == "star":
        return ring(10, [1.0, 0.45])
    if shape == "hexagon":
        return ring(6, [1.0], start=0.0)
    if shape == "cross":
        a, b = 0.3, 1.0
        pts = [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b), (-a, b), (-a, a),
               (-b, a), (-b, -a), (-a, -a)]  # fmt: skip
        return [(cx + px * rx, cy + py * ry) for px, py in pts]
    raise ValueError(f"unknown shape {shape!r}; use one of {', '.join(SHAPES)}")


def draw_shape(draw: ImageDraw.ImageDraw, shape: str, box, color: tuple) -> None:
    if shape == "circle":
        draw.ellipse(box, fill=color)
    else:
        draw.polygon(shape_points(shape, box), fill=color)


# Each widget kind has a chrome drawer, which paints its (w, h) sprite on the screen background
# with Pillow and never reads the widget's strings, and a captions function, which says where the
# strings go. Chrome is cached apart from the strings, so a row or button with new text costs a copy
# and a blend per string rather than a Pillow drawing.
def _bar(d, w, h, wd: Widget) -> None:
    d.rectangle((0, 0, w, h), fill=PALETTE[wd.color])


def _bar_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    return (Caption((h // 3, 0, w - h // 3, h), wd.text, PALETTE["white"], font_size(h) + 1, bold=True),)


def _back(d, w, h, wd: Widget) -> None:
    d.rectangle((0, 0, w, h), fill=PALETTE[wd.color])
    m = h * 0.3
    d.line([(w * 0.6, m), (w * 0.3, h / 2), (w * 0.6, h - m)], fill=PALETTE["white"],
           width=max(2, h // 10))  # fmt: skip


def _button(d, w, h, wd: Widget) -> None:
    d.rounded_rectangle((0, 0, w - 1, h - 1), radius=h // 4, fill=PALETTE[wd.color])


def _button_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    ink = PALETTE["black"] if wd.color in ("yellow", "white", "paper") else PALETTE["white"]
    return (Caption((2, 0, w - 2, h), wd.text, ink, font_size(h), bold=True),)


def _icon_size(w: int, h: int, captioned: bool) -> int:
    """Side of an icon's shape: the whole height, or the part above its caption."""
    return min(w, int(h * 0.7) if captioned else h)


def _icon_chrome(w: int, h: int, color: str, shape: str, captioned: bool, surface: str) -> np.ndarray:
    """An icon's shape, centred (at the top if captioned). Icons come in every size, colour and
    place, so the shape's mask is drawn once per size and half-pixel offset and placed with numpy."""
    size = _icon_size(w, h, captioned)
    x0, y0 = (w - size) / 2, 0 if captioned else (h - size) / 2
    mask = _shape_mask(shape, size, x0 % 1, y0 % 1)
    coverage = np.zeros((h, w), dtype=np.uint8)
    target = coverage[int(y0):int(y0) + size + 1, int(x0):int(x0) + size + 1]
    target[...] = mask[:target.shape[0], :target.shape[1]]  # the mask's spare edge is empty
    return np.array((PALETTE[surface], PALETTE[color]), dtype=np.uint8).take(coverage, axis=0)


@lru_cache(maxsize=2048)
def _shape_mask(shape: str, size: int, dx: float, dy: float) -> np.ndarray:
    """Where ``shape`` covers an icon of side ``size`` at offset ``(dx, dy)`` (0 or 0.5), as 0/1
    in a square one pixel larger: Pillow fills shapes without antialiasing."""
    image = Image.new("L", (size + 1, size + 1), 0)
    draw_shape(ImageDraw.Draw(image), shape, (dx + 1, dy + 1, dx + size - 2, dy + size - 2), 1)
    return frozen(np.asarray(image))


def _icon_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    if not wd.text:
        return ()
    return (Caption((0, _icon_size(w, h, True), w, h), wd.text, PALETTE["ink"], _caption_size(h)),)


def _app_size(w, h) -> int:
    return min(w, int(h * 0.68))


def _app(d, w, h, wd: Widget) -> None:
    size = _app_size(w, h)
    x0 = (w - size) // 2
    d.rounded_rectangle((x0, 0, x0 + size - 1, size - 1), radius=size // 4, fill=PALETTE[wd.color])
    inner = size * 0.25
    draw_shape(d, wd.shape or "circle", (x0 + inner, inner, x0 + size - inner, size - inner),
               PALETTE["white"])  # fmt: skip


def _app_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    return (Caption((0, _app_size(w, h), w, h), wd.text, PALETTE["ink"], _caption_size(h)),)


def _field(d, w, h, wd: Widget) -> None:
    d.rectangle((0, 0, w - 1, h - 1), fill=PALETTE["focus" if wd.on else "white"],
                outline=PALETTE["blue" if wd.on else "line"], width=2 if wd.on else 1)  # fmt: skip


def _field_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    shown, ink = (wd.text, "ink") if wd.text else (wd.label, "muted")
    return (Caption((h // 4, 0, w - h // 4, h), shown + ("|" if wd.on else ""), PALETTE[ink], font_size(h),
                    align="left"),)  # fmt: skip


def _checkbox(d, w, h, wd: Widget) -> None:
    s = int(h * 0.7)
    y = (h - s) // 2
    if wd.on:
        d.rectangle((0, y, s, y + s), fill=PALETTE["blue"])
        d.line([(s * 0.2, y + s * 0.5), (s * 0.45, y + s * 0.75), (s * 0.8, y + s * 0.25)],
               fill=PALETTE["white"], width=max(2, s // 6))  # fmt: skip
    else:
        d.rectangle((0, y, s, y + s), outline=PALETTE["muted"], width=max(1, s // 8))


def _checkbox_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    return (Caption((int(h * 0.7) + h // 3, 0, w, h), wd.text, PALETTE["ink"], font_size(h), align="left"),)


def _row(d, w, h, wd: Widget) -> None:
    d.rectangle((0, 0, w, h - 1), fill=PALETTE["focus" if wd.on else "white"])
    d.line([(0, h - 1), (w, h - 1)], fill=PALETTE["line"])
    pad = h // 4
    if wd.shape:
        draw_shape(d, wd.shape, (pad, pad, h - pad, h - pad), PALETTE[wd.color])


def _row_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    pad = h // 4
    left = h if wd.shape else pad
    if not wd.label:
        return (Caption((left, 0, w - pad, h), wd.text, PALETTE["ink"], font_size(h), align="left"),)
    tw = text_width(wd.label, h) + pad
    detail = Caption((w - tw - pad, 0, w - pad, h), wd.label, PALETTE["muted"], font_size(h) - 1)
    text = Caption((left, 0, w - tw - 2 * pad, h), wd.text, PALETTE["ink"], font_size(h), align="left")
    return detail, text


def _tab(d, w, h, wd: Widget) -> None:
    if wd.on:
        d.rectangle((0, h - max(2, h // 12), w, h), fill=PALETTE[wd.color])


def _tab_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    ink = PALETTE[wd.color] if wd.on else PALETTE["muted"]
    return (Caption((0, 0, w, h), wd.text, ink, font_size(h) - 1, bold=wd.on),)


def _panel(d: ImageDraw.ImageDraw, wd: Widget) -> None:
    x0, y0, x1, y1 = wd.box
    d.rounded_rectangle((x0, y0, x1 - 1, y1 - 1), radius=_panel_radius(wd),
                        fill=PALETTE[wd.color], outline=PALETTE["line"])  # fmt: skip


def _panel_radius(wd: Widget) -> int:
    return max(2, min(wd.box.width, wd.box.height) // 16)


def _spinner(d, w, h, wd: Widget) -> None:
    s = min(w, h) * 0.6
    box = ((w - s) / 2, (h - s) / 2 - h * 0.1, (w + s) / 2, (h + s) / 2 - h * 0.1)
    d.arc(box, 0, 270, fill=PALETTE[wd.color], width=max(2, int(s // 8)))


def _spinner_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    return (Caption((0, int(h * 0.8), w, h), wd.text, PALETTE["muted"], font_size(int(h * 0.2))),)


def _no_captions(w, h, wd: Widget) -> tuple[Caption, ...]:
    return ()


Chrome = Callable[[ImageDraw.ImageDraw, int, int, Widget], None]
Captions = Callable[[int, int, Widget], tuple[Caption, ...]]
#: Each kind's Pillow chrome drawer (icons: :func:`_icon_chrome`, no Pillow drawing) and captions.
DRAWERS: dict[str, tuple[Chrome | None, Captions]] = {
    "bar": (_bar, _bar_captions), "back": (_back, _no_captions), "button": (_button, _button_captions),
    "icon": (None, _icon_captions), "app": (_app, _app_captions), "field": (_field, _field_captions),
    "checkbox": (_checkbox, _checkbox_captions), "row": (_row, _row_captions), "tab": (_tab, _tab_captions),
    "spinner": (_spinner, _spinner_captions),
}  # fmt: skip


@lru_cache(maxsize=4096)
def sprite(kind: str, width: int, height: int, text: str, color: str, shape: str, on: bool, label: str,
           surface: str) -> np.ndarray:  # fmt: skip
    """A widget drawn at its size on the ``surface`` colour, as a read-only ``(h, w, 3)`` array.

    Cached by look, not position: the arguments are the widget's fields less its box and name.
    """
    if kind == "label":
        return frozen(_label_sprite(width, height, text, color, on, surface))
    pixels = chrome(kind, width, height, color, shape, on, bool(text), surface).copy()
    look = Widget(kind, Box(0, 0, width, height), "", text, color, shape, on, label)
    for caption in DRAWERS[kind][1](width, height, look):
        _blend_caption(pixels, caption)
    return frozen(pixels)


#: Kinds whose chrome is the same in every column between a left and a right end: a wider one is a
#: narrower one with its middle column repeated.
STRETCHY = frozenset({"bar", "button", "field", "checkbox", "row", "tab"})


@lru_cache(maxsize=4096)
def chrome(kind: str, width: int, height: int, color: str, shape: str, on: bool, captioned: bool,
           surface: str) -> np.ndarray:  # fmt: skip
    """A widget without its strings, as a read-only array. Chrome never reads the strings, only
    whether there are any (``captioned``: an icon's shape shrinks to make room for its caption).

    A stretchy widget wider than ``2 * height + 1`` is drawn that wide once and widened by
    repeating column ``height``: the ends (rounded corners, a row's icon, a checkbox's box) lie
    within ``height`` pixels of the sides, so this is exactly the drawing at full width.
    """
    if kind == "icon":
        return frozen(_icon_chrome(max(1, width), max(1, height), color, shape, captioned, surface))
    drawn = 2 * height + 1
    if kind not in STRETCHY or width <= drawn:
        return _drawn_chrome(kind, width, height, color, shape, on, surface)
    narrow = _drawn_chrome(kind, drawn, height, color, shape, on, surface)
    middle = np.broadcast_to(narrow[:, height:height + 1], (height, width - drawn + 1, 3))
    return frozen(np.concatenate((narrow[:, :height], middle, narrow[:, height + 1:]), axis=1))


@lru_cache(maxsize=1024)
def _drawn_chrome(kind: str, width: int, height: int, color: str, shape: str, on: bool,
                  surface: str) -> np.ndarray:  # fmt: skip
    image = Image.new("RGB", (max(1, width), max(1, height)), PALETTE[surface])
    look = Widget(kind, Box(0, 0, width, height), "", "", color, shape, on)
    DRAWERS[kind][0](ImageDraw.Draw(image), width, height, look)
    return frozen(np.asarray(image))


def _blend_caption(pixels: np.ndarray, caption: Caption) -> None:
    box, text, ink, size, bold, align = caption
    shown = fit_text(text, size, bold, box[2] - box[0])
    if shown:
        mask = text_mask(shown, size, bold)
        blend_text(pixels, mask, *place_text(box, mask, align), ink)


def _label_sprite(width: int, height: int, text: str, color: str, bold: bool, surface: str) -> np.ndarray:
    """A label is text alone: its string on the surface colour, no chrome to draw."""
    width, height, size = max(1, width), max(1, height), _label_size(height)
    shown = fit_text(text, size, bold, width)
    if not shown:
        return np.full((height, width, 3), PALETTE[surface], dtype=np.uint8)
    mask = text_mask(shown, size, bold)
    x, y = place_text((0, 0, width, height), mask, "left")
    return text_on_plain(width, height, mask, x, y, PALETTE[color], PALETTE[surface])


class PanelSprite(NamedTuple):
    """A card or dialog body, the mask of its rounded shape (its corners show what is below), and
    the rows ``[top, bottom)`` that lie wholly inside the shape and so need no mask."""

    pixels: np.ndarray
    mask: np.ndarray
    top: int
    bottom: int


@lru_cache(maxsize=1024)
def panel_sprite(width: int, height: int, color: str) -> PanelSprite:
    image, mask = Image.new("RGB", (width, height)), Image.new("L", (width, height), 0)
    look = Widget("panel", Box(0, 0, width, height), color=color)
    _panel(ImageDraw.Draw(image), look)
    corners = _panel_radius(look)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, width - 1, height - 1), radius=corners, fill=255)
    inside = np.asarray(mask)[..., None] > 0
    whole = np.flatnonzero(inside.all(axis=(1, 2)))
    top, bottom = (int(whole[0]), int(whole[-1]) + 1) if len(whole) else (0, 0)
    return PanelSprite(frozen(np.asarray(image)), frozen(inside), top, bottom)


def _paste_panel(frame: np.ndarray, box: Box, panel: PanelSprite) -> None:
    """The panel onto ``frame``: its middle rows copied whole, its rounded top and bottom masked."""
    x0, y0, x1, y1 = box
    for top, bottom, masked in ((0, panel.top, True), (panel.top, panel.bottom, False),
                                (panel.bottom, y1 - y0, True)):  # fmt: skip
        if top >= bottom:
            continue
        crop, target = _visible(Box(x0, y0 + top, x1, y0 + bottom), frame)
        pixels = panel.pixels[top:bottom][crop]
        if masked:
            np.copyto(frame[target], pixels, where=panel.mask[top:bottom][crop])
        else:
            frame[target] = pixels


@lru_cache(maxsize=64)
def background(size: tuple[int, int], color: str) -> np.ndarray:
    return frozen(np.full((size[1], size[0], 3), PALETTE[color], dtype=np.uint8))


def render(screen: Screen, size: tuple[int, int]) -> np.ndarray:
    """The screen as a new ``(H, W, 3)`` uint8 array: cached sprites copied into place with numpy."""
    frame = background(size, screen.background).copy()
    width, height = size
    panels: list[Widget] = []  # cards and dialogs drawn so far: what a widget may sit on
    for widget in screen.widgets:
        if widget.kind == "scrim":
            frame //= 2
            panels.clear()
            continue
        x0, y0, x1, y1 = box = widget.box
        if widget.kind == "panel":
            _paste_panel(frame, box, panel_sprite(x1 - x0, y1 - y0, widget.color))
            panels.append(widget)
            continue
        surface = screen.background
        for panel in reversed(panels):
            if _inside(box, panel.box):
                surface = panel.color
                break
        pixels = sprite(widget.kind, x1 - x0, y1 - y0, widget.text, widget.color, widget.shape,
                        widget.on, widget.label, surface)  # fmt: skip
        if x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height:
            frame[y0:y1, x0:x1] = pixels
        else:  # a widget hanging off the screen, such as a list row scrolled half out
            crop, target = _visible(box, frame)
            frame[target] = pixels[crop]
    return frame


def _visible(box: Box, frame: np.ndarray) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
    """The part of a widget's pixels that lands on the frame, and where it lands."""
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = box
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), max(min(x1, width), 0), max(min(y1, height), 0)
    cx1, cy1 = max(cx1, cx0), max(cy1, cy0)  # an off-screen widget gives empty slices
    return ((slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0)),
            (slice(cy0, cy1), slice(cx0, cx1)))  # fmt: skip


def _inside(inner, outer) -> bool:
    return (outer.x0 <= inner.x0 and outer.y0 <= inner.y0
            and inner.x1 <= outer.x1 and inner.y1 <= outer.y1)  # fmt: skip
