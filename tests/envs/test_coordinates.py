"""Tests for mmgym.envs.coordinates: known conversions, clear errors and the round-trip property."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmgym.envs.coordinates import PIXEL, Coordinates

SCREEN = (224, 224)
NORM1000 = Coordinates("norm1000")
NORM1 = Coordinates("norm1")
RESIZED = Coordinates("pixel", (448, 448))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("pixel", PIXEL),
        ("norm1000", NORM1000),
        (" NORM1 ", NORM1),
        ("pixel@448x448", RESIZED),
        ("pixel@1280x720", Coordinates("pixel", (1280, 720))),
        (RESIZED, RESIZED),
    ],
)
def test_parse_known_specs(spec, expected):
    assert Coordinates.parse(spec) == expected


@pytest.mark.parametrize(
    "spec",
    ["", "pixels", "norm100", "pixel@", "pixel@448", "pixel@0x448", "pixel@-4x4", "norm1@4x4"],
)
def test_parse_rejects_unknown_specs_naming_the_valid_ones(spec):
    with pytest.raises(ValueError, match="pixel@WIDTHxHEIGHT"):
        Coordinates.parse(spec)


@pytest.mark.parametrize("coordinates", [PIXEL, NORM1000, NORM1, RESIZED])
def test_str_is_a_spec_parse_reads_back(coordinates):
    assert Coordinates.parse(str(coordinates)) == coordinates


def test_image_size_with_a_normalised_kind_says_to_drop_it():
    with pytest.raises(ValueError, match="drop image_size"):
        Coordinates("norm1000", (448, 448))


@pytest.mark.parametrize("size", [(0, 4), (4,), (4.0, 4), (True, 4), "448x448"])
def test_bad_image_size_is_rejected(size):
    with pytest.raises(ValueError, match="image_size must be"):
        Coordinates("pixel", size)


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="use 'pixel', 'norm1000' or 'norm1'"):
        Coordinates("norm")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("coordinates", "point", "expected"),
    [
        (PIXEL, (10, 20), (10, 20)),
        (PIXEL, (10.7, 223.99), (10, 223)),
        (RESIZED, (21, 41), (10, 20)),
        (RESIZED, (447, 447), (223, 223)),
        (NORM1000, (500, 250), (112, 56)),
        (NORM1000, (1000, 0), (223, 0)),
        (NORM1000, (999.9, 0.1), (223, 0)),
        (NORM1, (0.5, 0.25), (112, 56)),
        (NORM1, (1.0, 1), (223, 223)),
    ],
)
def test_to_screen_known_answers(coordinates, point, expected):
    assert coordinates.to_screen(*point, SCREEN) == expected


@pytest.mark.parametrize(
    ("coordinates", "point", "message"),
    [
        (PIXEL, (300, 12), "coordinate (300, 12) is outside the 224x224 screen"),
        (PIXEL, (224, 0), "coordinate (224, 0) is outside the 224x224 screen"),
        (PIXEL, (-1, 0), "coordinate (-1, 0) is outside the 224x224 screen"),
        (RESIZED, (448, 3), "coordinate (448, 3) is outside the 448x448 image"),
        (NORM1000, (1000.5, 3), "coordinate (1000.5, 3) is outside the 0-1000 range"),
        (NORM1, (0.5, 1.01), "coordinate (0.5, 1.01) is outside the 0-1 range"),
        (PIXEL, (math.nan, 3), "coordinate (nan, 3) is not a pair of finite numbers"),
        (NORM1, (0, -math.inf), "coordinate (0, -inf) is not a pair of finite numbers"),
        (PIXEL, (10**400, 3), "coordinate (<huge int>, 3) is outside the 224x224 screen"),
    ],
)
def test_to_screen_rejects_points_off_the_range_with_one_line(coordinates, point, message):
    with pytest.raises(ValueError) as caught:
        coordinates.to_screen(*point, SCREEN)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("coordinates", "screen", "pixel", "expected"),
    [
        (PIXEL, SCREEN, (10, 20), (10, 20)),
        (RESIZED, SCREEN, (10, 20), (21, 41)),
        (NORM1000, SCREEN, (0, 223), (2, 998)),
        (NORM1000, (2000, 2000), (1999, 0), (1000, 0)),
        (NORM1, SCREEN, (0, 111), (0.0022, 0.4978)),
        # floor(centre) = 1 would map back to pixel 0; the nearest value that maps to 1 is 2.
        (Coordinates("pixel", (5, 5)), (4, 4), (1, 1), (2, 2)),
    ],
)
def test_from_screen_known_answers(coordinates, screen, pixel, expected):
    assert coordinates.from_screen(*pixel, screen) == expected


@pytest.mark.parametrize("pixel", [(224, 0), (0, -1), (1.5, 2), (True, 2)])
def test_from_screen_rejects_pixels_off_the_screen(pixel):
    with pytest.raises(ValueError, match="outside the 224x224 screen"):
        PIXEL.from_screen(*pixel, SCREEN)


@pytest.mark.parametrize("screen", [(0, 224), (224,), None, (224.0, 224), (-1, 5)])
def test_bad_screen_size_is_rejected(screen):
    with pytest.raises(ValueError, match="screen_size must be"):
        NORM1000.to_screen(1, 1, screen)


@pytest.mark.parametrize(
    ("coordinates", "box", "expected"),
    [
        (PIXEL, (0, 0, 224, 224), (0.0, 0.0, 224.0, 224.0)),
        (RESIZED, (10, 20, 448, 448), (5.0, 10.0, 224.0, 224.0)),
        (NORM1000, (0, 500, 1000, 1000), (0.0, 112.0, 224.0, 224.0)),
        (NORM1, (0.25, 0, 1, 0.5), (56.0, 0.0, 224.0, 112.0)),
    ],
)
def test_box_to_screen_keeps_fractions_and_includes_the_far_border(coordinates, box, expected):
    assert coordinates.box_to_screen(box, SCREEN) == pytest.approx(expected)


@pytest.mark.parametrize("box", [(0, 0, 225, 10), (-1, 0, 5, 5), (0, 0, math.inf, 5)])
def test_box_to_screen_rejects_edges_off_the_range(box):
    with pytest.raises(ValueError, match=r"box \["):
        PIXEL.box_to_screen(box, SCREEN)


@st.composite
def conventions_and_pixels(draw):
    """A screen up to 1920 pixels a side, any coordinate convention and a pixel on the screen."""
    screen = (draw(st.integers(1, 1920)), draw(st.integers(1, 1920)))
    kind = draw(st.sampled_from(["pixel", "resized", "norm1000", "norm1"]))
    if kind == "resized":
        coordinates = Coordinates("pixel", (draw(st.integers(1, 4000)), draw(st.integers(1, 4000))))
    else:
        coordinates = Coordinates(kind)
    pixel = (draw(st.integers(0, screen[0] - 1)), draw(st.integers(0, screen[1] - 1)))
    return coordinates, screen, pixel


@given(conventions_and_pixels())
def test_from_screen_then_to_screen_returns_the_pixel(case):
    coordinates, screen, pixel = case
    model_point = coordinates.from_screen(*pixel, screen)
    back = coordinates.to_screen(*model_point, screen)
    for axis in (0, 1):
        width = screen[axis]
        extent = coordinates.extent(screen)[axis]
        # norm1 keeps four decimals, which pins every pixel of a screen under 10000 pixels.
        if extent >= width or coordinates.kind == "norm1":
            assert back[axis] == pixel[axis]
        else:
            assert abs(back[axis] - pixel[axis]) <= math.ceil(width / extent)
