"""What every embodied env shares: the MJCF scene and its renderer, the two action interfaces, the
observation, the reward and the camera geometry that grounds ``move_to`` pixels in the scene.

A task subclasses :class:`EmbodiedEnv` and fills in its hooks: :meth:`~EmbodiedEnv._arrange` (lay out
an episode, return its instruction), :meth:`~EmbodiedEnv._run_skill`,
:meth:`~EmbodiedEnv._apply_continuous`, :meth:`~EmbodiedEnv._state`,
:meth:`~EmbodiedEnv._succeeded`, :meth:`~EmbodiedEnv._potential_now` and
:meth:`~EmbodiedEnv.expert_action`.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from mmgym.envs.actions import CHARSET, MAX_INSTRUCTION_LENGTH
from mmgym.envs.embodied.rendering import import_mujoco, make_renderer
from mmgym.envs.embodied.skills import MAX_MOVE_CM, Skill, SkillError, SkillType, as_skill, skill_space

mujoco = import_mujoco()

#: Named colours the tasks draw from (RGB, 0-1).
COLOURS = {"red": (0.9, 0.1, 0.1), "green": (0.1, 0.75, 0.2), "blue": (0.15, 0.3, 0.95),
           "yellow": (0.95, 0.85, 0.1), "purple": (0.6, 0.2, 0.8), "orange": (1.0, 0.5, 0.05)}  # fmt: skip
CONTROLS = ("skills", "continuous")
CAMERAS = ("top", "front")
PROGRESS_WEIGHT = 1.0
#: Geom group of the agent's own body: camera rays (``move_to``) look through it.
AGENT_GROUP = 2


class EmbodiedEnv(gym.Env):
    """An embodied task on a MuJoCo scene (see the module docstring).

    Observation: ``image`` (the camera's view), ``instruction`` and ``state`` (the subclass's
    proprioception, within ``STATE_LOW``/``STATE_HIGH``). Action: skills
    (:func:`~mmgym.envs.embodied.skills.skill_space`) or a ``Box(-1, 1, (CONTINUOUS_SIZE,))``.
    Reward: 1 on success (which terminates), plus shaped progress, the change in
    :meth:`_potential_now`; both in ``info["reward_components"]``. ``finish`` ends the episode.

    Args:
        control: ``"skills"`` or ``"continuous"``.
        camera: ``"top"`` or ``"front"``.
        width, height: the image size.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}
    SCENE: ClassVar[str]  # the MJCF file in assets/mjcf
    STATE_LOW: ClassVar[tuple[float, ...]]
    STATE_HIGH: ClassVar[tuple[float, ...]]
    CONTINUOUS_SIZE: ClassVar[int]

    def __init__(self, control: str = "skills", camera: str = "top", width: int = 224, height: int = 224,
                 render_mode: str | None = None):  # fmt: skip
        if control not in CONTROLS:
            raise ValueError(f"control must be one of {', '.join(CONTROLS)}, got {control!r}")
        if camera not in CAMERAS:
            raise ValueError(f"camera must be one of {', '.join(CAMERAS)}, got {camera!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.control, self.camera, self.size, self.render_mode = control, camera, (width, height), render_mode
        self.model = mujoco.MjModel.from_xml_path(str(resources.files("mmgym.assets") / "mjcf" / self.SCENE))
        self.data = mujoco.MjData(self.model)
        self._renderer = None
        self.observation_space = spaces.Dict({
            "image": spaces.Box(0, 255, (height, width, 3), np.uint8),
            "instruction": spaces.Text(MAX_INSTRUCTION_LENGTH, min_length=1, charset=CHARSET),
            "state": spaces.Box(np.array(self.STATE_LOW, np.float32), np.array(self.STATE_HIGH, np.float32)),
        })  # fmt: skip
        continuous = spaces.Box(-1, 1, (self.CONTINUOUS_SIZE,), np.float32)
        self.action_space = skill_space(width, height) if control == "skills" else continuous
        self.instruction = ""
        self._potential = 0.0

    # What a task decides.
    def _arrange(self, rng: np.random.Generator) -> str:
        """Lay out an episode on the reset scene; return its instruction."""
        raise NotImplementedError

    def _run_skill(self, skill: Skill, info: dict[str, Any]) -> None:
        """Carry out a skill (not finish), noting in ``info`` what it could not do."""
        raise NotImplementedError

    def _apply_continuous(self, action: np.ndarray) -> None:
        """Carry out a continuous action, already checked and clipped to [-1, 1]."""
        raise NotImplementedError

    def _state(self) -> np.ndarray:
        raise NotImplementedError

    def _succeeded(self) -> bool:
        raise NotImplementedError

    def _potential_now(self) -> float:
        """Minus the distance still to cover; its change is the progress reward."""
        raise NotImplementedError

    def expert_action(self) -> Skill | np.ndarray:
        """What the scripted expert does next, in this env's action interface."""
        raise NotImplementedError

    # Gymnasium API.
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        mujoco.mj_resetData(self.model, self.data)
        self.instruction = self._arrange(self.np_random)
        mujoco.mj_forward(self.model, self.data)
        self._potential = self._potential_now()
        return self._observation(), {"expert_action": self.expert_action(), "success": False,
                                     "reward_components": {"success": 0.0, "progress": 0.0}}  # fmt: skip

    def step(self, action: Any):
        info: dict[str, Any] = {}
        finished = False
        if self.control == "continuous":
            self._apply_continuous(self._checked(action, info))
        else:
            try:
                skill = as_skill(action)
            except SkillError as error:
                skill = None
                info["invalid_action"] = str(error)
            if skill is not None:
                finished = skill.type == SkillType.FINISH
                if not finished:
                    self._run_skill(skill, info)
        success = self._succeeded()
        potential = self._potential_now()
        progress = PROGRESS_WEIGHT * (potential - self._potential)
        self._potential = potential
        terminated = success or finished
        info.update(success=success, reward_components={"success": float(success), "progress": progress},
                    expert_action=None if terminated else self.expert_action())  # fmt: skip
        return self._observation(), float(success) + progress, terminated, False, info

    def render(self) -> np.ndarray | None:
        return self._image() if self.render_mode == "rgb_array" else None

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # Actions.
    def _checked(self, action: Any, info: dict[str, Any]) -> np.ndarray:
        """A continuous action as given, or clipped to [-1, 1] (zeros if it is not numbers of the
        right shape), with the reason in ``info``."""
        action = np.asarray(action, dtype=np.float64)
        if action.shape != (self.CONTINUOUS_SIZE,) or not np.all(np.isfinite(action)):
            size = self.CONTINUOUS_SIZE
            info["invalid_action"] = f"a continuous action is {size} finite numbers, got {action.tolist()}"
            return np.zeros(self.CONTINUOUS_SIZE)
        clipped = np.clip(action, -1.0, 1.0)
        if not np.array_equal(clipped, action):
            info["action_note"] = "action clipped to [-1, 1]"
        return clipped

    @staticmethod
    def _amount_m(skill: Skill, info: dict[str, Any]) -> float:
        """A move's length in metres, clipped to ``MAX_MOVE_CM`` with the reason in ``info``."""
        amount = float(np.clip(skill.amount, 0.0, MAX_MOVE_CM))
        if amount != skill.amount:
            info["action_note"] = f"amount {skill.amount:g} cm clipped to {amount:g}"
        return amount / 100

    # Camera geometry.
    def _camera(self) -> tuple[np.ndarray, np.ndarray, float]:
        camera = self.model.camera(self.camera).id
        rotation = self.data.cam_xmat[camera].reshape(3, 3)
        return self.data.cam_xpos[camera], rotation, float(self.model.cam_fovy[camera])

    def pixel_to_scene(self, point: tuple[int, int]) -> np.ndarray | None:
        """The scene point the camera shows at pixel ``point`` (the agent's own body looked through),
        or None for a pixel outside the image or showing nothing."""
        width, height = self.size
        x, y = point
        if not (0 <= x < width and 0 <= y < height):
            return None
        origin, rotation, fovy = self._camera()
        scale = np.tan(np.radians(fovy) / 2) / (height / 2)
        ray = rotation @ np.array([(x + 0.5 - width / 2) * scale, -(y + 0.5 - height / 2) * scale, -1.0])
        ray /= np.linalg.norm(ray)
        geom = np.array([-1], dtype=np.int32)
        groups = np.array([group != AGENT_GROUP for group in range(6)], dtype=np.uint8)
        distance = mujoco.mj_ray(self.model, self.data, origin, ray, groups, 1, -1, geom)
        return None if distance < 0 else origin + distance * ray

    def scene_to_pixel(self, position: np.ndarray) -> tuple[int, int]:
        """The pixel where the camera shows scene point ``position`` (clipped to the image)."""
        width, height = self.size
        origin, rotation, fovy = self._camera()
        local = rotation.T @ (np.asarray(position) - origin)
        scale = np.tan(np.radians(fovy) / 2) / (height / 2)
        x = local[0] / -local[2] / scale + width / 2 - 0.5
        y = -local[1] / -local[2] / scale + height / 2 - 0.5
        return int(np.clip(round(x), 0, width - 1)), int(np.clip(round(y), 0, height - 1))

    # Observation.
    def _image(self) -> np.ndarray:
        if self._renderer is None:
            self._renderer = make_renderer(self.model, *self.size)
        self._renderer.update_scene(self.data, self.camera)
        return self._renderer.render()

    def _observation(self) -> dict[str, Any]:
        state = self._state().astype(np.float32)
        return {"image": self._image(), "instruction": self.instruction, "state": state}


def axis_move(offset: np.ndarray) -> Skill:
    """A move along the axis of the larger of an (x, y) ``offset`` in metres, at most
    ``MAX_MOVE_CM``: the oracle's fallback where no pixel grounds the spot it wants."""
    axis = int(np.argmax(np.abs(offset[:2])))
    direction = (("left", "right"), ("backward", "forward"))[axis][int(offset[axis] > 0)]
    return Skill.move(direction, round(min(MAX_MOVE_CM, 100 * abs(float(offset[axis]))), 2))
