"""ReadPrice: the answer is read off the screen, normalised, and any other action changes nothing."""

from __future__ import annotations

import re

import pytest

from mmgym.envs.actions import Action
from mmgym.envs.gui.tasks.read_price import ReadPriceEnv, same_price
from mmgym.envs.gui.text import fit_text, font_size

_PRICE = re.compile(r"\$\d+\.\d\d")


def _env(style: str | None = None, size=(224, 224), seed: int = 0) -> ReadPriceEnv:
    env = ReadPriceEnv(width=size[0], height=size[1])
    for s in range(seed, seed + 200):
        env.reset(seed=s)
        if style in (None, env._style):
            return env
    raise AssertionError(f"no {style} episode in 200 seeds")


def _texts(env: ReadPriceEnv) -> list:
    return [w for w in env._screen_shown.widgets if w.kind in ("label", "row")]


def _shown_price(env: ReadPriceEnv, item: str) -> str:
    """The price drawn on the item's line: its row's detail, or the price label level with it."""
    name = next(w for w in _texts(env) if w.text == item)
    if name.kind == "row":
        return name.label
    return next(w.text for w in _texts(env) if w.box.y0 == name.box.y0 and _PRICE.fullmatch(w.text))


@pytest.mark.parametrize(("answer", "price", "expected"), [
    ("$3.20", "$3.20", True), ("3.20", "$3.20", True), ("3.2", "$3.20", True),
    (" $ 3.20 ", "$3.20", True), ("3.200", "$3.20", True), ("$12.5", "$12.50", True),
    ("3.21", "$3.20", False), ("$32.0", "$3.20", False), ("", "$3.20", False),
    ("three", "$3.20", False), ("3.20$", "$3.20", False), ("$$3.20", "$3.20", False),
    ("Honey: $3.20", "$3.20", False), ("nan", "$3.20", False), ("3,20", "$3.20", False),
])  # fmt: skip
def test_same_price_accepts_the_price_however_it_is_written(answer, price, expected):
    assert same_price(answer, price) is expected


@pytest.mark.parametrize("style", ["receipt", "list", "table"])
def test_finish_with_the_price_shown_next_to_the_item_succeeds(style):
    env = _env(style)
    item = re.search(r"of (\w+)\?|does (\w+) cost|price of (\w+) and", env.instruction)
    item = next(g for g in item.groups() if g)
    price = _shown_price(env, item)
    assert price not in env.instruction and price == env._prices[env._target]
    _, reward, terminated, _, info = env.step(Action.finish(price.lstrip("$")))
    assert terminated and reward == 1.0 and info["success"]


@pytest.mark.parametrize("style", ["receipt", "table"])
def test_another_items_price_or_the_total_fails(style):
    env = _env(style)
    wrong = env._total if style == "receipt" else env._prices[(env._target + 1) % len(env._names)]
    assert any(w.text == wrong for w in _texts(env))
    _, reward, terminated, _, info = env.step(Action.finish(wrong))
    assert terminated and reward == 0.0 and not info["success"]


def test_other_actions_change_nothing():
    env = _env("list")
    before = env._screen_shown
    for action in (env.click_on(next(w for w in _texts(env) if w.kind == "row")),
                   Action.scroll("down"), Action.type_text("3.20"), Action.press_key("enter"),
                   Action.long_press(5, 5), Action.back(), Action.home()):  # fmt: skip
        _, reward, terminated, _, _ = env.step(action)
        assert not terminated and reward == 0.0 and env._screen_shown == before


def test_items_and_prices_are_distinct_and_four_to_eight():
    for seed in range(100):
        env = _env(seed=seed)
        assert 4 <= len(env._names) <= 8
        assert len(set(env._names)) == len(env._names) == len(set(env._prices))
        assert all(_PRICE.fullmatch(p) for p in env._prices)


@pytest.mark.parametrize("size", [(112, 112), (224, 224), (1280, 720), (1920, 112)])
def test_names_and_prices_are_legible_and_uncut(size):
    for seed in range(30):
        env = _env(seed=seed, size=size)
        for item in env._names:
            name = next(w for w in _texts(env) if w.text == item)
            assert name.box.height >= 12 and name.box.y1 <= size[1]
            if name.kind == "label":
                assert fit_text(item, int(name.box.height * 0.7), False, name.box.width) == item
                price = next(w for w in _texts(env) if w.text == _shown_price(env, item))
                assert fit_text(price.text, int(price.box.height * 0.7), False,
                                price.box.width) == price.text  # fmt: skip
                assert price.box.x0 >= name.box.x1  # side by side, no overlap
        for widget in _texts(env):
            if widget.kind == "row":
                h = widget.box.height
                assert fit_text(widget.label, font_size(h) - 1, False, widget.box.width) == widget.label
