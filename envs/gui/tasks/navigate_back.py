"""NavigateBack: leave a detail screen for its list, then open another entry."""

from __future__ import annotations

from mmgym.envs.actions import Action, ActionType
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, bar_height
from mmgym.envs.gui.render import NAMED_COLORS, SHAPES, row_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.words import CITIES, FIRST_NAMES, LAST_NAMES, PRODUCTS, SETTINGS_PAGES

_APPS = ("Settings", "Contacts", "Shop")


class NavigateBackEnv(GuiEnv):
    """Go back from a detail screen and open another entry ("Go back and open Battery").

    Description:
        A list-and-detail app: a Settings app (pages such as Display or Battery), a Contacts app
        (people) or a Shop app (products). The list screen shows 5-8 entries as rows with an icon
        and a detail; clicking a row opens that entry's detail screen, whose app bar has a back
        arrow and whose body shows the entry's icon and some information rows. The episode
        starts on the detail screen of one entry; the instruction names another.

        ``navigate_back``, ``key escape`` or a click on the back arrow returns from a detail
        screen to the list. Opening a wrong entry only shows its detail screen, so it can be
        undone by going back again. Going back from the list, or ``navigate_home``, leaves the
        app. The expert goes back (clicking the arrow on half of the seeds, ``navigate_back`` on
        the other half) and clicks the named entry.

    Rewards:
        1.0 on the step that clicks the named entry in the list, else 0.0.

    Episode End:
        Terminated with success when the named entry is clicked; terminated with failure when the
        agent leaves the app (``navigate_back`` or ``key escape`` on the list, ``navigate_home``)
        or calls ``finish``. Truncated by the registration's step limit.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        u = unit(self.size)
        self._app = self.pick(_APPS)
        self._bar_color = self.pick(("blue", "purple", "green", "black", "gray"))
        top = bar_height(self.size) + round(rng.uniform(0, 8) * u)
        row_h = max(12, round(rng.uniform(22, 28) * u))
        count = min(int(rng.integers(5, 9)), (self.size[1] - top) // row_h)
        names = self._entry_names(count)
        self._rows: list[Widget] = []
        self._details_of: list[list[tuple[str, str]]] = []  # each entry's detail rows
        for i, name in enumerate(names):
            color = self.pick(NAMED_COLORS[:8])
            shape = "circle" if self._app == "Contacts" else self.pick(SHAPES)
            box = Box(0, top + i * row_h, self.size[0], top + (i + 1) * row_h)
            details = self._details()
            label = details[0][1]  # the list shows the first detail next to the name
            if row_width(name, label, row_h, icon=True) > box.width:
                label = ""
            self._rows.append(Widget("row", box, name=f"entry{i}", text=name, color=color,
                                     shape=shape, label=label))  # fmt: skip
            self._details_of.append(details)
        self._open: int | None = int(rng.integers(count))
        self._target = self.pick([i for i in range(count) if i != self._open])
        self._by_arrow = bool(rng.random() < 0.5)  # how the expert goes back
        return f"Go back and open {names[self._target]}."

    def _entry_names(self, count: int) -> list[str]:
        if self._app == "Settings":
            return self.pick_some(SETTINGS_PAGES, count)
        if self._app == "Contacts":
            firsts = self.pick_some(FIRST_NAMES, count)
            return sorted(f"{first} {self.pick(LAST_NAMES)}" for first in firsts)
        return sorted(self.pick_some(PRODUCTS, count))

    def _details(self) -> list[tuple[str, str]]:
        """The (key, value) information rows of one entry's detail screen."""
        rng = self.np_random
        n = int(rng.integers(1, 100))
        if self._app == "Settings":
            return [("Status", self.pick(("On", "Off", "Auto"))),
                    ("Used by", f"{n} apps"), ("Changed", f"{int(rng.integers(1, 30))} days ago")]
        if self._app == "Contacts":
            digits = "".join(str(d) for d in rng.integers(0, 10, size=7))
            return [("City", self.pick(CITIES)), ("Phone", f"555-{digits[:3]}-{digits[3:]}"),
                    ("Company", f"{self.pick(LAST_NAMES)} Inc")]
        return [("Price", f"${n // 10}.{n % 10}0"), ("In stock", str(int(rng.integers(0, 50)))),
                ("Aisle", str(int(rng.integers(1, 20))))]  # fmt: skip

    def _detail_screen(self, index: int) -> list[Widget]:
        entry = self._rows[index]
        u = unit(self.size)
        width = self.size[0]
        widgets = app_bar(self.size, entry.text, self._bar_color, back=True)
        icon_h = max(16, round(40 * u))
        top = bar_height(self.size) + round(8 * u)
        x0 = (width - icon_h) // 2
        widgets.append(Widget("icon", Box(x0, top, x0 + icon_h, top + icon_h), color=entry.color,
                              shape=entry.shape))  # fmt: skip
        top += icon_h + round(8 * u)
        row_h = entry.box.height
        for key, value in self._details_of[index]:
            if top + row_h > self.size[1]:
                break
            widgets.append(Widget("row", Box(0, top, width, top + row_h), text=key, label=value))
            top += row_h
        return widgets

    # The task's hooks.
    def _screen(self) -> Screen:
        if self._open is None:
            return Screen((*app_bar(self.size, self._app, self._bar_color), *self._rows))
        return Screen(tuple(self._detail_screen(self._open)))

    def _act(self, action: Action, target: Widget | None) -> bool | None:
        kind = action.type
        clicked = target.name if kind == ActionType.CLICK and target is not None else ""
        going_back = kind == ActionType.NAVIGATE_BACK or clicked == "back" or (
            kind == ActionType.KEY and action.key == "escape")
        if kind == ActionType.NAVIGATE_HOME or (going_back and self._open is None):
            return False  # left the app
        if going_back:
            self._open = None
        elif clicked.startswith("entry"):
            index = int(clicked[len("entry"):])
            if index == self._target:
                return True
            self._open = index
        return None

    def _oracle(self) -> Action:
        if self._open is None:
            return self.click_on(self._rows[self._target])
        if self._by_arrow:
            return self.click_on(self._screen_shown.find("back"))
        return Action.back()
