"""DismissDialog: close a modal pop-up without accepting it, then use the screen below."""

from __future__ import annotations

from mmgym.envs.actions import Action, ActionType
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, content_area, dialog
from mmgym.envs.gui.render import NAMED_COLORS, natural_width, row_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.text import text_width
from mmgym.envs.gui.words import BUTTON_LABELS, DIALOGS, EMAIL_SUBJECTS, NOTE_TITLES

_TITLES = ("Inbox", "Notes", "Editor", "Orders", "Profile", "Gallery", "Home", "Music")
#: Labels a target must not have: they read as part of the instruction or of the dialog.
_CONFUSING = frozenset({"close", "back", "cancel"})


class DismissDialogEnv(GuiEnv):
    """Close a pop-up, then tap a button on the screen below ("Close the pop-up, then tap Share").

    Description:
        An app screen with 3-6 buttons (random labels, colours, sizes and places) and some
        content rows, covered by a modal dialog from ``words.DIALOGS`` with a title, a message, a
        dismiss button (e.g. "Not now") and an accept button (e.g. "Rate"). The dialog dims the
        screen, and clicks on the dimmed part hit the scrim and do nothing. The dismiss button,
        ``navigate_back`` or ``key escape`` closes the dialog; then the named button can be
        tapped, and the other buttons and rows do nothing. No screen button shares a label with
        the dialog's buttons. The expert clicks the dismiss button on most seeds and presses
        escape on the rest, then clicks the named button.

    Rewards:
        1.0 on the step that taps the named button after the dialog is closed, else 0.0.

    Episode End:
        Terminated with success when the named button is tapped. Terminated with failure when
        the accept button is clicked (the pop-up's offer is taken), when the agent leaves the app
        (``navigate_home``, or ``navigate_back`` / ``key escape`` once the dialog is closed) or
        calls ``finish``. Truncated by the registration's step limit.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        self._dialog_open = True
        self._by_key = bool(rng.random() < 0.3)  # how the expert closes the dialog
        self._title = self.pick(_TITLES)
        self._bar_color = self.pick(("blue", "purple", "green", "black", "gray"))
        self._dialog = self._random_dialog()
        taken = {w.text.lower() for w in self._dialog if w.kind == "button"} | _CONFUSING
        shuffled = self.pick_some(BUTTON_LABELS, len(BUTTON_LABELS))
        self._labels = [s for s in shuffled if s.lower() not in taken]
        self._widgets = self._content()
        buttons = [w for w in self._widgets if w.name]
        self._target = buttons[int(rng.integers(len(buttons)))]
        verb = self.pick(("Close the pop-up", "Dismiss the pop-up", "Close the dialog"))
        return f"{verb}, then tap {self._target.text}."

    def _random_dialog(self) -> list[Widget]:
        """A dialog from ``words.DIALOGS`` whose button captions fit uncut at this screen size."""
        rng = self.np_random
        for k in rng.permutation(len(DIALOGS)):
            title, message, dismiss, accept = DIALOGS[int(k)]
            buttons = [
                ("dismiss", dismiss, self.pick(("gray", "black", "white"))),
                ("accept", accept, self.pick(("blue", "green", "purple", "red"))),
            ]
            widgets = dialog(self.size, title, message, buttons)
            if all(text_width(w.text, w.box.height, bold=True) + w.box.height // 4 <= w.box.width
                   for w in widgets if w.kind == "button"):  # fmt: skip
                return widgets
        raise AssertionError("no dialog fits: screens of 112 px and more always fit one")

    def _content(self) -> list[Widget]:
        """Unclickable content rows at the top, then 3-6 buttons with random sizes and places.

        The rows take only the room the buttons can spare: each button needs a grid cell at least
        ``min_h`` tall and ``min_w`` wide.
        """
        rng = self.np_random
        u = unit(self.size)
        area = content_area(self.size)
        gap, min_h, min_w = round(6 * u), max(12, round(20 * u)), max(48, round(60 * u))
        max_cols = max(1, min(3, (area.width + gap) // (min_w + gap)))
        count, n_cols = int(rng.integers(3, 7)), min(max_cols, int(rng.integers(1, 4)))
        while -(-count // n_cols) * (min_h + gap) > area.height:
            n_cols, count = (n_cols + 1, count) if n_cols < max_cols else (n_cols, count - 1)
        n_rows = -(-count // n_cols)
        row_h = max(12, round(rng.uniform(20, 24) * u))
        n_content = int(rng.integers(0, 4))
        while n_content and area.height - n_content * row_h < n_rows * (min_h + gap):
            n_content -= 1
        widgets = []
        texts = self.pick_some(EMAIL_SUBJECTS + NOTE_TITLES, n_content)
        for i, text in enumerate(str(t) for t in texts):
            box = Box(0, area.y0 + i * row_h, self.size[0], area.y0 + (i + 1) * row_h)
            label = f"{int(rng.integers(1, 60))}m"
            if row_width(text, label, row_h, icon=False) > box.width:
                label = ""
            widgets.append(Widget("row", box, text=text, label=label))
        grid = Box(area.x0, area.y0 + n_content * row_h + gap, area.x1, area.y1)
        cells = grid.grid(n_rows, n_cols, gap)
        for k in sorted(self.pick_some(range(len(cells)), count)):
            widgets.append(self._button(cells[k], min_h))
        return widgets

    def _button(self, cell: Box, min_h: int) -> Widget:
        """A button with a label that fits ``cell``, of random size and place inside it."""
        rng = self.np_random
        u = unit(self.size)
        height = int(rng.integers(min_h, max(min_h, min(cell.height, round(30 * u))) + 1))
        while natural_width("button", self._labels[0], height) > cell.width:
            self._labels.append(self._labels.pop(0))  # too long for this cell: try it later
        label = self._labels.pop(0)
        need = natural_width("button", label, height)
        width = int(rng.integers(need, min(cell.width, 2 * need) + 1))
        x0 = cell.x0 + int(rng.integers(0, cell.width - width + 1))
        y0 = cell.y0 + int(rng.integers(0, cell.height - height + 1))
        return Widget("button", Box(x0, y0, x0 + width, y0 + height), name=f"button:{label}",
                      text=label, color=self.pick(NAMED_COLORS[:7]))

    # The task's hooks.
    def _screen(self) -> Screen:
        widgets = [*app_bar(self.size, self._title, self._bar_color), *self._widgets]
        if self._dialog_open:
            widgets += self._dialog
        return Screen(tuple(widgets))

    def _act(self, action: Action, target: Widget | None) -> bool | None:
        kind = action.type
        clicked = target.name if kind == ActionType.CLICK and target is not None else ""
        going_back = kind == ActionType.NAVIGATE_BACK or (
            kind == ActionType.KEY and action.key == "escape")
        if kind == ActionType.NAVIGATE_HOME or (going_back and not self._dialog_open):
            return False  # left the app
        if clicked == "accept":
            return False
        if going_back or clicked == "dismiss":
            self._dialog_open = False
        elif clicked == self._target.name:
            return True
        return None

    def _oracle(self) -> Action:
        if not self._dialog_open:
            return self.click_on(self._target)
        if self._by_key:
            return Action.press_key("escape")
        return self.click_on(self._screen_shown.find("dismiss"))
