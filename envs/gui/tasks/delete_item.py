"""DeleteItem: long-press an item to open its context menu, then choose Delete."""

from __future__ import annotations

import math

from mmgym.envs.actions import Action, ActionType
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, bar_height
from mmgym.envs.gui.render import NAMED_COLORS, SHAPES, natural_width, row_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.words import EMAIL_SUBJECTS, FIRST_NAMES, MONTHS, NOTE_TITLES, PRODUCTS

# Per kind: app titles, the detail screen's title, and the context menu's other entries.
_KINDS = {
    "note": (("Notes", "My notes", "Keep"), "Note", ("Share", "Rename", "Pin", "Copy")),
    "email": (("Inbox", "Mail", "Primary"), "Email", ("Reply", "Forward", "Archive", "Mark unread")),
    "photo": (("Photos", "Gallery", "Camera roll"), "Photo", ("Share", "Rename", "Favorite", "Copy")),
}  # fmt: skip
_VERBS = ("Delete the {} '{}'.", "Remove the {} '{}'.", "Delete the {} named '{}'.")


class DeleteItemEnv(GuiEnv):
    """Delete the named item through its long-press menu ("Delete the note 'Shopping list'").

    Description:
        A list of 4-8 notes or emails, or a grid of photos. A ``long_press`` on an item opens
        its context menu near the press point: Delete among entries such as Share, Rename or Pin,
        over a dimming scrim in some episodes. A plain click opens the item's read-only detail
        screen, which the back arrow or ``navigate_back`` (or ``key escape``) leaves. While the
        menu is open, clicking outside it, choosing another entry or going back closes it.

    Rewards:
        1.0 when Delete is chosen in the target's menu, else 0.0.

    Episode End:
        Terminated when Delete is chosen: success for the target, failure for any other item.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        u = unit(self.size)
        self._kind = self.pick(tuple(_KINDS))
        titles, self._detail_title, others = _KINDS[self._kind]
        self._title = self.pick(titles)
        self._bar_color = self.pick(("blue", "green", "purple", "black", "orange"))
        self._scrim = bool(rng.random() < 0.5)
        entries = self.pick_some(others, int(rng.integers(2, 4)))
        delete_at = len(entries) if rng.random() < 0.7 else int(rng.integers(len(entries)))
        entries.insert(delete_at, "Delete")
        self._entries = entries
        self._menu: int | None = None  # the item whose menu is open
        self._press = (0, 0)  # where that menu was opened
        self._detail: int | None = None  # the item whose detail screen is open
        self._item_h = round(24 * u)  # a context menu entry's height
        n = int(rng.integers(4, 9))
        if self._kind == "photo":
            self._items, self._boxes = self._photo_grid(n)
        else:
            self._items, self._boxes = self._list_rows(n)
        self._target = int(rng.integers(len(self._items)))
        self._bodies = [self._body(i) for i in range(len(self._items))]
        target = self._items[self._target]["text"]
        return self.pick(_VERBS).format(self._kind, target)

    def _list_rows(self, n: int) -> tuple[list[dict], list[Box]]:
        """``n`` note or email rows (as widget fields) and their boxes below the app bar."""
        rng = self.np_random
        u = unit(self.size)
        width, height = self.size
        top = bar_height(self.size)
        row_h = round(int(rng.integers(26, 37)) * u)
        n = min(n, (height - top) // row_h)
        shape = "square" if self._kind == "note" else "circle"
        icons = rng.random() < 0.7
        pool = NOTE_TITLES if self._kind == "note" else EMAIL_SUBJECTS
        pool = [t for t in pool if row_width(t, "", row_h, icons) <= width]
        texts = self.pick_some(pool, n)
        details = [self._date() if self._kind == "note" or rng.random() < 0.5 else self._time()
                   for _ in texts]  # fmt: skip
        if any(row_width(t, d, row_h, icons) > width for t, d in zip(texts, details, strict=True)):
            details = [""] * n
        palette = ("yellow", "orange") if self._kind == "note" else NAMED_COLORS[:8]
        colors = [self.pick(palette) for _ in range(n)]
        items = [
            {"text": t, "label": d, "color": str(c), "shape": shape if icons else ""}
            for t, d, c in zip(texts, details, colors, strict=True)
        ]
        return items, [Box(0, top + i * row_h, width, top + (i + 1) * row_h) for i in range(n)]

    def _photo_grid(self, n: int) -> tuple[list[dict], list[Box]]:
        """``n`` photo tiles (a coloured picture and a caption) in a grid below the app bar."""
        rng = self.np_random
        u = unit(self.size)
        width, height = self.size
        gap = round(6 * u)
        area = Box(gap, bar_height(self.size) + gap, width - gap, height - gap)
        caption_h = max(12, round(14 * u))
        caption_w = natural_width("label", "IMG_0000", caption_h)
        cols = int(rng.integers(2, 5))
        while cols > 1 and self._tile_size(n, cols, area, gap)[0] < caption_w:
            cols -= 1
        min_tile_h = caption_h + max(16, round(24 * u))
        n = min(n, cols * ((area.height + gap) // (min_tile_h + gap)))
        tile_w, tile_h = self._tile_size(n, cols, area, gap)
        while cols < n and tile_w > 2 * tile_h:  # wide screens: fewer rows, no letterbox tiles
            cols += 1
            tile_w, tile_h = self._tile_size(n, cols, area, gap)
        rows, tile_w = math.ceil(n / cols), min(tile_w, max(caption_w, 2 * tile_h))
        cells = Box(area.x0, area.y0, area.x0 + cols * tile_w + (cols - 1) * gap,
                    area.y0 + rows * tile_h + (rows - 1) * gap)  # fmt: skip
        numbers = [1000 + i for i in self.pick_some(range(9000), n)]
        items = [
            {"text": f"IMG_{int(k)}", "label": self._date(),
             "color": self.pick(NAMED_COLORS[:8]), "shape": self.pick(SHAPES[:5])}
            for k in numbers
        ]  # fmt: skip
        return items, cells.grid(rows, cols, gap=gap)[:n]

    def _tile_size(self, n: int, cols: int, area: Box, gap: int) -> tuple[int, int]:
        """The width and height of each of ``n`` tiles in ``cols`` columns filling ``area``."""
        rows = math.ceil(n / cols)
        return ((area.width - gap * (cols - 1)) // cols,
                min((area.height - gap * (rows - 1)) // rows, round(110 * unit(self.size))))  # fmt: skip

    def _date(self) -> str:
        return f"{self.pick(MONTHS)} {int(self.np_random.integers(1, 29))}"

    def _time(self) -> str:
        return f"{int(self.np_random.integers(7, 13))}:{int(self.np_random.integers(0, 60)):02d}"

    def _body(self, i: int) -> tuple[str, ...]:
        """The read-only lines of item ``i``'s detail screen."""
        if self._kind == "note":
            return tuple(f"- {p}" for p in self.pick_some(PRODUCTS, 3))
        if self._kind == "email":
            sender, reader = self.pick_some(FIRST_NAMES, 2)
            return (f"From: {sender}", f"Hi {reader},", "See the details inside.", f"- {sender}")
        return (f"Taken {self._items[i]['label']}",)

    # Drawing.
    def _item_widgets(self, i: int) -> list[Widget]:
        item, box, name = self._items[i], self._boxes[i], f"item{i}"
        if self._kind != "photo":
            return [Widget("row", box, name=name, **item)]
        picture, caption = self._tile_parts(box)
        return [
            Widget("panel", picture, name=name, color=item["color"]),
            Widget("icon", picture.inset(min(picture.width, picture.height) // 4),
                   shape=item["shape"], color="white"),
            Widget("label", caption, name=name, text=item["text"], color="ink"),
        ]

    def _tile_parts(self, box: Box) -> tuple[Box, Box]:
        """A photo tile's picture and caption boxes."""
        caption_h = max(12, round(14 * unit(self.size)))
        return Box(box.x0, box.y0, box.x1, box.y1 - caption_h), Box(box.x0, box.y1 - caption_h,
                                                                     box.x1, box.y1)  # fmt: skip

    def _menu_box(self) -> Box:
        """The context menu's box: at the press point, below the item if it fits, else above."""
        u = unit(self.size)
        width, height = self.size
        margin = round(6 * u)
        pad = round(4 * u)
        menu_w = max(max(row_width(e, "", self._item_h, False) for e in self._entries),
                     round(96 * u))  # fmt: skip
        menu_w = min(menu_w + 2 * pad, width - 2 * margin)
        menu_h = len(self._entries) * self._item_h + 2 * pad
        item = self._boxes[self._menu]
        x0 = min(max(self._press[0] - menu_w // 2, margin), width - margin - menu_w)
        if item.y1 + menu_h <= height - margin:
            y0 = item.y1
        elif item.y0 - menu_h >= bar_height(self.size):
            y0 = item.y0 - menu_h
        else:
            y0 = min(max(self._press[1], margin), height - margin - menu_h)
        return Box(x0, y0, x0 + menu_w, y0 + menu_h)

    def _menu_widgets(self) -> list[Widget]:
        box = self._menu_box()
        pad = round(4 * unit(self.size))
        widgets = [Widget("scrim", Box(0, 0, *self.size), name="scrim")] if self._scrim else []
        widgets.append(Widget("panel", box, name="menu", color="white"))
        inner = Box(box.x0 + pad, box.y0 + pad, box.x1 - pad, box.y1 - pad)
        for entry, cell in zip(self._entries, inner.rows(len(self._entries)), strict=True):
            widgets.append(Widget("row", cell, name=f"menu:{entry}", text=entry))
        return widgets

    def _detail_widgets(self) -> list[Widget]:
        u = unit(self.size)
        width, height = self.size
        item = self._items[self._detail]
        widgets = app_bar(self.size, self._detail_title, self._bar_color, back=True)
        margin = round(10 * u)
        y = bar_height(self.size) + margin
        line_h = max(12, round(20 * u))
        widgets.append(Widget("label", Box(margin, y, width - margin, y + line_h),
                              text=item["text"], color="ink", on=True))  # fmt: skip
        y += line_h + round(4 * u)
        if self._kind == "photo":
            side = min(width - 2 * margin, height - y - 2 * line_h - margin)
            picture = Box(margin, y, margin + side, y + side)
            widgets.append(Widget("panel", picture, color=item["color"]))
            widgets.append(Widget("icon", picture.inset(side // 4), shape=item["shape"],
                                  color="white"))  # fmt: skip
            y += side + round(4 * u)
        small_h = max(12, round(16 * u))
        for line in self._bodies[self._detail]:
            widgets.append(Widget("label", Box(margin, y, width - margin, y + small_h), text=line,
                                  color="muted"))  # fmt: skip
            y += small_h
        return widgets

    def _screen(self) -> Screen:
        if self._detail is not None:
            return Screen(tuple(self._detail_widgets()))
        widgets = app_bar(self.size, self._title, self._bar_color)
        for i in range(len(self._items)):
            widgets += self._item_widgets(i)
        if self._menu is not None:
            widgets += self._menu_widgets()
        return Screen(tuple(widgets), background="white" if self._kind != "photo" else "paper")

    # Behaviour.
    def _act(self, action: Action, target: Widget | None) -> bool | None:
        kind, name = action.type, target.name if target is not None else ""
        if kind == ActionType.KEY and action.key == "escape":
            kind = ActionType.NAVIGATE_BACK  # the keyboard's back
        if self._detail is not None:
            if kind == ActionType.NAVIGATE_BACK or (kind == ActionType.CLICK and name == "back"):
                self._detail = None
        elif self._menu is not None:
            if kind == ActionType.CLICK and name == "menu:Delete":
                return self._menu == self._target
            # A tap outside the menu or on another entry closes it; a press inside does not.
            inside = name == "menu" or name.startswith("menu:")
            if (
                kind == ActionType.NAVIGATE_BACK
                or (kind == ActionType.CLICK and name != "menu")
                or (kind == ActionType.LONG_PRESS and not inside)
            ):
                self._menu = None
        elif name.startswith("item") and kind in (ActionType.CLICK, ActionType.LONG_PRESS):
            index = int(name[len("item"):])
            if kind == ActionType.CLICK:
                self._detail = index
            else:
                self._menu, self._press = index, action.point
        return None

    def _oracle(self) -> Action:
        if self._detail is not None:
            return Action.back()
        if self._menu == self._target:
            return self.click_on(self._screen_shown.find("menu:Delete"))
        if self._menu is not None:
            return Action.back()
        box = self._boxes[self._target]
        if self._kind == "photo":
            box = self._tile_parts(box)[0]
        return Action.long_press(*box.center)
