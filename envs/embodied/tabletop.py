"""Tabletop tasks on MuJoCo: a gripper over a table of coloured blocks and target zones.

The scene is ``assets/mjcf/tabletop.xml``: a gripper on three slide joints under position control,
three 5 cm blocks, three flat zones, a top-down (``top``) and a perspective (``front``) camera. Each
task colours and places blocks and zones per seed (unused ones are hidden off the table) and
describes the goal as a list of sub-goals: reach a zone, carry a block into a zone or onto another
block, or push a block into a zone. The sub-goals must hold together, so for a tower their order
matters.

Two action interfaces, chosen at make time with ``control``:

- ``"skills"`` (the MLLM-facing one): :class:`~mmgym.envs.embodied.skills.Skill` actions, each
  run by a built-in controller over many physics steps, the gripper moving at up to 0.4 m/s.
- ``"continuous"``: a ``Box(-1, 1, (4,))`` of gripper velocity (x, y, z) and grip (> 0 closes),
  for classical RL; one env step is 50 ms of physics (ten 5 ms steps).

The gripper holds a block by fixing it to itself (a suction-like grip), which keeps pick-and-place
deterministic. Observation: ``image``, ``instruction`` and ``state`` (gripper position and velocity,
and whether it holds a block). Reward: 1 on success, plus shaped progress (the change in a
potential: minus the distance still to cover), each in ``info["reward_components"]``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmgym.envs.embodied.base import COLOURS, EmbodiedEnv, axis_move, mujoco
from mmgym.envs.embodied.skills import DIRECTION_VECTORS, MAX_MOVE_CM, Skill, SkillType

BLOCK_HALF = 0.025
ZONE_RADIUS = 0.05
FINGER_HALF = 0.02  # the finger's half length: its tip is this far below the gripper's origin
FINGER_RADIUS = 0.012
PUSH_Z = FINGER_HALF + 0.008  # the gripper's height when it pushes: the finger's tip just off the table
HOVER_Z = 0.2  # the height the gripper travels and carries at
TABLE_HALF = 0.22  # blocks and zones are placed within this square
MIN_GAP = 0.09  # between the centres of any two placed objects
SKILL_SPEED = 0.4  # m/s: how fast a skill moves the gripper
STEP_M = 0.02  # continuous control: the gripper's target moves this far per unit action
FRAME_SKIP = 10  # continuous control: physics steps (5 ms) per env step


@dataclass(frozen=True)
class Goal:
    """One sub-goal: bring ``block`` (or the gripper, if None) to ``zone``, or onto block ``onto``;
    ``push``: by pushing it along the table, not carrying it."""

    block: int | None
    zone: int | None = None
    onto: int | None = None
    push: bool = False


class TabletopEnv(EmbodiedEnv):
    """A tabletop task (see the module docstring). Subclasses set the scene and the goals in
    :meth:`_lay_out`."""

    SCENE = "tabletop.xml"
    #: ``state``: gripper position (m), velocity (m/s), holding a block (0 or 1).
    STATE_LOW, STATE_HIGH = (-1, -1, -1, -10, -10, -10, 0), (1, 1, 1, 10, 10, 10, 1)
    CONTINUOUS_SIZE = 4
    can_grasp = True

    def __init__(self, control: str = "skills", camera: str = "top", width: int = 224, height: int = 224,
                 render_mode: str | None = None):  # fmt: skip
        super().__init__(control, camera, width, height, render_mode)
        self._blocks = [self.model.body(f"block{i}").id for i in range(3)]
        self._block_geoms = [self.model.geom(f"block{i}").id for i in range(3)]
        self._zone_geoms = [self.model.geom(f"zone{i}").id for i in range(3)]
        self._block_qpos = [self.model.jnt_qposadr[self.model.body_jntadr[b]] for b in self._blocks]
        self._block_qvel = [self.model.jnt_dofadr[self.model.body_jntadr[b]] for b in self._blocks]
        self.goals: list[Goal] = []
        self._zone_centres = np.zeros((3, 2))
        self._held: int | None = None
        self._offset = np.zeros(3)
        self._target = np.zeros(3)

    # What a task decides.
    def _lay_out(self, rng: np.random.Generator) -> str:
        """Colour and place blocks and zones (``_show_block``, ``_show_zone``), set ``self.goals``;
        return the instruction."""
        raise NotImplementedError

    def _arrange(self, rng: np.random.Generator) -> str:
        self._held = None
        for index in range(3):
            self._hide(index)
        instruction = self._lay_out(rng)
        self._target = np.array([0.0, -0.15, HOVER_Z])
        self.data.qpos[:3] = self.data.ctrl[:] = self._target
        mujoco.mj_forward(self.model, self.data)
        self._settle(20)
        return instruction

    # Scene set-up, for tasks.
    def _colour_names(self, rng: np.random.Generator, count: int) -> list[str]:
        names = list(COLOURS)
        return [names[i] for i in rng.permutation(len(names))[:count]]

    def _free_spots(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` table positions at least ``MIN_GAP`` apart (rejection sampling)."""
        while True:
            spots = rng.uniform(-TABLE_HALF, TABLE_HALF, (count, 2))
            gaps = np.linalg.norm(spots[:, None] - spots[None], axis=-1) + np.eye(count)
            if count < 2 or gaps.min() >= MIN_GAP:
                return spots

    def _show_block(self, index: int, colour: str, xy: np.ndarray) -> None:
        geom = self._block_geoms[index]
        self.model.geom_rgba[geom] = (*COLOURS[colour], 1.0)
        self.model.geom_contype[geom] = self.model.geom_conaffinity[geom] = 1
        address = self._block_qpos[index]
        self.data.qpos[address:address + 7] = (xy[0], xy[1], BLOCK_HALF, 1, 0, 0, 0)

    def _show_zone(self, index: int, colour: str, xy: np.ndarray) -> None:
        geom = self._zone_geoms[index]
        self.model.geom_rgba[geom] = (*COLOURS[colour], 1.0)
        self.model.geom_pos[geom][:2] = xy
        self._zone_centres[index] = xy

    def _hide(self, index: int) -> None:
        block, zone = self._block_geoms[index], self._zone_geoms[index]
        self.model.geom_rgba[block, 3] = self.model.geom_rgba[zone, 3] = 0.0
        self.model.geom_contype[block] = self.model.geom_conaffinity[block] = 2  # the floor's bit only
        address = self._block_qpos[index]
        self.data.qpos[address:address + 7] = (2.0 + index, 2.0, -0.6 + BLOCK_HALF, 1, 0, 0, 0)
        self.model.geom_pos[zone][:2] = (2.0 + index, 2.0)
        self._zone_centres[index] = (2.0 + index, 2.0)

    # State.
    @property
    def gripper(self) -> np.ndarray:
        return self.data.qpos[:3].copy()

    def block_position(self, index: int) -> np.ndarray:
        return self.data.xpos[self._blocks[index]].copy()

    def _goal_met(self, goal: Goal) -> bool:
        if goal.block is None:
            tip = self.gripper - (0, 0, FINGER_HALF)
            centre = self._zone_centres[goal.zone]
            return bool(np.linalg.norm(tip[:2] - centre) < ZONE_RADIUS and tip[2] < 0.06)
        if self._held == goal.block:
            return False
        position = self.block_position(goal.block)
        if goal.zone is not None:
            inside = np.linalg.norm(position[:2] - self._zone_centres[goal.zone]) < ZONE_RADIUS
            return bool(inside and position[2] < BLOCK_HALF + 0.01)
        below = self.block_position(goal.onto)
        return bool(np.linalg.norm(position[:2] - below[:2]) < BLOCK_HALF
                    and abs(position[2] - below[2] - 2 * BLOCK_HALF) < 0.01)  # fmt: skip

    def _succeeded(self) -> bool:
        return all(self._goal_met(goal) for goal in self.goals)

    def _destination(self, goal: Goal) -> np.ndarray:
        if goal.zone is not None:
            return np.array([*self._zone_centres[goal.zone], BLOCK_HALF])
        return self.block_position(goal.onto) + (0, 0, 2 * BLOCK_HALF)

    def _potential_now(self) -> float:
        """Minus the distance still to cover: over the first unmet sub-goal, plus 0.5 m per later one."""
        unmet = [goal for goal in self.goals if not self._goal_met(goal)]
        if not unmet:
            return 0.0
        goal, later = unmet[0], 0.5 * (len(unmet) - 1)
        if goal.block is None:
            target = np.array([*self._zone_centres[goal.zone], FINGER_HALF + 0.02])
            return -float(np.linalg.norm(self.gripper - target)) - later
        block = self.block_position(goal.block)
        reach = 0.0 if self._held == goal.block else float(np.linalg.norm(self.gripper - block))
        return -(reach + float(np.linalg.norm(block - self._destination(goal)))) - later

    # Physics and control.
    def _settle(self, substeps: int) -> None:
        """Step the physics, keeping a held block fixed to the gripper."""
        for _ in range(substeps):
            mujoco.mj_step(self.model, self.data)
            if self._held is not None:  # the next step's kinematics start from here
                address, velocity = self._block_qpos[self._held], self._block_qvel[self._held]
                self.data.qpos[address:address + 3] = self.gripper + self._offset
                self.data.qvel[velocity:velocity + 6] = 0.0
        if self._held is not None:
            mujoco.mj_forward(self.model, self.data)  # positions, contacts and the image agree with it

    def _drive(self, target: np.ndarray, max_substeps: int = 800) -> None:
        """Move the gripper to ``target`` (clipped to its joint ranges) along a straight line at up to
        ``SKILL_SPEED``, under position control, and wait for it to stop there."""
        low, high = self.model.actuator_ctrlrange[:, 0], self.model.actuator_ctrlrange[:, 1]
        self._target = np.clip(target, low, high)
        start = self.data.ctrl.copy()
        chunk = 10 * self.model.opt.timestep  # seconds per loop
        length = float(np.linalg.norm(self._target - start))
        for index in range(1, max_substeps // 10 + 1):
            travelled = min(1.0, index * chunk * SKILL_SPEED / length) if length > 0 else 1.0
            self.data.ctrl[:] = start + travelled * (self._target - start)
            self._settle(10)
            if travelled == 1.0 and np.abs(self.gripper - self._target).max() < 0.002 \
                    and np.abs(self.data.qvel[:3]).max() < 0.02:  # fmt: skip
                return

    def _block_under(self, xy: np.ndarray, reach: float = 0.02, skip: int | None = None) -> int | None:
        """The topmost visible block whose centre is within ``reach`` of ``xy``."""
        found = [(self.block_position(i)[2], i) for i in range(3)
                 if i != skip and self.model.geom_rgba[self._block_geoms[i], 3] > 0
                 and np.linalg.norm(self.block_position(i)[:2] - xy) < reach]  # fmt: skip
        return max(found)[1] if found else None

    def _grasp(self, info: dict[str, Any]) -> None:
        if not self.can_grasp:
            info["skill_note"] = "the gripper does not grasp in this task: push the block"
            return
        if self._held is not None:
            info["skill_note"] = "already holding a block"
            return
        block = self._block_under(self.gripper[:2])
        if block is None:
            info["skill_note"] = "no block under the gripper"
            return
        top = self.block_position(block)[2] + BLOCK_HALF
        self._drive(np.array([*self.gripper[:2], top + FINGER_HALF]))
        self._attach(block)
        self._drive(np.array([*self.gripper[:2], HOVER_Z]))

    def _touches(self, block: int) -> bool:
        """Whether the finger's tip is on (within 6 mm of) the top of ``block``."""
        return self.gripper[2] - FINGER_HALF - self.block_position(block)[2] - BLOCK_HALF < 0.006

    def _attach(self, block: int) -> None:
        self._held = block
        self._offset = self.block_position(block) - self.gripper

    def _release(self, info: dict[str, Any]) -> None:
        if self._held is None:
            info["skill_note"] = "holding nothing"
            return
        held = self.block_position(self._held)
        below = self._block_under(held[:2], reach=2 * BLOCK_HALF, skip=self._held)
        support = self.block_position(below)[2] + BLOCK_HALF if below is not None else 0.0
        self._drive(np.array([*self.gripper[:2], support + 0.002 + BLOCK_HALF - self._offset[2]]))
        self._held = None
        self._settle(40)
        self._drive(np.array([*self.gripper[:2], HOVER_Z]))

    def _run_skill(self, skill: Skill, info: dict[str, Any]) -> None:
        if skill.type == SkillType.MOVE:
            way = np.array(DIRECTION_VECTORS[skill.direction])
            self._drive(self._target + way * self._amount_m(skill, info))
        elif skill.type == SkillType.MOVE_TO:
            spot = self.pixel_to_scene(skill.point)
            if spot is None:
                info["invalid_action"] = f"move_to {list(skill.point)}: the pixel shows nothing to move over"
            else:
                self._drive(np.array([spot[0], spot[1], self._target[2]]))
        elif skill.type == SkillType.GRASP:
            self._grasp(info)
        elif skill.type == SkillType.RELEASE:
            self._release(info)

    def _apply_continuous(self, action: np.ndarray) -> None:
        low, high = self.model.actuator_ctrlrange[:, 0], self.model.actuator_ctrlrange[:, 1]
        self._target = np.clip(self._target + action[:3] * STEP_M, low, high)
        self.data.ctrl[:] = self._target
        closing = action[3] > 0 and self.can_grasp
        if closing and self._held is None:
            block = self._block_under(self.gripper[:2])
            if block is not None and self._touches(block):
                self._attach(block)
        elif not closing and self._held is not None:
            self._held = None
        self._settle(FRAME_SKIP)

    # The oracle.
    def expert_action(self) -> Skill | np.ndarray | None:
        """What the scripted expert does next, in this env's action interface."""
        unmet = [goal for goal in self.goals if not self._goal_met(goal)]
        if not unmet:
            return Skill.finish() if self.control == "skills" else np.zeros(4, np.float32)
        return self._expert_skill(unmet[0]) if self.control == "skills" else self._expert_velocity(unmet[0])

    def _expert_skill(self, goal: Goal) -> Skill:
        if goal.push:
            return self._expert_push_skill(goal)
        if goal.block is None:
            centre = np.array([*self._zone_centres[goal.zone], 0.0])
            if np.linalg.norm(self.gripper[:2] - centre[:2]) > 0.02:
                return self._skill_over(centre, 0.02)
            return Skill.move("down", min(MAX_MOVE_CM, 100 * (self.gripper[2] - FINGER_HALF - 0.03)))
        if self._held is not None and self._held != goal.block:
            return Skill.release()
        if self._held is None:
            block = self.block_position(goal.block)
            if np.linalg.norm(self.gripper[:2] - block[:2]) > 0.01:
                return self._skill_over(block + (0, 0, BLOCK_HALF), 0.01)
            return Skill.grasp()
        destination, tolerance = self._destination(goal), 0.02 if goal.zone is not None else 0.006
        if np.linalg.norm(self.block_position(goal.block)[:2] - destination[:2]) > tolerance:
            offset = np.array([*self._offset[:2], 0.0])  # of the block from the gripper
            return self._skill_over(destination + (0, 0, BLOCK_HALF) - offset, tolerance)
        return Skill.release()

    def _skill_over(self, position: np.ndarray, tolerance: float) -> Skill:
        """Bring the gripper over ``position``: move_to a pixel showing it (within ``tolerance``),
        else (pixels too coarse, or the spot hidden) a plain move along the axis of the larger
        offset."""
        pixel = self._pixel_over(position, tolerance)
        if pixel is not None:
            return Skill.move_to(*pixel)
        return axis_move(position[:2] - self.gripper[:2])

    def _pixel_over(self, position: np.ndarray, tolerance: float) -> tuple[int, int] | None:
        """The pixel nearest ``position``'s image whose move_to lands within ``tolerance`` of it
        (something in front can hide the spot itself), and moves the gripper; else None."""
        x, y = self.scene_to_pixel(position)
        for dx, dy in sorted(itertools.product(range(-3, 4), repeat=2), key=lambda d: d[0] ** 2 + d[1] ** 2):
            spot = self.pixel_to_scene((x + dx, y + dy))
            if spot is not None and np.linalg.norm(spot[:2] - position[:2]) < tolerance:
                return (x + dx, y + dy) if np.linalg.norm(spot[:2] - self.gripper[:2]) > 1e-3 else None
        return None

    def _push_plan(self, goal: Goal) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """For pushing ``goal``'s block onto its zone's centre: where to start (behind the block,
        seen from the zone), where the gripper ends the push, the point it should press on now (a
        little into the block, behind its centre), and whether it is low and behind the block, ready
        to push."""
        block, centre = self.block_position(goal.block)[:2], self._zone_centres[goal.zone]
        way = (centre - block) / max(float(np.linalg.norm(centre - block)), 1e-6)
        reach = BLOCK_HALF + FINGER_RADIUS + 0.005
        start, end, press = block - way * (reach + 0.03), centre - way * reach, block - way * (reach - 0.02)
        behind = self.gripper[:2] - block
        along, across = float(behind @ way), float(abs(behind[0] * way[1] - behind[1] * way[0]))
        ready = self.gripper[2] < PUSH_Z + 0.01 and along < -reach + 0.015 and across < 0.02
        return start, end, press, ready

    def _expert_push_skill(self, goal: Goal) -> Skill:
        start, end, _, ready = self._push_plan(goal)
        if ready:  # a straight move_to pushes; the farthest spot towards the end that a pixel shows
            for part in (1.0, 0.75, 0.5, 0.25):
                spot = self.gripper[:2] + part * (end - self.gripper[:2])
                pixel = self._pixel_over(np.array([*spot, 0.0]), 0.01)
                if pixel is not None:
                    return Skill.move_to(*pixel)
        if self.gripper[2] > PUSH_Z + 0.01:  # high: go over the start, then down
            if np.linalg.norm(self.gripper[:2] - start) > 0.01:
                return self._skill_over(np.array([*start, 0.0]), 0.01)
            return Skill.move("down", min(MAX_MOVE_CM, 100 * (self.gripper[2] - PUSH_Z)))
        return Skill.move("up", 100 * (HOVER_Z - self.gripper[2]))  # low but not behind it: start again

    def _expert_velocity(self, goal: Goal) -> np.ndarray:
        grip = -1.0
        if goal.push:
            start, _, press, ready = self._push_plan(goal)
            if ready:
                target = np.array([*press, PUSH_Z])
            elif self.gripper[2] > PUSH_Z + 0.01 and np.linalg.norm(self.gripper[:2] - start) < 0.01:
                target = np.array([*start, PUSH_Z])
            else:
                target = np.array([*start, HOVER_Z if self.gripper[2] < HOVER_Z - 0.02 else PUSH_Z])
                if self.gripper[2] < HOVER_Z - 0.02:
                    target[:2] = self.gripper[:2]  # rise first
            return np.append(np.clip((target - self._target) / STEP_M, -1, 1), grip).astype(np.float32)
        if goal.block is None:
            target = np.array([*self._zone_centres[goal.zone], FINGER_HALF + 0.02])
        elif self._held != goal.block:
            block = self.block_position(goal.block)
            target = np.array([*block[:2], block[2] + BLOCK_HALF + FINGER_HALF])
            if self.gripper[2] - target[2] < 0.004 and np.linalg.norm(self.gripper[:2] - block[:2]) < 0.01:
                grip = 1.0
        else:
            grip = 1.0
            destination = self._destination(goal)
            target = np.array([*destination[:2], destination[2] + 0.002 - self._offset[2]])
            over = np.linalg.norm(self.block_position(goal.block)[:2] - destination[:2]) < 0.008
            if over and self.gripper[2] - target[2] < 0.004:
                grip = -1.0
        if np.linalg.norm(self.gripper[:2] - target[:2]) > 0.01:  # rise, travel high, then go down
            high = self.gripper[2] > HOVER_Z - 0.02
            target = np.array([*(target[:2] if high else self.gripper[:2]), HOVER_Z])
        return np.append(np.clip((target - self._target) / STEP_M, -1, 1), grip).astype(np.float32)

    def _state(self) -> np.ndarray:
        return np.concatenate([self.gripper, self.data.qvel[:3], [float(self._held is not None)]])


class ReachTargetEnv(TabletopEnv):
    """Reach the zone of the named colour with the gripper's tip, among two distractor zones."""

    def _lay_out(self, rng: np.random.Generator) -> str:
        colours, spots = self._colour_names(rng, 3), self._free_spots(rng, 3)
        for index in range(3):
            self._show_zone(index, colours[index], spots[index])
        self.goals = [Goal(block=None, zone=0)]
        return f"Reach the {colours[0]} target."


class PickPlaceEnv(TabletopEnv):
    """Put the block of the named colour in the zone of the named colour; one distractor each."""

    def _lay_out(self, rng: np.random.Generator) -> str:
        colours, spots = self._colour_names(rng, 4), self._free_spots(rng, 4)
        self._show_block(0, colours[0], spots[0])
        self._show_block(1, colours[1], spots[1])
        self._show_zone(0, colours[2], spots[2])
        self._show_zone(1, colours[3], spots[3])
        self.goals = [Goal(block=0, zone=0, push=not self.can_grasp)]
        if self.can_grasp:
            return f"Put the {colours[0]} block in the {colours[2]} zone."
        return f"Push the {colours[0]} block into the {colours[2]} zone."


class StackBlocksEnv(TabletopEnv):
    """Stack the block of one named colour on the block of another, with a distractor block."""

    def _lay_out(self, rng: np.random.Generator) -> str:
        colours, spots = self._colour_names(rng, 3), self._free_spots(rng, 3)
        for index in range(3):
            self._show_block(index, colours[index], spots[index])
        self.goals = [Goal(block=0, onto=1)]
        return f"Stack the {colours[0]} block on the {colours[1]} block."


class BuildTowerEnv(TabletopEnv):
    """Build a three-block tower in a named order: two sub-goals that must be met in turn."""

    def _lay_out(self, rng: np.random.Generator) -> str:
        colours, spots = self._colour_names(rng, 3), self._free_spots(rng, 3)
        for index in range(3):
            self._show_block(index, colours[index], spots[index])
        self.goals = [Goal(block=1, onto=0), Goal(block=2, onto=1)]
        return (f"Build a tower: the {colours[0]} block at the bottom, the {colours[1]} one on it, then the "
                f"{colours[2]} one on top.")


class PushBlockEnv(PickPlaceEnv):
    """Push the block of the named colour into the zone of the named colour, without grasping it;
    one distractor block and zone."""

    can_grasp = False
