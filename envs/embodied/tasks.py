"""The embodied tasks, registered twice each: ``mmgym/<Task>-v0`` takes skill actions (for MLLM
agents), ``mmgym/<Task>Continuous-v0`` continuous control (for classical RL), with step limits to
match."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym

_TABLETOP = "mmgym.envs.embodied.tabletop"
_NAVIGATION = "mmgym.envs.embodied.navigation"


@dataclass(frozen=True)
class EmbodiedTask:
    name: str
    entry_point: str
    skill_steps: int
    continuous_steps: int
    description: str

    @property
    def ids(self) -> dict[str, str]:
        """The registered id of each action interface."""
        return {"skills": f"mmgym/{self.name}-v0", "continuous": f"mmgym/{self.name}Continuous-v0"}


EMBODIED_TASKS = (
    EmbodiedTask("ReachTarget", f"{_TABLETOP}:ReachTargetEnv", 8, 60,
                 "reach the target zone of the named colour with the gripper"),
    EmbodiedTask("PushBlock", f"{_TABLETOP}:PushBlockEnv", 12, 150,
                 "push the named block into the named zone without grasping it"),
    EmbodiedTask("PickPlace", f"{_TABLETOP}:PickPlaceEnv", 12, 150,
                 "pick up the named block and put it in the named zone"),
    EmbodiedTask("StackBlocks", f"{_TABLETOP}:StackBlocksEnv", 12, 150,
                 "stack the named block on another named block"),
    EmbodiedTask("BuildTower", f"{_TABLETOP}:BuildTowerEnv", 24, 300,
                 "build a three-block tower in the named order (two sub-goals in turn)"),
    EmbodiedTask("Navigate", f"{_NAVIGATION}:NavigateEnv", 16, 150,
                 "drive a robot through a small maze-like room to the object named by colour and shape"),
)  # fmt: skip


def register_embodied_tasks() -> None:
    for task in EMBODIED_TASKS:
        for control, env_id in task.ids.items():
            if env_id not in gym.registry:
                steps = task.skill_steps if control == "skills" else task.continuous_steps
                gym.register(env_id, entry_point=task.entry_point, max_episode_steps=steps,
                             kwargs={"control": control})  # fmt: skip


def embodied_env_ids(control: str | None = None) -> list[str]:
    return [env_id for task in EMBODIED_TASKS for kind, env_id in task.ids.items() if control in (None, kind)]


def embodied_tasks() -> list[tuple[str, int, str]]:
    """(id, max steps, description) of every embodied id, for listings."""
    return [(env_id, task.skill_steps if control == "skills" else task.continuous_steps,
             task.description + (" (skill actions)" if control == "skills" else " (continuous control)"))
            for task in EMBODIED_TASKS for control, env_id in task.ids.items()]  # fmt: skip
