"""ReadPrice: read a price off a receipt, a price list or a table and answer with it."""

from __future__ import annotations

import re
from decimal import Decimal

from mmgym.envs.actions import Action
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, bar_height
from mmgym.envs.gui.render import NAMED_COLORS, natural_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.words import MONTHS, PRODUCTS

_TITLES = {
    "receipt": ("Receipt", "Your purchase", "Order details"),
    "list": ("Market", "Price list", "Farm stand", "Today's prices"),
    "table": ("Inventory", "Order summary", "Stock"),
}
_QUESTIONS = (
    "What is the price of {}? Answer with finish.",
    "How much does {} cost? Answer with finish.",
    "Read the price of {} and answer with finish.",
)
_MIN_LINE = 12  # pixels: a label font of 8 px, the smallest that stays legible
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def normalise_price(text: str) -> str:
    """``text`` without spaces and a leading ``$``, lower-cased: ``" $3.20 "`` -> ``"3.20"``."""
    text = text.replace(" ", "").lower()
    return text[1:] if text.startswith("$") else text


def same_price(answer: str, price: str) -> bool:
    """Whether ``answer`` states ``price``: equal after normalising, or the same number.

    >>> same_price("3.2", "$3.20"), same_price("$ 3.20", "$3.20"), same_price("3.21", "$3.20")
    (True, True, False)
    """
    answer, price = normalise_price(answer), normalise_price(price)
    if answer == price:
        return True
    return bool(_NUMBER.fullmatch(answer)) and Decimal(answer) == Decimal(price)


class ReadPriceEnv(GuiEnv):
    """Answer with the price of a named item ("What is the price of Honey? Answer with finish.").

    Description:
        A shop receipt (store, date, items, total), a price list with item icons, or a table
        with Item, Qty and Price columns lists 4-8 distinct items with distinct prices such as
        ``$3.20``. The price is only in the image; quantities and totals are distractors. An
        answer counts when it equals the price after removing spaces and a leading ``$``
        (case-insensitive), or is the same number (``3.2`` for ``$3.20``).

    Rewards:
        1.0 for a ``finish`` with the right price, else 0.0.

    Episode End:
        Terminated on ``finish``: success for the right price, failure for anything else. Other
        actions change nothing.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        self._style = self.pick(tuple(_TITLES))
        self._title = self.pick(_TITLES[self._style])
        self._bar_color = self.pick(("blue", "green", "purple", "black", "brown"))
        self._line = int(rng.integers(16, 25))  # design units per line
        # Small screens show fewer items (and no receipt date) rather than unreadable text.
        n, self._dated = int(rng.integers(4, 9)), True
        while n > 4 and self._item_height(n) < _MIN_LINE:
            n -= 1
        self._dated = self._item_height(n) >= _MIN_LINE
        self._names = self.pick_some(PRODUCTS, n)
        cents = self.pick_some(range(49, 2500), n)
        self._prices = [f"${int(c) / 100:.2f}" for c in cents]
        self._quantities = [str(q) for q in rng.integers(1, 13, size=n)]
        self._colors = [self.pick(NAMED_COLORS[:8]) for _ in range(n)]
        self._total = f"${sum(cents) / 100:.2f}"
        self._store = f"{self.pick(('Corner', 'Fresh', 'Daily', 'Green'))} Market"
        hour, minute = int(rng.integers(8, 21)), int(rng.integers(0, 60))
        self._date = f"{self.pick(MONTHS)} {int(rng.integers(1, 29))}, {hour}:{minute:02d}"
        self._qty_column = bool(rng.random() < 0.6)
        self._striped = bool(rng.random() < 0.5)
        self._target = int(rng.integers(n))
        build = {"receipt": self._receipt, "list": self._price_list, "table": self._table}
        widgets = app_bar(self.size, self._title, self._bar_color) + build[self._style]()
        # Nothing on the page ever changes, so it is laid out once per episode.
        self._page = Screen(tuple(widgets), background="paper" if self._style == "receipt" else "white")
        return self.pick(_QUESTIONS).format(self._names[self._target])

    def _receipt_geometry(self) -> tuple[int, int, int, int, int]:
        """Margin, padding, rule thickness and gap, and the space left for the receipt's lines."""
        u = unit(self.size)
        margin, pad, rule, rule_gap = round(8 * u), round(6 * u), max(1, round(u)), round(3 * u)
        space = (self.size[1] - bar_height(self.size) - margin - rule_gap - 2 * pad
                 - 2 * (rule + 2 * rule_gap))  # fmt: skip
        return margin, pad, rule, rule_gap, space

    def _item_height(self, n: int) -> int:
        """The height of one item's line when the style shows ``n`` items."""
        u = unit(self.size)
        design = max(_MIN_LINE, round(self._line * u))
        if self._style == "receipt":
            lines = n + (3.2 if self._dated else 2.2)  # the store name is 1.2 lines high
            return min(design, int(self._receipt_geometry()[-1] / lines))
        if self._style == "list":
            space = self.size[1] - bar_height(self.size) - round(14 * u) - max(_MIN_LINE, round(18 * u))
            return min(max(_MIN_LINE, round(self._line * 1.5 * u)), space // n)
        space = self.size[1] - bar_height(self.size) - round(16 * u)
        return min(design, int(space / (n + 1.5)))  # the header and the rule under it

    # Drawing: one function per style.
    def _receipt(self) -> list[Widget]:
        u = unit(self.size)
        width = self.size[0]
        n = len(self._names)
        margin, pad, rule, rule_gap, _ = self._receipt_geometry()
        top = bar_height(self.size) + margin
        line = self._item_height(n)
        title_h = line * 6 // 5
        heads = ((self._store, title_h, True, "ink"), (self._date, line, False, "muted"))
        heads = heads if self._dated else heads[:1]
        panel_w = min(width - 2 * margin, round(190 * u))
        x0 = (width - panel_w) // 2
        lines_h = title_h + (n + len(heads)) * line
        panel = Box(x0, top, x0 + panel_w, top + 2 * pad + lines_h + 2 * (rule + 2 * rule_gap))
        inner = panel.inset(pad)
        widgets = [Widget("panel", panel, color="white")]
        while title_h > line and natural_width("label", self._store, title_h, bold=True) > inner.width:
            title_h -= 1
        heads = ((self._store, title_h, True, "ink"), *heads[1:])
        y = inner.y0
        for text, h, bold, color in heads:
            w = min(inner.width, natural_width("label", text, h, bold))
            x = inner.x0 + (inner.width - w) // 2
            widgets.append(Widget("label", Box(x, y, x + w, y + h), text=text, color=color, on=bold))
            y += h
        lines = [(name, price, False) for name, price in zip(self._names, self._prices, strict=True)]
        for group in (lines, [("TOTAL", self._total, True)]):
            widgets.append(Widget("panel", Box(inner.x0, y + rule_gap, inner.x1, y + rule_gap + rule),
                                  color="line"))  # fmt: skip
            y += rule + 2 * rule_gap
            for name, price, bold in group:
                widgets += self._two_labels(inner, y, line, name, price, bold)
                y += line
        return widgets

    def _two_labels(self, area: Box, y: int, h: int, left: str, right: str,
                    bold: bool = False) -> list[Widget]:  # fmt: skip
        """A line with ``left`` flush left and ``right`` flush right in ``area``."""
        left_w, right_w = natural_width("label", left, h, bold), natural_width("label", right, h, bold)
        return [
            Widget("label", Box(area.x0, y, area.x0 + left_w, y + h), text=left, color="ink",
                   on=bold),
            Widget("label", Box(area.x1 - right_w, y, area.x1, y + h), text=right, color="ink",
                   on=bold),
        ]  # fmt: skip

    def _price_list(self) -> list[Widget]:
        u = unit(self.size)
        width = self.size[0]
        n, margin = len(self._names), round(8 * u)
        top = bar_height(self.size)
        note = Box(margin, top + round(4 * u), width - margin,
                   top + round(4 * u) + max(_MIN_LINE, round(18 * u)))  # fmt: skip
        row_h = self._item_height(n)
        widgets = [Widget("label", note, text=f"Updated {self._date}", color="muted")]
        for i, (name, price, color) in enumerate(zip(self._names, self._prices, self._colors,
                                                     strict=True)):  # fmt: skip
            y = note.y1 + round(2 * u) + i * row_h
            widgets.append(Widget("row", Box(0, y, width, y + row_h), text=name, label=price,
                                  color=color, shape="circle"))  # fmt: skip
        return widgets

    def _table(self) -> list[Widget]:
        u = unit(self.size)
        width, height = self.size
        n, margin = len(self._names), round(8 * u)
        area = Box(margin, bar_height(self.size) + margin, width - margin, height - margin)
        line = self._item_height(n)
        cells = Box(area.x0 + round(4 * u), area.y0, area.x1 - round(4 * u), area.y1)
        qty_x = cells.x0 + cells.width * 11 // 20
        widgets = []
        rows = [("Item", "Qty", "Price", True)]
        rows += [(name, qty, price, False)
                 for name, qty, price in zip(self._names, self._quantities, self._prices,
                                             strict=True)]  # fmt: skip
        y = area.y0
        for i, (name, qty, price, bold) in enumerate(rows):
            if self._striped and i % 2 == 0 and i > 0:
                widgets.append(Widget("panel", Box(area.x0, y, area.x1, y + line), color="paper"))
            widgets += self._two_labels(cells, y, line, name, price, bold)
            if self._qty_column:
                qty_w = natural_width("label", qty, line, bold)
                widgets.append(Widget("label", Box(qty_x, y, qty_x + qty_w, y + line), text=qty,
                                      color="ink", on=bold))  # fmt: skip
            y += line
            if i == 0:
                widgets.append(Widget("panel", Box(area.x0, y, area.x1, y + max(1, round(u))),
                                      color="line"))  # fmt: skip
                y += round(line * 0.3)
        return widgets

    # The hooks.
    def _screen(self) -> Screen:
        return self._page

    def _act(self, action: Action, target: Widget | None) -> None:
        return None  # the screen is read-only: only the answer matters

    def _finish(self, answer: str) -> bool:
        return same_price(answer, self._prices[self._target])

    def _oracle(self) -> Action:
        return Action.finish(self._prices[self._target])
