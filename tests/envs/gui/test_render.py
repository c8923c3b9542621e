"""The renderer's shortcuts draw exactly what Pillow draws without them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from mmgym.envs.gui import render
from mmgym.envs.gui.text import blend_text, char_mask, text_length, text_mask, text_on_plain

colors = st.tuples(*[st.integers(0, 255)] * 3)
words = st.text(st.sampled_from("AaBbgjqy$.,0123456789 ()'/|W"), min_size=1, max_size=12)


def pillow_paste(pixels: np.ndarray, alpha: np.ndarray, x: int, y: int, ink: tuple) -> np.ndarray:
    image = Image.fromarray(pixels)
    image.paste(ink, (x, y), Image.fromarray(alpha))
    return np.asarray(image)


@settings(max_examples=60, deadline=None)
@given(words, st.integers(8, 30), st.booleans(), colors, colors, st.integers(-8, 40), st.integers(-8, 12),
       st.booleans())  # fmt: skip
def test_blend_text_matches_pillow_paste(text, size, bold, ink, surface, x, y, striped):
    pixels = np.full((24, 64, 3), surface, dtype=np.uint8)
    if striped:  # a backdrop that is not one colour takes the pixel-by-pixel path
        pixels[::3] = (255 - np.array(surface)).astype(np.uint8)
    mask = text_mask(text, size, bold)
    expected = pillow_paste(pixels, mask.alpha, x, y, ink)
    blend_text(pixels, mask, x, y, ink)
    np.testing.assert_array_equal(pixels, expected)


@settings(max_examples=40, deadline=None)
@given(words, st.integers(8, 24), colors, colors, st.integers(-8, 40), st.integers(-8, 12))
def test_text_on_plain_is_blend_text_on_a_blank_image(text, size, ink, surface, x, y):
    mask = text_mask(text, size, False)
    blank = np.full((20, 50, 3), surface, dtype=np.uint8)
    blend_text(blank, mask, x, y, ink)
    np.testing.assert_array_equal(text_on_plain(50, 20, mask, x, y, ink, surface), blank)


@pytest.mark.parametrize("text", ["Wave", "AVAV", "Ty.", "jij", "fff", "a  b"])
def test_text_mask_is_the_characters_at_their_pen_positions(text):
    """Overlapping (kerned) characters keep the brighter pixel, as if drawn one by one."""
    size = 20
    mask = text_mask(text, size, False)
    expected = np.zeros_like(mask.alpha)
    pen = 0.0
    for i, char in enumerate(text):
        glyph, x0, y0 = char_mask(char, size, False)
        x, y = round(pen) + x0 - mask.dx, y0 - mask.dy
        region = expected[y:y + glyph.shape[0], x:x + glyph.shape[1]]
        np.maximum(region, glyph, out=region)
        following = text[i + 1:i + 2]
        pen += text_length(char + following, size) - text_length(following, size)
    np.testing.assert_array_equal(mask.alpha, expected)


@pytest.mark.parametrize("kind", sorted(render.STRETCHY))
@pytest.mark.parametrize("height", [12, 17, 28, 61])
def test_stretched_chrome_is_the_chrome_drawn_at_full_width(kind, height):
    for width in (2 * height + 2, 3 * height + 5, 224, 1280):
        for on in (False, True):
            stretched = render.chrome(kind, width, height, "green", "star", on, True, "paper")
            drawn = render._drawn_chrome.__wrapped__(kind, width, height, "green", "star", on, "paper")
            np.testing.assert_array_equal(stretched, drawn, err_msg=f"{kind} {width}x{height} on={on}")


def test_sprites_are_read_only_and_shared():
    first = render.sprite("row", 200, 24, "Milk", "blue", "circle", False, "$2.00", "white")
    again = render.sprite("row", 200, 24, "Milk", "blue", "circle", False, "$2.00", "white")
    assert first is again and not first.flags.writeable
    assert first.shape == (24, 200, 3)


@settings(max_examples=80, deadline=None)
@given(st.integers(8, 90), st.integers(8, 90), st.sampled_from(render.SHAPES), st.booleans())
def test_icon_chrome_is_the_shape_drawn_in_place(width, height, shape, captioned):
    """An icon placed from its cached shape is the shape Pillow draws in the icon's box, up to
    pixels on the shape's edge: a polygon's float corners, moved by whole pixels, may round the
    other way."""
    image = Image.new("RGB", (width, height), render.PALETTE["white"])
    size = min(width, int(height * 0.7) if captioned else height)
    x0, y0 = (width - size) / 2, 0 if captioned else (height - size) / 2
    render.draw_shape(ImageDraw.Draw(image), shape, (x0 + 1, y0 + 1, x0 + size - 2, y0 + size - 2),
                      render.PALETTE["red"])  # fmt: skip
    expected = np.asarray(image)
    icon = render.chrome("icon", width, height, "red", shape, False, captioned, "white")
    differs = (icon != expected).any(axis=-1)
    inked = (expected != render.PALETTE["white"]).any(axis=-1)
    padded = np.pad(inked, 1, mode="edge")
    neighbours = (padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:])
    edge = np.logical_or.reduce([inked != n for n in neighbours])
    assert not (differs & ~edge).any()
    if shape in ("circle", "square"):  # whole-pixel moves of these corners round alike
        np.testing.assert_array_equal(icon, expected)


@settings(max_examples=60, deadline=None)
@given(st.integers(-40, 60), st.integers(-40, 60), st.integers(1, 90), st.integers(1, 90))
def test_a_panel_shows_its_rounded_shape_over_what_is_below(x0, y0, width, height):
    """Whole middle rows and masked corners give what one masked copy of the panel gives,
    also for a panel hanging off the frame."""
    frame = np.arange(64 * 80 * 3, dtype=np.uint32).reshape(64, 80, 3).astype(np.uint8)
    expected = frame.copy()
    box = render.Box(x0, y0, x0 + width, y0 + height)
    panel = render.panel_sprite(width, height, "white")
    crop, target = render._visible(box, expected)
    np.copyto(expected[target], panel.pixels[crop], where=panel.mask[crop])
    render._paste_panel(frame, box, panel)
    np.testing.assert_array_equal(frame, expected)
    assert panel.mask[panel.top:panel.bottom].all()
