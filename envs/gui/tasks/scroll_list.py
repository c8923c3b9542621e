"""ScrollList: scroll a long list until the named row shows, then open it."""

from __future__ import annotations

from mmgym.envs.actions import Action, ActionType, Direction
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import bar_height
from mmgym.envs.gui.render import NAMED_COLORS, row_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.words import FIRST_NAMES, LAST_NAMES, PRODUCTS, SONG_TITLES

# Per theme: app titles, header tabs, bottom navigation (the last entry is this screen), noun.
_THEMES = {
    "contacts": (("Contacts", "People", "Friends"), ("All", "Favorites", "Groups"),
                 ("Recents", "Keypad", "Contacts"), "contacts"),
    "products": (("Groceries", "Shop", "Pantry"), ("All", "Fresh", "Deals"),
                 ("Cart", "Account", "Shop"), "products"),
    "songs": (("Playlist", "Library", "Music"), ("Songs", "Albums", "Artists"),
              ("Home", "Search", "Library"), "songs"),
}  # fmt: skip
_INSTRUCTIONS = ("Open '{}' in the list.", "Find '{}' and tap it.", "Scroll to '{}' and open it.")


class ScrollListEnv(GuiEnv):
    """Scroll to a named row of a long list and tap it ("Open 'Honey' in the list").

    Description:
        A list of 12-30 contacts, products or songs (with avatars and phone numbers, prices or
        durations) of which only a page shows between the app bar, an optional tab header and an
        optional bottom navigation bar. ``scroll`` down (up) with no point or a point over the
        list moves the list by one page minus a row, clamped at the ends; a scroll over the bars
        or to the left or right does nothing. The list may start scrolled part-way, and the
        target is usually off screen. Clicking a row opens it; a long press does nothing.

    Rewards:
        1.0 when the target row is clicked, else 0.0.

    Episode End:
        Terminated with success when the target row is clicked, with failure when another row is
        clicked; clicks on the bars or empty space change nothing.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        u = unit(self.size)
        self._theme = self.pick(tuple(_THEMES))
        titles, tabs, nav, noun = _THEMES[self._theme]
        self._title = self.pick(titles)
        self._bar_color = self.pick(("blue", "green", "purple", "black", "red"))
        self._items = self._random_items(int(rng.integers(12, 31)))
        self._row_h = round(int(rng.integers(24, 35)) * u)
        self._header = self.pick(("none", "tabs", "count"))
        self._header_tabs, self._nav, self._noun = tabs, nav, noun
        self._footer = bool(rng.random() < 0.5)
        self._scrollbar = bool(rng.random() < 0.5)
        self._selected_tab = int(rng.integers(len(tabs)))
        # Short screens keep at least three rows of list: drop the optional bars if needed.
        if self._list_height() < 3 * self._row_h:
            self._footer = False
        if self._list_height() < 3 * self._row_h:
            self._header = "none"
        self._place_bars()
        self._icons = bool(rng.random() < 0.8)
        width = self.size[0]
        if any(row_width(t, d, self._row_h, self._icons) > width for t, d, _ in self._items):
            self._items = [(text, "", color) for text, _, color in self._items]
        self._offset = 0 if rng.random() < 0.6 else int(rng.integers(0, self._max_offset() + 1))
        visible = [i for i in range(len(self._items)) if self._fully_visible(i)]
        hidden = [i for i in range(len(self._items)) if i not in visible]
        pool = visible if (rng.random() < 0.25 or not hidden) else hidden
        self._target = self.pick(pool)
        return self.pick(_INSTRUCTIONS).format(self._items[self._target][0])

    def _random_items(self, n: int) -> list[tuple[str, str, str]]:
        """``n`` distinct (text, detail, avatar colour) rows for the theme."""
        rng = self.np_random
        colors = [self.pick(NAMED_COLORS[:8]) for _ in range(n)]
        if self._theme == "contacts":
            pairs = [(FIRST_NAMES[i // len(LAST_NAMES)], LAST_NAMES[i % len(LAST_NAMES)])
                     for i in self.pick_some(range(len(FIRST_NAMES) * len(LAST_NAMES)), n)]
            texts = sorted(f"{first} {last}" for first, last in pairs)
            phones = rng.random() < 0.6
            details = [f"555-{int(rng.integers(1000, 10000))}" if phones else "" for _ in texts]
        elif self._theme == "products":
            texts = self.pick_some(PRODUCTS, n)
            if rng.random() < 0.5:
                texts.sort()
            details = [f"${int(rng.integers(49, 1500)) / 100:.2f}" for _ in texts]
        else:
            texts = self.pick_some(SONG_TITLES, n)
            details = [f"{int(rng.integers(2, 6))}:{int(rng.integers(0, 60)):02d}" for _ in texts]
        return list(zip(texts, details, colors, strict=True))

    # Geometry: a pure function of the size and the state.
    def _bar_boxes(self) -> tuple[Box, Box, Box]:
        """The app bar, the header below it and the bottom navigation (empty when absent)."""
        u = unit(self.size)
        width, height = self.size
        bar = Box(0, 0, width, bar_height(self.size))
        header_h = round(22 * u) if self._header != "none" else 0
        footer_h = round(30 * u) if self._footer else 0
        return (bar, Box(0, bar.y1, width, bar.y1 + header_h),
                Box(0, height - footer_h, width, height))  # fmt: skip

    def _place_bars(self) -> None:
        """Fix the bars and the list's viewport for the episode (they depend on the optional bars)."""
        self._bars = self._bar_boxes()
        self._view = Box(0, self._bars[1].y1, self.size[0], self._bars[2].y0)

    def _list_height(self) -> int:
        _, header, footer = self._bar_boxes()
        return footer.y0 - header.y1

    def _viewport(self) -> Box:
        return self._view

    def _max_offset(self) -> int:
        return max(0, len(self._items) * self._row_h - self._viewport().height)

    def _row_box(self, i: int) -> Box:
        y0 = self._viewport().y0 + i * self._row_h - self._offset
        return Box(0, y0, self.size[0], y0 + self._row_h)

    def _fully_visible(self, i: int) -> bool:
        box, viewport = self._row_box(i), self._viewport()
        return viewport.y0 <= box.y0 and box.y1 <= viewport.y1

    # The hooks.
    def _screen(self) -> Screen:
        viewport = self._viewport()
        widgets = []
        first = self._offset // self._row_h  # rows before it are scrolled out of view
        last = min(len(self._items), (self._offset + viewport.height) // self._row_h + 1)
        for i in range(first, last):
            text, detail, color = self._items[i]
            box = self._row_box(i)
            if box.y1 > viewport.y0 and box.y0 < viewport.y1:
                widgets.append(Widget("row", box, name=f"item{i}", text=text, label=detail,
                                      color=color, shape="circle" if self._icons else ""))  # fmt: skip
        if self._scrollbar and self._max_offset() > 0:
            widgets.append(self._scroll_thumb())
        widgets += self._chrome()
        return Screen(tuple(widgets))

    def _scroll_thumb(self) -> Widget:
        """A thin scroll indicator whose position and length show what part of the list is shown."""
        u = unit(self.size)
        viewport = self._viewport()
        total = len(self._items) * self._row_h
        length = max(round(8 * u), viewport.height * viewport.height // total)
        top = viewport.y0 + (viewport.height - length) * self._offset // self._max_offset()
        x1 = viewport.x1 - max(1, round(u))
        return Widget("panel", Box(x1 - max(2, round(3 * u)), top, x1, top + length), color="gray")

    def _chrome(self) -> list[Widget]:
        """The bars drawn over the list; they are named so clicks on them never reach a row."""
        u = unit(self.size)
        bar, header, footer = self._bars
        line = max(1, round(u))
        widgets = []
        if self._header != "none":
            widgets.append(Widget("label", header, name="header"))
            if self._header == "tabs":
                for j, (cell, text) in enumerate(zip(header.cols(3), self._header_tabs, strict=True)):
                    widgets.append(Widget("tab", cell, text=text, color=self._bar_color,
                                          on=j == self._selected_tab))  # fmt: skip
            else:
                inner = header.inset(round(8 * u), round(2 * u))
                widgets.append(Widget("label", inner, text=f"{len(self._items)} {self._noun}",
                                      color="muted"))  # fmt: skip
            widgets.append(Widget("panel", Box(0, header.y1 - line, header.x1, header.y1),
                                  color="line"))  # fmt: skip
        if self._footer:
            widgets.append(Widget("label", footer, name="footer"))
            widgets.append(Widget("panel", Box(0, footer.y0, footer.x1, footer.y0 + line),
                                  color="line"))  # fmt: skip
            cells = Box(0, footer.y0 + line, footer.x1, footer.y1).cols(3)
            for j, (cell, text) in enumerate(zip(cells, self._nav, strict=True)):
                widgets.append(Widget("tab", cell.inset(0, round(4 * u)), text=text,
                                      color=self._bar_color, on=j == 2))  # fmt: skip
        widgets.append(Widget("bar", bar, name="app_bar", text=self._title, color=self._bar_color))
        return widgets

    def _act(self, action: Action, target: Widget | None) -> bool | None:
        if action.type == ActionType.SCROLL:
            point = action.point
            if action.direction in (Direction.UP, Direction.DOWN) and (
                point is None or self._viewport().contains(*point)
            ):
                step = self._viewport().height - self._row_h
                step = step if action.direction == Direction.DOWN else -step
                self._offset = min(max(self._offset + step, 0), self._max_offset())
            return None
        if action.type == ActionType.CLICK and target is not None and target.name.startswith("item"):
            return int(target.name[len("item"):]) == self._target
        return None

    def _oracle(self) -> Action:
        if self._fully_visible(self._target):
            return Action.click(*self._row_box(self._target).center)
        direction = "down" if self._row_box(self._target).y1 > self._viewport().y1 else "up"
        return Action.scroll(direction, self._viewport().center)
