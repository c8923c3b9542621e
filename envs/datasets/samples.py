"""One dataset sample of a GUI task: a screenshot, an instruction and the ground-truth action.

Every reader (:mod:`mmgym.envs.datasets.formats`) turns its layout's rows into :class:`GuiSample`
values; every exporter writes them back. Points and boxes are in pixels of the sample's own image
(its file's size); :class:`mmgym.envs.datasets.env.DatasetGuiEnv` maps them to the observation's size
with :class:`mmgym.envs.coordinates.Coordinates`, the one conversion every env and model uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mmgym.envs.actions import Action


@dataclass(frozen=True)
class GuiSample:
    """Attributes:
    image: the screenshot file.
    instruction: what the user asked, e.g. "Open the settings".
    action: the ground-truth action, its point (if any) in pixels of ``image``.
    box: the target element's ``(left, top, right, bottom)`` in pixels of ``image``, or None
        (a dataset that gives only a point, or an action without a target).
    history: the earlier steps of the episode, as text (AndroidControl-style step samples).
    source: ``"file:row"`` where the sample came from, for messages about it.
    """

    image: Path
    instruction: str
    action: Action
    box: tuple[float, float, float, float] | None = None
    history: tuple[str, ...] = field(default=())
    source: str = ""


class RowError(ValueError):
    """A row that cannot become a sample; the message names the file and row and says why."""
