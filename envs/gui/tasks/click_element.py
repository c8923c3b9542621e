"""ClickElement: single-step grounding of a described widget among labelled distractors."""

from __future__ import annotations

from mmgym.envs.actions import Action, ActionType
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, content_area
from mmgym.envs.gui.render import NAMED_COLORS, SHAPES, natural_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.words import BUTTON_LABELS, FORM_FIELDS, SETTINGS

_PHRASES = {
    "button": "the '{}' button",
    "checkbox": "the '{}' checkbox",
    "field": "the '{}' text field",
    "icon": "the '{}' icon",
}
_VERBS = ("Click", "Tap", "Select", "Press")
_LABELS = BUTTON_LABELS + FORM_FIELDS + SETTINGS


class ClickElementEnv(GuiEnv):
    """Click the widget the instruction describes ("Tap the 'Save' button").

    Description:
        A screen of 3-9 buttons, checkboxes, text fields and captioned icons in a random grid
        with random colours and sizes. Every caption is unique; the instruction names one widget
        by its kind and caption. This is the single-step grounding task of UI-R1 / GUI-R1.

    Rewards:
        1.0 if the first action is a click inside the target's box, else 0.0.

    Episode End:
        After the first action, whatever it is.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        u = unit(self.size)
        area = content_area(self.size)
        n_rows, n_cols = self.randint(2, 5), self.randint(2, 4)
        cells = area.grid(n_rows, n_cols, gap=round(6 * u))
        count = self.randint(3, min(9, len(cells)) + 1)
        chosen = sorted(self.pick_some(range(len(cells)), count))
        labels = (_LABELS[i] for i in rng.permutation(len(_LABELS)))
        self._widgets = []
        for i in chosen:
            widget = None
            while widget is None:  # a label too long for this cell is skipped for a shorter one
                widget = self._random_widget(next(labels), cells[i], f"w{len(self._widgets)}")
            self._widgets.append(widget)
        self._target = self.pick(self._widgets)
        self._title = self.pick(("Home", "Profile", "Settings", "Editor", "Account", "Inbox"))
        self._bar_color = self.pick(("blue", "purple", "green", "black"))
        caption = self._target.label if self._target.kind == "field" else self._target.text
        return f"{self.pick(_VERBS)} {_PHRASES[self._target.kind].format(caption)}."

    def _random_widget(self, label: str, cell: Box, name: str) -> Widget | None:
        """A widget of random kind, size and place in ``cell`` showing ``label`` uncut, if one fits."""
        u = unit(self.size)
        kind = self.pick(tuple(_PHRASES))
        tallest = min(cell.height, round((44 if kind == "icon" else 30) * u))
        height = self.randint(min(round(16 * u), tallest), tallest + 1)
        while natural_width(kind, label, height) > cell.width and height > 14 * u:
            height -= 1
        needed = natural_width(kind, label, height)
        if needed > cell.width:
            return None
        # Random size and position inside the cell: layouts should not be learnable by heart.
        width = self.randint(needed, min(cell.width, needed * 2) + 1)
        x0 = cell.x0 + self.randint(0, cell.width - width + 1)
        y0 = cell.y0 + self.randint(0, cell.height - height + 1)
        box = Box(x0, y0, x0 + width, y0 + height)
        if kind == "field":
            return Widget(kind, box, name=name, label=label)
        color = self.pick(NAMED_COLORS[:7])
        shape = self.pick(SHAPES) if kind == "icon" else ""
        return Widget(kind, box, name=name, text=label, color=color, shape=shape)

    def _screen(self) -> Screen:
        return Screen((*app_bar(self.size, self._title, self._bar_color), *self._widgets))

    def _act(self, action: Action, target: Widget | None) -> bool:
        return action.type == ActionType.CLICK and target is not None and target.name == self._target.name

    def _oracle(self) -> Action:
        return self.click_on(self._target)
