"""ClickShape: colour and shape perception without any text to read."""

from __future__ import annotations

from mmgym.envs.actions import Action, ActionType
from mmgym.envs.gui.base import GuiEnv
from mmgym.envs.gui.layout import app_bar, content_area
from mmgym.envs.gui.render import NAMED_COLORS, SHAPES, unit
from mmgym.envs.gui.screen import Box, Screen, Widget


class ClickShapeEnv(GuiEnv):
    """Click the shape the instruction names by colour and form ("Click the green triangle").

    Description:
        4-12 unlabelled icons, each a distinct (colour, shape) pair, scattered over a grid with
        random sizes. Distractors share the target's colour or its shape, so neither alone is
        enough: the task needs colour and shape perception, and no text is drawn to read.

    Rewards:
        1.0 if the first action is a click inside the target's box, else 0.0.

    Episode End:
        After the first action.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        u = unit(self.size)
        n_rows, n_cols = int(rng.integers(2, 5)), int(rng.integers(2, 5))
        cells = content_area(self.size).grid(n_rows, n_cols, gap=round(4 * u))
        count = int(rng.integers(4, min(12, len(cells)) + 1))
        target = (self.pick(NAMED_COLORS[:8]), self.pick(SHAPES))
        # Half the distractors share the target's colour or shape, the rest are random.
        pairs = {target}
        while len(pairs) < count:
            color, shape = self.pick(NAMED_COLORS[:8]), self.pick(SHAPES)
            if rng.random() < 0.5:
                color, shape = (target[0], shape) if rng.random() < 0.5 else (color, target[1])
            pairs.add((color, shape))
        pairs = sorted(pairs)
        order = rng.permutation(len(pairs))
        slots = self.pick_some(range(len(cells)), count)
        self._widgets = []
        for k, slot in zip(order, slots, strict=True):
            color, shape = pairs[k]
            cell = cells[int(slot)]
            side = int(rng.integers(max(10, min(cell.width, cell.height) // 2),
                                    min(cell.width, cell.height) + 1))  # fmt: skip
            x0 = cell.x0 + int(rng.integers(0, cell.width - side + 1))
            y0 = cell.y0 + int(rng.integers(0, cell.height - side + 1))
            name = f"{color} {shape}"
            self._widgets.append(Widget("icon", Box(x0, y0, x0 + side, y0 + side), name=name,
                                        color=color, shape=shape))  # fmt: skip
        self._target = f"{target[0]} {target[1]}"
        return f"Click the {self._target}."

    def _screen(self) -> Screen:
        return Screen((*app_bar(self.size, "Shapes", "black"), *self._widgets), background="paper")

    def _act(self, action: Action, target: Widget | None) -> bool:
        return action.type == ActionType.CLICK and target is not None and target.name == self._target

    def _oracle(self) -> Action:
        return self.click_on(next(w for w in self._widgets if w.name == self._target))
