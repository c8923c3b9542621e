"""ToggleSettings: find settings across tabs, set them as asked, leave the rest alone, save."""

from __future__ import annotations

from mmgym.envs.actions import Action, ActionType
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, bar_height
from mmgym.envs.gui.render import natural_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.text import text_width

#: The settings of ``words.SETTINGS``, grouped under the tab a phone would show them on.
TABS = {
    "Network": ("Wi-Fi", "Bluetooth", "Airplane mode", "Hotspot", "NFC"),
    "Sound": ("Sounds", "Vibration", "Notifications"),
    "Display": ("Dark mode", "Auto rotate", "Battery saver"),
    "General": ("Location", "Auto update", "Backup"),
}


class ToggleSettingsEnv(GuiEnv):
    """Set two checkboxes that may sit on different tabs, then save.

    ("Turn on Wi-Fi and turn off Dark mode, then tap Save")

    Description:
        A settings screen with 2-3 tabs (Network, Sound, Display, General; three only when
        their captions fit side by side) under the app bar, each holding 3-5 checkboxes of
        ``words.SETTINGS`` with random initial states, and a Save button. Clicking a tab shows
        its checkboxes; clicking a checkbox toggles it. The instruction asks for one setting on
        and another off; either may already be as asked, and they may sit on different tabs.
        The expert switches to the tab of each setting that needs a change, clicks it, and then
        clicks Save; from any state it also undoes changes to settings the instruction did not
        name.

    Rewards:
        1.0 when Save is clicked with both named settings as asked and every other setting as it
        started, else 0.0.

    Episode End:
        Terminated when Save is clicked: success as above, failure otherwise. Leaving the screen
        without saving (``navigate_back``, ``key escape``, ``navigate_home``) and ``finish`` end
        the episode as a failure. Truncated by the registration's step limit.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        u = unit(self.size)
        self._bar_color = self.pick(("blue", "purple", "green", "black", "gray"))
        self._check_h = max(12, round(rng.uniform(20, 24) * u))
        self._gap = round(rng.uniform(2, 6) * u)
        self._tab_boxes, self._tabs = self._tab_row()
        self._save = self._save_button()
        top = self._tab_boxes[0].y1 + round(6 * u)
        fit = max(1, (self._save.y0 - top) // (self._check_h + self._gap))
        self._pages: list[list[str]] = []
        for tab in self._tabs:
            n = min(fit, int(rng.integers(3, len(TABS[tab]) + 1)))
            self._pages.append(self.pick_some(TABS[tab], n))
        self._tab_of = {s: i for i, page in enumerate(self._pages) for s in page}
        self._state = {s: bool(rng.random() < 0.5) for s in self._tab_of}
        on, off = self.pick_some(list(self._tab_of), 2)
        self._wanted = {on: True, off: False}
        for setting, value in self._wanted.items():  # mostly, a named setting needs a change
            self._state[setting] = bool(rng.random() < 0.25) == value
        self._initial = dict(self._state)
        self._tab = 0
        parts = [f"turn on {on}", f"turn off {off}"]
        if rng.random() < 0.5:
            parts.reverse()
        return f"T{parts[0][1:]} and {parts[1]}, then tap Save."

    def _tab_row(self) -> tuple[list[Box], list[str]]:
        """2-3 tab names in random order and their boxes, spread across the screen's width."""
        rng = self.np_random
        u = unit(self.size)
        width = self.size[0]
        height = max(11, round(rng.uniform(20, 24) * u))
        pad = round(8 * u)
        names = self.pick_some(list(TABS), len(TABS))
        n = int(rng.integers(2, 4))
        needs = [text_width(name, height, bold=True) + pad for name in names]
        if sum(needs[:n]) > width:
            n = 2
        spare = (width - sum(needs[:n])) / n
        top, x, boxes = bar_height(self.size), 0.0, []
        for need in needs[:n]:
            boxes.append(Box(round(x), top, round(x + need + spare), top + height))
            x += need + spare
        return boxes, names[:n]

    def _save_button(self) -> Box:
        u = unit(self.size)
        height = max(12, round(24 * u))
        m = round(8 * u)
        width = natural_width("button", "Save", height) + round(24 * u)
        return Box(self.size[0] - m - width, self.size[1] - m - height, self.size[0] - m,
                   self.size[1] - m)  # fmt: skip

    # The task's hooks.
    def _screen(self) -> Screen:
        u = unit(self.size)
        m = round(8 * u)
        widgets = app_bar(self.size, "Settings", self._bar_color)
        for i, (name, box) in enumerate(zip(self._tabs, self._tab_boxes, strict=True)):
            widgets.append(Widget("tab", box, name=f"tab:{name}", text=name, color=self._bar_color,
                                  on=i == self._tab))  # fmt: skip
        y = self._tab_boxes[0].y1 + round(6 * u)
        for setting in self._pages[self._tab]:
            box = Box(m, y, self.size[0] - m, y + self._check_h)
            widgets.append(Widget("checkbox", box, name=f"setting:{setting}", text=setting,
                                  on=self._state[setting]))  # fmt: skip
            y += self._check_h + self._gap
        widgets.append(Widget("button", self._save, name="save", text="Save",
                              color=self._bar_color))  # fmt: skip
        return Screen(tuple(widgets))

    def _done(self) -> bool:
        return self._state == {**self._initial, **self._wanted}

    def _act(self, action: Action, target: Widget | None) -> bool | None:
        kind = action.type
        if kind in (ActionType.NAVIGATE_BACK, ActionType.NAVIGATE_HOME) or (
            kind == ActionType.KEY and action.key == "escape"
        ):
            return False  # left without saving
        if kind != ActionType.CLICK or target is None:
            return None
        if target.name == "save":
            return self._done()
        if target.name.startswith("tab:"):
            self._tab = self._tabs.index(target.text)
        elif target.name.startswith("setting:"):
            self._state[target.text] = not self._state[target.text]
        return None

    def _oracle(self) -> Action:
        goal = {**self._initial, **self._wanted}
        for setting in (*self._wanted, *self._state):
            if self._state[setting] == goal[setting]:
                continue
            if self._tab_of[setting] != self._tab:
                tab = self._tabs[self._tab_of[setting]]
                return self.click_on(self._screen_shown.find(f"tab:{tab}"))
            return self.click_on(self._screen_shown.find(f"setting:{setting}"))
        return self.click_on(self._screen_shown.find("save"))
