"""GUI datasets (UI-R1, GUI-R1, ScreenSpot, AndroidControl layouts) as envs, readers and exporters."""

from mmgym.envs.datasets.samples import GuiSample, RowError

__all__ = ["GuiSample", "RowError"]
