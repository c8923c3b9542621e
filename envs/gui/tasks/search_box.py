"""SearchBox: focus a search field, type a query (or pick a suggestion) and press enter."""

from __future__ import annotations

import os

from mmgym.envs.actions import MAX_TEXT_LENGTH, Action, ActionType
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, bar_height
from mmgym.envs.gui.render import NAMED_COLORS, natural_width, row_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.text import text_width
from mmgym.envs.gui.words import CITIES, FIRST_NAMES, LAST_NAMES, PRODUCTS, SONG_TITLES

# Per app: its title, what the placeholder searches, and query templates ({c} city, {p} product,
# {s} song, {n} person).
_APPS = {
    "Maps": ("places", ("coffee near {c}", "hotels in {c}", "{c} airport", "museums in {c}",
                        "parking in {c}", "{c} train station")),
    "Recipes": ("recipes", ("{p} soup", "{p} salad", "easy {p} pie", "{p} smoothie",
                            "how to store {p}")),
    "Shop": ("products", ("{p}", "organic {p}", "{p} deals", "fresh {p}", "{p} gift box")),
    "Music": ("music", ("{s}", "{s} live", "{s} remix", "{n}", "{n} radio")),
    "Contacts": ("contacts", ("{n}", "{f}")),
}  # fmt: skip
_SECTIONS = ("Suggestions", "Recent searches", "Popular", "Trending")


def _matches(text: str, query: str) -> bool:
    """The app's comparison of a submitted query: trimmed and case-insensitive."""
    return text.strip().lower() == query.strip().lower()


class SearchBoxEnv(GuiEnv):
    """Search for the query the instruction names ("Search for 'hotels in Paris'").

    Description:
        A search screen of a maps, recipes, shop, music or contacts app: a search field
        (placeholder "Search <things>...") and 3-6 suggestions shown as rows or chips. Clicking
        the field focuses it; ``type`` appends to the focused field; ``key backspace`` deletes
        its last character; the clear button (X, shown while the field holds text) empties it;
        ``key enter`` submits a non-empty query; ``navigate_back`` or ``key escape`` drops
        focus. Tapping a suggestion puts its text in the field and focuses it without
        submitting. The field may start focused or holding a stale or partly typed query.

    Rewards:
        1.0 when the submitted query equals the requested one (trimmed, case-insensitive).

    Episode End:
        Terminated on submit: success for the requested query, failure for any other. Typing
        or pressing keys without focus, and enter on an empty field, change nothing.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        self._app = self.pick(tuple(_APPS))
        things, templates = _APPS[self._app]
        self._placeholder = self.pick((f"Search {things}...", "Search..."))
        self._bar_color = self.pick(("blue", "green", "purple", "black", "red"))
        self._chip_color = self.pick(NAMED_COLORS[:7])
        self._chips = bool(rng.random() < 0.4)
        self._section = self.pick(_SECTIONS)
        self._field_h = max(14, round(int(rng.integers(24, 33)) * unit(self.size)))
        queries = self._queries(templates, 7)
        self._query = queries[0]
        others = queries[1:1 + int(rng.integers(2, 6))]
        # Usually the query itself is among the suggestions, as a search app would guess it.
        listed = [self._query, *others] if rng.random() < 0.5 else [*others, queries[-1]]
        self._suggestions = [listed[int(i)] for i in rng.permutation(len(listed))]
        self._text, self._focused = "", bool(rng.random() < 0.2)
        start = rng.random()
        if start < 0.15:  # typed part-way
            self._text = self._query[: int(rng.integers(1, len(self._query)))]
        elif start < 0.35:  # a stale search
            self._text = queries[-1]
        return f"Search for '{self._query}'."

    def _queries(self, templates: tuple[str, ...], n: int) -> list[str]:
        """``n`` distinct queries that fit the field; similar ones, so the choice needs reading."""
        width = self._field_box().width - self._field_h * 2  # room for the clear button
        found: list[str] = []
        while len(found) < n:
            first, last = self.pick(FIRST_NAMES), self.pick(LAST_NAMES)
            query = self.pick(templates).format(
                c=self.pick(CITIES), p=self.pick(PRODUCTS).lower(),
                s=self.pick(SONG_TITLES), n=f"{first} {last}", f=first,
            )  # fmt: skip
            fits = natural_width("field", query, self._field_h) <= width and (
                self._chips or row_width(query, "", self._row_h(), True) <= self.size[0]
            )
            if fits and not any(_matches(query, q) for q in found):
                found.append(query)
        return found

    # Geometry.
    def _field_box(self) -> Box:
        u = unit(self.size)
        margin = round(8 * u)
        top = bar_height(self.size) + margin
        return Box(margin, top, self.size[0] - margin, top + self._field_h)

    def _heading_box(self) -> Box:
        """Where the suggestions' heading ("Recent searches") goes."""
        u = unit(self.size)
        field = self._field_box()
        y0 = field.y1 + round(8 * u)
        return Box(field.x0, y0, field.x1, y0 + max(11, round(14 * u)))

    def _row_h(self) -> int:
        return round(self._field_h * 0.9)

    def _suggestion_boxes(self) -> list[Box]:
        """Rows down the screen, or chips that wrap like words."""
        u = unit(self.size)
        margin, gap = round(8 * u), round(6 * u)
        y = self._heading_box().y1 + round(2 * u)
        if not self._chips:
            h = self._row_h()
            return [Box(0, y + i * h, self.size[0], y + (i + 1) * h)
                    for i in range(len(self._suggestions))]  # fmt: skip
        h, x, boxes = round(self._field_h * 0.8), margin, []
        for text in self._suggestions:
            w = natural_width("button", text, h) + round(8 * u)
            if x + w > self.size[0] - margin and x > margin:
                x, y = margin, y + h + gap
            boxes.append(Box(x, y, x + w, y + h))
            x += w + gap
        return boxes

    # The hooks.
    def _screen(self) -> Screen:
        u = unit(self.size)
        field = self._field_box()
        widgets = app_bar(self.size, self._app, self._bar_color)
        widgets.append(Widget("field", field, name="field", text=self._text,
                              label=self._placeholder, on=self._focused))  # fmt: skip
        if self._text:
            inset = round(4 * u)
            while inset > 1 and text_width("X", field.height - 2 * inset, bold=True) > (
                field.height - 2 * inset - 4
            ):  # small screens: a bigger button rather than a blank one
                inset -= 1
            side = field.height - 2 * inset
            x1, y0 = field.x1 - inset, field.y0 + inset
            widgets.append(Widget("button", Box(x1 - side, y0, x1, y0 + side), name="clear",
                                  text="X", color="gray"))  # fmt: skip
        widgets.append(Widget("label", self._heading_box(), text=self._section, color="muted",
                              on=True))  # fmt: skip
        for i, (text, box) in enumerate(zip(self._suggestions, self._suggestion_boxes(), strict=True)):
            if box.y1 > self.size[1]:
                break  # a real screen would scroll; these suggestions are out of sight
            if self._chips:
                widgets.append(Widget("button", box, name=f"suggestion{i}", text=text,
                                      color=self._chip_color))  # fmt: skip
            else:
                widgets.append(Widget("row", box, name=f"suggestion{i}", text=text, color="gray",
                                      shape="circle"))  # fmt: skip
        return Screen(tuple(widgets))

    def _act(self, action: Action, target: Widget | None) -> bool | None:
        kind, name = action.type, target.name if target is not None else ""
        if kind == ActionType.CLICK and name == "field":
            self._focused = True
        elif kind == ActionType.CLICK and name == "clear":
            self._text, self._focused = "", True
        elif kind == ActionType.CLICK and name.startswith("suggestion"):
            self._text, self._focused = self._suggestions[int(name[len("suggestion"):])], True
        elif kind == ActionType.NAVIGATE_BACK or (kind == ActionType.KEY and action.key == "escape"):
            self._focused = False
        elif kind == ActionType.TYPE and self._focused:
            self._text = (self._text + (action.text or ""))[:MAX_TEXT_LENGTH]
        elif kind == ActionType.KEY and self._focused:
            if action.key == "backspace":
                self._text = self._text[:-1]
            elif action.key == "space":
                self._text = (self._text + " ")[:MAX_TEXT_LENGTH]
            elif action.key == "enter" and self._text.strip():
                return _matches(self._text, self._query)
        return None

    def _oracle(self) -> Action:
        if _matches(self._text, self._query):
            return Action.press_key("enter") if self._focused else self.click_on(self._field())
        shown = [w for w in self._screen_shown.widgets if w.name.startswith("suggestion")]
        suggestion = next((w for w in shown if _matches(w.text, self._query)), None)
        if suggestion is not None:
            return self.click_on(suggestion)
        typed, wanted = self._text.lower(), self._query.lower()
        if wanted.startswith(typed):
            if not self._focused:
                return self.click_on(self._field())
            return Action.type_text(self._query[len(self._text):])
        # Past two wrong characters, clearing the field is quicker than deleting one by one.
        if len(typed) - len(os.path.commonprefix([typed, wanted])) > 2:
            return self.click_on(self._screen_shown.find("clear"))
        return Action.press_key("backspace") if self._focused else self.click_on(self._field())

    def _field(self) -> Widget:
        return self._screen_shown.find("field")
