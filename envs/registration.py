"""The registry of mmgym environments: one row per task, registered with Gymnasium on import."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym


@dataclass(frozen=True)
class TaskSpec:
    """A registered task: its id, where it lives, its step limit and a one-line description."""

    name: str
    entry_point: str
    max_episode_steps: int
    description: str
    family: str = "gui"

    @property
    def env_id(self) -> str:
        return f"mmgym/{self.name}-v0"


_GUI = "mmgym.envs.gui.tasks"
DATASET_ENV_ID = "mmgym/GuiDataset-v0"

TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("ClickElement", f"{_GUI}.click_element:ClickElementEnv", 2,
             "click the button, checkbox, field or icon the instruction names"),
    TaskSpec("ClickShape", f"{_GUI}.click_shape:ClickShapeEnv", 2,
             "click the shape of the named colour among unlabelled distractors"),
    TaskSpec("FillForm", f"{_GUI}.fill_form:FillFormEnv", 24,
             "click each field, type the requested values, then submit"),
    # lists-and-reading tasks
    TaskSpec("ScrollList", f"{_GUI}.scroll_list:ScrollListEnv", 16,
             "scroll a long list until the named row shows, then tap it"),
    TaskSpec("DeleteItem", f"{_GUI}.delete_item:DeleteItemEnv", 6,
             "long-press the named note, email or photo and choose Delete in its menu"),
    TaskSpec("ReadPrice", f"{_GUI}.read_price:ReadPriceEnv", 3,
             "read an item's price off a receipt, price list or table and answer with finish"),
    TaskSpec("SearchBox", f"{_GUI}.search_box:SearchBoxEnv", 12,
             "focus the search field, type or pick the query, then press enter"),
    # navigation tasks
    TaskSpec("OpenApp", f"{_GUI}.open_app:OpenAppEnv", 16,
             "go home, open the named app from its icon or by name, wait for it, tap a button"),
    TaskSpec("NavigateBack", f"{_GUI}.navigate_back:NavigateBackEnv", 6,
             "go back from a detail screen to the list and open another entry"),
    TaskSpec("DismissDialog", f"{_GUI}.dismiss_dialog:DismissDialogEnv", 6,
             "close a modal pop-up without accepting it, then tap the named button"),
    TaskSpec("ToggleSettings", f"{_GUI}.toggle_settings:ToggleSettingsEnv", 10,
             "switch tabs to set two named checkboxes as asked, change nothing else, then save"),
)  # fmt: skip


def register_all() -> None:
    """Register every mmgym task with Gymnasium (idempotent)."""
    from mmgym.envs.browser.tasks import register_browser_tasks
    from mmgym.envs.embodied.tasks import register_embodied_tasks

    register_browser_tasks()
    register_embodied_tasks()
    if DATASET_ENV_ID not in gym.registry:  # a GUI dataset: gym.make(DATASET_ENV_ID, path=...)
        gym.register(DATASET_ENV_ID, entry_point="mmgym.envs.datasets.env:DatasetGuiEnv", max_episode_steps=1)
    for spec in TASKS:
        if spec.env_id not in gym.registry:
            gym.register(spec.env_id, entry_point=spec.entry_point,
                         max_episode_steps=spec.max_episode_steps)  # fmt: skip


def gui_env_ids() -> list[str]:
    return [spec.env_id for spec in TASKS if spec.family == "gui"]

