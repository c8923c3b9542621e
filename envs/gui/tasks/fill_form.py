"""FillForm: focus fields, type values, submit; a multi-step text-entry task."""

from __future__ import annotations

from mmgym.envs.actions import MAX_TEXT_LENGTH, Action, ActionType
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, content_area
from mmgym.envs.gui.render import unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.words import CITIES, FIRST_NAMES, FORM_FIELDS, LAST_NAMES


class FillFormEnv(GuiEnv):
    """Fill in a form and submit it ("Enter 'Alice' as Name and 'Paris' as City, then submit").

    Description:
        One to three labelled text fields and a submit button. Clicking a field focuses it;
        ``type`` appends to the focused field, ``key backspace`` deletes its last character,
        ``key tab`` moves focus to the next field and ``key enter`` submits.

    Rewards:
        1.0 when the form is submitted with every field exactly as asked, else 0.0.

    Episode End:
        Terminated on submit: success if every value matches, failure otherwise.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        n = int(rng.integers(1, 4))
        labels = self.pick_some(FORM_FIELDS, n)
        self._labels = labels
        self._wanted = [self._value_for(label) for label in labels]
        self._values = [""] * n
        self._focus: int | None = None
        self._submit_text = self.pick(("Submit", "Save", "Send", "Continue"))
        self._submit_color = self.pick(("blue", "green", "purple"))
        self._title = self.pick(("Sign up", "New contact", "Profile", "Order form"))
        parts = [f"'{value}' as {label}" for label, value in zip(labels, self._wanted, strict=True)]
        asked = parts[0] if n == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"Enter {asked}, then press {self._submit_text}."

    def _value_for(self, label: str) -> str:
        rng = self.np_random
        first, last = self.pick(FIRST_NAMES), self.pick(LAST_NAMES)
        digits = "".join(str(d) for d in rng.integers(0, 10, size=7))
        return {
            "Name": f"{first} {last}",
            "Email": f"{first.lower()}@{last.lower()}.com",
            "City": self.pick(CITIES),
            "Phone": f"555-{digits[:3]}-{digits[3:]}",
            "Company": f"{last} Inc",
            "Username": f"{first.lower()}{digits[:2]}",
            "Country": self.pick(("France", "Japan", "Peru", "Norway", "Egypt", "India")),
            "Title": self.pick(("Engineer", "Teacher", "Doctor", "Artist", "Chef")),
        }[label]

    def _boxes(self) -> tuple[list[Box], list[Box], Box]:
        u = unit(self.size)
        area = content_area(self.size)
        row_h = round(22 * u)
        labels, fields = [], []
        y = area.y0
        for _ in self._labels:
            labels.append(Box(area.x0, y, area.x1, y + round(16 * u)))
            y += round(17 * u)
            fields.append(Box(area.x0, y, area.x1, y + row_h))
            y += row_h + round(6 * u)
        button_w = min(area.width, round(90 * u))
        submit = Box(area.x1 - button_w, y + round(2 * u), area.x1, y + round(2 * u) + row_h)
        return labels, fields, submit

    def _screen(self) -> Screen:
        label_boxes, field_boxes, submit = self._boxes()
        widgets = app_bar(self.size, self._title, "blue")
        for i, label in enumerate(self._labels):
            widgets.append(Widget("label", label_boxes[i], text=label, color="ink"))
            widgets.append(Widget("field", field_boxes[i], name=f"field{i}", text=self._values[i],
                                  label=f"Enter {label.lower()}", on=self._focus == i))  # fmt: skip
        widgets.append(Widget("button", submit, name="submit", text=self._submit_text,
                              color=self._submit_color))  # fmt: skip
        return Screen(tuple(widgets))

    def _act(self, action: Action, target: Widget | None) -> bool | None:
        kind = action.type
        if kind == ActionType.CLICK and target is not None:
            if target.name == "submit":
                return self._values == self._wanted
            if target.name.startswith("field"):
                self._focus = int(target.name[len("field"):])
        elif kind == ActionType.TYPE and self._focus is not None:
            value = self._values[self._focus] + (action.text or "")
            self._values[self._focus] = value[:MAX_TEXT_LENGTH]
        elif kind == ActionType.KEY and action.key == "enter":
            return self._values == self._wanted
        elif kind == ActionType.KEY and self._focus is not None:
            if action.key == "backspace":
                self._values[self._focus] = self._values[self._focus][:-1]
            elif action.key == "tab":
                self._focus = (self._focus + 1) % len(self._labels)
        return None

    def _oracle(self) -> Action:
        for i, (value, wanted) in enumerate(zip(self._values, self._wanted, strict=True)):
            if value == wanted:
                continue
            if self._focus != i:
                return self.click_on(self._screen_shown.find(f"field{i}"))
            if wanted.startswith(value):
                return Action.type_text(wanted[len(value):])
            return Action.press_key("backspace")
        return self.click_on(self._screen_shown.find("submit"))
