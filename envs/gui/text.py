"""Text for the synthetic screens: fonts, measuring without rasterising, and cached masks.

A string is measured by summing its kerned character pairs, and drawn as a mask built from cached
character masks at the same pen positions, so the many strings a task makes up per episode
(prices, names, dates) cost look-ups and small array copies instead of a HarfBuzz layout and a
FreeType rasterisation each. Fonts ship in ``mmgym/assets`` so the pixels do not depend on the
machine's fonts.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = resources.files("mmgym.assets") / "fonts" / name
    with resources.as_file(path) as file:
        return ImageFont.truetype(str(file), max(6, size))


def font_size(height: int) -> int:
    """The font size that fits a widget of ``height`` pixels."""
    return max(8, min(int(height * 0.55), 48))


@lru_cache(maxsize=16384)
def text_length(text: str, size: int, bold: bool = False) -> float:
    """The advance of ``text`` in pixels at font ``size``, measured, never rasterised.

    Longer strings add up their kerned pairs, the way :func:`text_mask` places their characters,
    so a string never seen before costs a few look-ups rather than a HarfBuzz layout.
    """
    if len(text) <= 2:
        return font(size, bold).getlength(text)
    pairs = sum(text_length(text[i:i + 2], size, bold) for i in range(len(text) - 1))
    return pairs - sum(text_length(char, size, bold) for char in text[1:-1])  # counted twice


def text_width(text: str, height: int, bold: bool = False) -> int:
    """Width in pixels of ``text`` drawn in a widget of ``height`` pixels."""
    return int(text_length(text, font_size(height), bold)) + 1


@lru_cache(maxsize=16384)
def fit_text(text: str, size: int, bold: bool, width: int) -> str:
    """``text`` shortened with an ellipsis until it fits in ``width`` pixels."""
    if text_length(text, size, bold) <= width:
        return text
    face = font(size, bold)
    while text and face.getlength(text + "...") > width:
        text = text[:-1]
    return text + "..." if text else ""


@lru_cache(maxsize=4096)
def char_mask(char: str, size: int, bold: bool) -> tuple[np.ndarray, int, int]:
    """One character rasterised, with its offset from a left-middle anchor at the pen."""
    face = font(size, bold)
    x0, y0, x1, y1 = face.getbbox(char, anchor="lm")
    mask = Image.new("L", (max(1, x1 - x0), max(1, y1 - y0)), 0)
    ImageDraw.Draw(mask).text((-x0, -y0), char, fill=255, font=face, anchor="lm")
    return frozen(np.asarray(mask)), x0, y0


class TextMask(NamedTuple):
    """A string rasterised once, as blending weights, and where it sits."""

    alpha: np.ndarray  # coverage as (h, w) uint8
    dx: int  # offset of the mask's top-left from a left-middle anchor
    dy: int
    advance: float


@lru_cache(maxsize=16384)
def text_mask(text: str, size: int, bold: bool) -> TextMask:
    """``text`` as a mask, with its offset from a left-middle anchor and its advance.

    Built from cached characters placed at pairwise-kerned pen positions, so a string never seen
    before (a new price, a new name) costs a few array copies instead of a FreeType layout.
    """
    advances = _advances(size, bold)
    placed, pen = [], 0.0
    for i, char in enumerate(text):
        mask, x0, y0 = char_mask(char, size, bold)
        placed.append((mask, round(pen) + x0, y0))
        pair = text[i:i + 2]
        advance = advances.get(pair)
        if advance is None:  # the pair's length includes their kerning: where the next one starts
            advance = advances[pair] = text_length(pair, size, bold) - text_length(pair[1:], size, bold)
        pen += advance
    left, top = min(x for _, x, _ in placed), min(y for _, _, y in placed)
    right = max(x + m.shape[1] for m, x, _ in placed)
    bottom = max(y + m.shape[0] for m, _, y in placed)
    canvas = np.zeros((bottom - top, right - left), dtype=np.uint8)
    inked = left  # right edge of the ink so far: a character past it overwrites nothing
    for char, (mask, x, y) in zip(text, placed, strict=True):
        if char == " ":
            continue
        region = canvas[y - top:y - top + mask.shape[0], x - left:x - left + mask.shape[1]]
        if x >= inked:
            region[...] = mask
        else:  # kerned into its neighbour: the two overlap at their antialiased edges
            np.maximum(region, mask, out=region)
        inked = max(inked, x + mask.shape[1])
    return TextMask(frozen(canvas), left, top, text_length(text, size, bold))


@lru_cache(maxsize=64)
def _advances(size: int, bold: bool) -> dict[str, float]:
    """Pen advance of a character before the next, by the pair (or the last character alone),
    filled as strings are laid out."""
    return {}


def place_text(box: tuple[int, int, int, int], mask: TextMask, align: str) -> tuple[int, int]:
    """Where the top-left of ``mask`` goes to show its text centred or left-aligned in ``box``."""
    x0, y0, x1, y1 = box
    x = (x0 + x1 - mask.advance) / 2 if align == "center" else x0
    return round(x + mask.dx), round((y0 + y1) / 2 + mask.dy)


def blend_text(pixels: np.ndarray, mask: TextMask, x: int, y: int, ink: tuple[int, int, int]) -> None:
    """``ink`` through ``mask`` with its top-left at ``(x, y)``, clipped, over the pixels there,
    rounded exactly as Pillow's ``paste(ink, box, mask)``.

    Text nearly always sits on a plain fill; there it is one table look-up per pixel.
    """
    clipped = _clip(mask.alpha, x, y, pixels.shape)
    if clipped is None:
        return
    region, alpha = pixels[clipped[0]], mask.alpha[clipped[1]]
    rows = region.reshape(len(region), -1)  # a view: each row's pixels are adjacent in memory
    # One colour: every row equals the one above, and the first row repeats every pixel (3 bytes).
    if (rows[1:] == rows[:-1]).all() and (rows[0, 3:] == rows[0, :-3]).all():
        region[...] = ink_over(ink, tuple(rows[0, :3].tolist())).take(alpha, axis=0)
    else:  # text over lines or shapes: the same rounding, pixel by pixel
        weight = alpha[..., None].astype(np.uint16)
        region[...] = (region * (255 - weight) + np.array(ink, np.uint16) * weight + 127) // 255


def text_on_plain(width: int, height: int, mask: TextMask, x: int, y: int, ink: tuple[int, int, int],
                  surface: tuple[int, int, int]) -> np.ndarray:  # fmt: skip
    """A new ``(height, width, 3)`` image of the ``surface`` colour with ``ink`` through ``mask``
    at ``(x, y)``: :func:`blend_text` on a blank image, in one look-up per pixel."""
    coverage = np.zeros((height, width), dtype=np.uint8)
    clipped = _clip(mask.alpha, x, y, coverage.shape)
    if clipped is not None:
        coverage[clipped[0]] = mask.alpha[clipped[1]]
    return ink_over(ink, surface).take(coverage, axis=0)


def _clip(alpha: np.ndarray, x: int, y: int, shape: tuple[int, ...]) -> tuple[tuple[slice, ...], ...] | None:
    """Where ``alpha`` placed at ``(x, y)`` lands on an image of ``shape``, and which part of it
    does: two ``(rows, columns)`` slices, or ``None`` if none of it lands."""
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + alpha.shape[1], shape[1]), min(y + alpha.shape[0], shape[0])
    if x0 >= x1 or y0 >= y1:
        return None
    return (slice(y0, y1), slice(x0, x1)), (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))


@lru_cache(maxsize=256)
def ink_over(ink: tuple[int, int, int], surface: tuple[int, int, int]) -> np.ndarray:
    """The colour of every coverage 0-255 of ``ink`` over ``surface``: a (256, 3) uint8 table."""
    weight = np.arange(256, dtype=np.uint32)[:, None]
    front, back = np.array(ink, np.uint32), np.array(surface, np.uint32)
    return frozen(((back * (255 - weight) + front * weight + 127) // 255).astype(np.uint8))




def frozen(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only: cached pixels are shared by every frame that shows them."""
    array.setflags(write=False)
    return array
