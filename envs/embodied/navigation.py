"""Navigation on MuJoCo: a round robot in a small maze-like room goes to the object the instruction
describes.

The scene is ``assets/mjcf/room.xml``: a 2 m x 2 m room with low walls and two inner wall segments, a
robot on two slide joints (x, y) under force-limited position control, six objects (two balls, two
boxes, two cylinders), a top-down (``top``) and a perspective (``front``) camera. Each seed lays out
the maze (both inner walls run along x or both along y, each attached to one side wall or the other:
eight layouts), shows three to five objects with their colours and places (unused ones are hidden
outside the room), and places the robot at least 60 cm of path from the goal. The instruction names
the goal by colour and shape ("Go to the red ball."), sometimes with its nearest neighbour ("... the
red ball next to the blue box.") when that neighbour is near and no wall stands between them. Two
objects of one shape never share a colour, so colour and shape together always pick out the goal,
and a distractor often shares one of them.

Two action interfaces, chosen at make time with ``control``, as in the tabletop tasks:

- ``"skills"`` (the MLLM-facing one): :class:`~mmgym.envs.embodied.skills.Skill` actions. ``move``
  drives up to 20 cm left, right, forward or backward; ``move_to`` drives straight towards what the
  camera shows at a pixel (the floor, or an object or wall top); a wall or object in the way stops the
  robot. ``grasp``, ``release`` and moves up or down do nothing here (``info["skill_note"]`` says so);
  ``finish`` ends the episode.
- ``"continuous"``: a ``Box(-1, 1, (2,))`` of robot velocity (x, y; 1 is about 1 m/s), for
  classical RL; one env step is 50 ms of physics. Not the tabletop's 4-d box: its height and grip
  would be dimensions a learner has to discover do nothing.

Observation: ``image``, ``instruction`` and ``state`` (robot position and velocity). Success: the
robot's centre within 15 cm of the goal object's side; it terminates. Reward: 1 on success, plus
shaped progress (the change in a potential: minus the path distance still to cover, around walls and
objects, on a 5 cm grid), each in ``info["reward_components"]``. The oracle (``info["expert_action"]``)
follows the same shortest path, cutting corners where the straight line is clear.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

import numpy as np

from mmgym.envs.embodied.base import COLOURS, EmbodiedEnv, axis_move, mujoco
from mmgym.envs.embodied.skills import DIRECTION_VECTORS, Skill, SkillType

SHAPES = ("ball", "box", "cylinder")
#: The objects of the scene (geom names), two of each shape: object ``i`` is a ``SHAPES[i // 2]``.
OBJECTS = tuple(f"{shape}{i}" for shape in SHAPES for i in range(2))
ROOM_HALF = 1.0  # the room's inside spans [-1, 1] in x and y
WALL_HALF = 0.025  # half the walls' thickness
INNER_OFFSET = 0.35  # the inner walls run this far either side of the room's centre line
ROBOT_RADIUS = 0.06
REACH = 0.15  # success: the robot's centre within this of the goal object's side
WALL_CLEARANCE = 0.15  # object centres keep this far from walls
OBJECT_GAP = 0.4  # between object centres
START_PATH = 0.6  # the robot starts at least this far (along the path) from the goal
NEAR = 0.55  # "next to": centres at most this far apart
CELL = 0.05  # the planning grid's cell size
MARGIN = 0.03  # planned paths keep the robot's side this far from walls and objects
ENTRY = 0.15  # the robot's position joins the grid at a free cell at most this far away
STEP_M = 0.05  # the actuators' target leads the robot by this much per unit action: about 1 m/s
FRAME_SKIP = 10  # physics steps (5 ms) per continuous-control step, and per re-aim of a driving skill
#: The eight neighbours of a grid cell and the length of the step to each.
NEIGHBOURS = tuple((di, dj, float(np.hypot(di, dj))) for di in (-1, 0, 1) for dj in (-1, 0, 1) if di or dj)


class NavigateEnv(EmbodiedEnv):
    """Navigate a maze-like room to the described object (see the module docstring)."""

    SCENE = "room.xml"
    #: ``state``: robot position (m) and velocity (m/s).
    STATE_LOW, STATE_HIGH = (-1, -1, -5, -5), (1, 1, 5, 5)
    CONTINUOUS_SIZE = 2

    def __init__(self, control: str = "skills", camera: str = "top", width: int = 224, height: int = 224,
                 render_mode: str | None = None):  # fmt: skip
        super().__init__(control, camera, width, height, render_mode)
        self._objects = [self.model.geom(name).id for name in OBJECTS]
        self._inner_walls = [[self.model.geom(f"inner_{axis}{i}").id for i in range(2)] for axis in "xy"]
        outer = [self.model.geom(f"wall_{side}").id for side in ("north", "south", "east", "west")]
        self._outer_boxes = np.hstack([self.model.geom_pos[outer, :2], self.model.geom_size[outer, :2],
                                       np.zeros((4, 1))])  # fmt: skip
        self.colours = [""] * len(OBJECTS)
        self.goal = 0  # the goal's index in OBJECTS
        self._shown: list[int] = []
        self._walls = self._outer_boxes
        centres = -ROOM_HALF + CELL * (np.arange(round(2 * ROOM_HALF / CELL)) + 0.5)
        self._cells = np.stack(np.meshgrid(centres, centres, indexing="ij"), -1).reshape(-1, 2)  # (G*G, 2)
        self._field = np.zeros(len(self._cells))
        self._toward = np.arange(len(self._cells))
        self._fixed_obstacles = self._walls

    # Scene set-up.
    def _arrange(self, rng: np.random.Generator) -> str:
        """Lay out the maze, colour, show and place the objects, put the robot at its start and plan
        the paths to the goal; return the instruction."""
        self._build_maze(rng)
        names = list(COLOURS)
        for first in range(0, len(OBJECTS), 2):  # two objects of one shape never share a colour
            self.colours[first:first + 2] = [names[i] for i in rng.permutation(len(names))[:2]]
        self._shown = [int(i) for i in rng.permutation(len(OBJECTS))[:rng.integers(3, 6)]]
        self.goal = self._shown[0]
        while True:
            for index in range(len(OBJECTS)):
                self._hide(index)
            for index, xy in zip(self._shown, self._free_spots(rng, len(self._shown)), strict=True):
                self._show(index, xy)
            self._plan()
            start = self._start(rng)
            if start is not None:
                break
        self.data.qpos[:2] = self.data.ctrl[:] = start
        return self._describe(rng)

    def _build_maze(self, rng: np.random.Generator) -> None:
        """Use one pair of inner walls, both along x or both along y, at -0.35 and 0.35 across the
        room, each attached to one side wall and open at its other end; hide the other pair."""
        along = int(rng.integers(2))  # 0: x, 1: y
        sides = rng.choice((-1, 1), 2)
        boxes = []
        for axis, pair in enumerate(self._inner_walls):
            for geom, across, side in zip(pair, (INNER_OFFSET, -INNER_OFFSET), sides, strict=True):
                half = self.model.geom_size[geom, :2]
                centre = np.array([side * (ROOM_HALF - half.max()), across])  # along x; swapped for y
                centre = centre[::-1] if axis else centre
                self._put(geom, centre if axis == along else (-3.0, -3.0), visible=axis == along)
                if axis == along:
                    boxes.append([*centre, *half, 0.0])
        self._walls = np.vstack([self._outer_boxes, boxes])

    def _free_spots(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` floor positions at least ``WALL_CLEARANCE`` from walls and ``OBJECT_GAP`` apart
        (rejection sampling, one at a time; it starts over when the room fills up)."""
        spots: list[np.ndarray] = []
        while len(spots) < count:
            for _ in range(100):
                xy = rng.uniform(-ROOM_HALF, ROOM_HALF, 2)
                if (distance_to_shapes(xy, self._walls) >= WALL_CLEARANCE
                        and all(np.linalg.norm(xy - spot) >= OBJECT_GAP for spot in spots)):  # fmt: skip
                    spots.append(xy)
                    break
            else:
                spots = []
        return np.array(spots)

    def _show(self, index: int, xy: np.ndarray) -> None:
        self.model.geom_rgba[self._objects[index], :3] = COLOURS[self.colours[index]]
        self._put(self._objects[index], xy, visible=True)

    def _hide(self, index: int) -> None:
        self._put(self._objects[index], (3.0 + index, 3.0), visible=False)

    def _put(self, geom: int, xy: np.ndarray | tuple[float, float], visible: bool) -> None:
        """Move a geom fixed to the world to ``xy``; a hidden one is transparent and touches nothing."""
        self.model.geom_pos[geom, :2] = xy
        self.model.geom_rgba[geom, 3] = float(visible)
        self.model.geom_contype[geom] = self.model.geom_conaffinity[geom] = int(visible)

    def _start(self, rng: np.random.Generator) -> np.ndarray | None:
        """A free robot position at least ``START_PATH`` of path from the goal, or None if a few
        hundred tries find none (the objects cut the goal off)."""
        obstacles = np.vstack([self._obstacles(), self._shape(self.goal)])
        for _ in range(300):
            xy = rng.uniform(-ROOM_HALF, ROOM_HALF, 2)
            free = distance_to_shapes(xy, obstacles) >= ROBOT_RADIUS + MARGIN
            if free and START_PATH <= self._path(xy)[0] < np.inf:
                return xy
        return None

    def _describe(self, rng: np.random.Generator) -> str:
        """The instruction: the goal by colour and shape, and, when true and the coin says so, its
        nearest neighbour."""
        template = ("Go to the {}.", "Navigate to the {}.", "Move the robot to the {}.", "Drive to the {}.")
        description = self.object_name(self.goal)
        centre = self.object_position(self.goal)
        others = [index for index in self._shown if index != self.goal]
        neighbour = min(others, key=lambda index: np.linalg.norm(self.object_position(index) - centre))
        other = self.object_position(neighbour)
        near = np.linalg.norm(other - centre) <= NEAR
        if rng.random() < 0.5 and near and clear_lines(centre, other[None], self._walls, 0.0)[0]:
            description += f" next to the {self.object_name(neighbour)}"
        return template[rng.integers(len(template))].format(description)

    # State.
    @property
    def robot(self) -> np.ndarray:
        return self.data.qpos[:2].copy()

    def object_position(self, index: int) -> np.ndarray:
        """The centre of object ``index`` (of OBJECTS) in the floor plane."""
        return self.model.geom_pos[self._objects[index], :2].copy()

    def object_name(self, index: int) -> str:
        return f"{self.colours[index]} {SHAPES[index // 2]}"

    def _shape(self, index: int) -> np.ndarray:
        """Object ``index``'s footprint as a shape row (see :func:`distance_to_shapes`)."""
        geom = self._objects[index]
        size = self.model.geom_size[geom]
        if self.model.geom_type[geom] == mujoco.mjtGeom.mjGEOM_BOX:
            return np.array([*self.object_position(index), size[0], size[1], 0.0])
        return np.array([*self.object_position(index), 0.0, 0.0, size[0]])

    def _obstacles(self) -> np.ndarray:
        """The walls and the shown objects but the goal, as shape rows."""
        return np.vstack([self._walls, *(self._shape(i) for i in self._shown if i != self.goal)])

    def _succeeded(self) -> bool:
        return bool(distance_to_shapes(self.robot, self._shape(self.goal)[None]) < REACH)

    # Path planning.
    def _plan(self) -> None:
        """The path distance from every free grid cell to the goal, and each cell's next cell on it;
        and the obstacles, which stay put for the episode."""
        self._fixed_obstacles = self._obstacles()
        free = distance_to_shapes(self._cells, self._fixed_obstacles) >= ROBOT_RADIUS + MARGIN
        goal = distance_to_shapes(self._cells, self._shape(self.goal)[None]) < REACH - CELL / 2
        side = round(2 * ROOM_HALF / CELL)
        cells, self._toward = shortest_paths(free.reshape(side, side), (goal & free).reshape(side, side))
        self._field = CELL * cells

    def _path(self, xy: np.ndarray) -> tuple[float, int]:
        """The path distance from ``xy`` to the goal, and the free cell where the path joins the grid:
        the best within ``ENTRY`` (walls are thicker than that with the margins, so never a cell
        behind one), else (the robot squeezed somewhere the grid leaves out) the best anywhere."""
        gaps = np.linalg.norm(self._cells - xy, axis=-1)
        total = gaps + self._field
        near = np.where(gaps < ENTRY, total, np.inf)
        if np.isfinite(near).any():
            total = near
        cell = int(np.argmin(total))
        return float(total[cell]), cell

    def _potential_now(self) -> float:
        """Minus the path distance still to cover."""
        return -self._path(self.robot)[0]

    def _waypoints(self) -> np.ndarray:
        """Points along the shortest path (every third cell, its last, then the goal's centre) that
        the robot can drive to in a straight line from where it is (a clearance of 1 cm), farthest
        first; at least the first."""
        _, cell = self._path(self.robot)
        chain = [cell]
        while self._toward[chain[-1]] != chain[-1]:
            chain.append(int(self._toward[chain[-1]]))
        chain = chain[::3] + chain[-1:] if (len(chain) - 1) % 3 else chain[::3]
        points = np.vstack([self._cells[chain], self.object_position(self.goal)])  # (M, 2)
        clear = clear_lines(self.robot, points, self._fixed_obstacles, ROBOT_RADIUS + 0.01, skip=0.05)
        blocked = np.flatnonzero(~clear)
        return points[:max(1, blocked[0] if len(blocked) else len(points))][::-1]

    # Physics and control.
    def _drive(self, target: np.ndarray, max_substeps: int = 1000) -> None:
        """Drive the robot straight towards ``target`` until it gets there or something stops it; then
        hold it where it is."""
        for _ in range(max_substeps // FRAME_SKIP):
            offset = target - self.robot
            self._lead(offset * min(1.0, STEP_M / max(np.linalg.norm(offset), 1e-9)))
            mujoco.mj_step(self.model, self.data, FRAME_SKIP)
            if np.abs(self.data.qvel[:2]).max() < 0.01:
                break
        self._lead(np.zeros(2))

    def _lead(self, offset: np.ndarray) -> None:
        """Set the actuators' target ``offset`` from the robot (clipped to the room): the robot heads
        that way at about ``|offset| / STEP_M`` m/s, and pushing against a wall winds nothing up."""
        low, high = self.model.actuator_ctrlrange[:, 0], self.model.actuator_ctrlrange[:, 1]
        self.data.ctrl[:] = np.clip(self.robot + offset, low, high)

    def _run_skill(self, skill: Skill, info: dict[str, Any]) -> None:
        if skill.type == SkillType.MOVE:
            amount = self._amount_m(skill, info)
            direction = np.array(DIRECTION_VECTORS[skill.direction][:2], dtype=float)
            if direction.any():
                self._drive(self.robot + direction * amount)
            else:
                info["skill_note"] = f"the robot stays on the floor: moving {skill.direction} does nothing"
        elif skill.type == SkillType.MOVE_TO:
            spot = self.pixel_to_scene(skill.point)
            if spot is None:
                info["invalid_action"] = f"move_to {list(skill.point)}: the pixel shows nothing to move to"
            else:
                self._drive(spot[:2])
        elif skill.type in (SkillType.GRASP, SkillType.RELEASE):
            info["skill_note"] = f"{skill.type.label} does nothing: the robot has no gripper"

    def _apply_continuous(self, action: np.ndarray) -> None:
        self._lead(action * STEP_M)
        mujoco.mj_step(self.model, self.data, FRAME_SKIP)

    # The oracle.
    def expert_action(self) -> Skill | np.ndarray:
        """What the scripted expert does next, in this env's action interface."""
        if self._succeeded():
            return Skill.finish() if self.control == "skills" else np.zeros(2, np.float32)
        waypoints = self._waypoints()
        if self.control == "skills":
            return self._expert_skill(waypoints)
        return self._expert_velocity(waypoints[0])

    def _expert_skill(self, waypoints: np.ndarray) -> Skill:
        """move_to the farthest waypoint a pixel grounds close to, else (pixels too coarse, or the
        spot hidden behind a wall) a plain move towards the farthest, along the axis of the larger
        offset."""
        for waypoint in waypoints:
            pixel = self._pixel_over(waypoint)
            if pixel is not None:
                return Skill.move_to(*pixel)
        return axis_move(waypoints[0] - self.robot)

    def _pixel_over(self, waypoint: np.ndarray) -> tuple[int, int] | None:
        """The pixel showing ``waypoint`` on the floor (the goal's centre: the goal), or the first of
        its 8 neighbours, whose move_to ends within 5 cm of it (the goal: within reach of it); None
        if none does."""
        goal = self.model.geom_pos[self._objects[self.goal]]
        at_goal = np.array_equal(waypoint, goal[:2])
        x, y = self.scene_to_pixel(goal if at_goal else np.append(waypoint, 0.0))
        for dx, dy in sorted(itertools.product((-1, 0, 1), repeat=2), key=lambda d: abs(d[0]) + abs(d[1])):
            spot = self.pixel_to_scene((x + dx, y + dy))
            if spot is None or np.linalg.norm(spot[:2] - self.robot) < 0.02:  # (else it would not move)
                continue
            if at_goal:
                lands = distance_to_shapes(spot[:2], self._shape(self.goal)[None]) < REACH - 0.03
            else:
                lands = np.linalg.norm(spot[:2] - waypoint) < 0.05
            if lands:
                return x + dx, y + dy
        return None

    def _expert_velocity(self, waypoint: np.ndarray) -> np.ndarray:
        """Full speed straight at ``waypoint`` (the larger component at 1), slowing within a step of it."""
        offset = waypoint - self.robot
        return (offset / max(np.abs(offset).max(), STEP_M)).astype(np.float32)

    def _state(self) -> np.ndarray:
        return np.concatenate([self.robot, self.data.qvel[:2]])


def distance_to_shapes(points: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """Distance from each point (..., 2) to the nearest of ``shapes`` (S, 5), each an axis-aligned
    box (centre x, y, half sizes x, y) grown by a radius: a wall is a box, a ball a disc (half sizes
    0). Negative inside a disc, 0 inside a box.

    Example:
        >>> float(distance_to_shapes(np.array([1.0, 0.0]), np.array([[0, 0, 0.5, 0.5, 0], [3, 0, 0, 0, 1]])))
        0.5
    """
    outside = np.maximum(np.abs(points[..., None, :] - shapes[:, :2]) - shapes[:, 2:4], 0.0)  # (..., S, 2)
    return (np.hypot(outside[..., 0], outside[..., 1]) - shapes[:, 4]).min(axis=-1)  # (...)


def clear_lines(start: np.ndarray, ends: np.ndarray, shapes: np.ndarray, clearance: float,
                skip: float = 0.0) -> np.ndarray:  # fmt: skip
    """Whether the straight line from ``start`` to each of ``ends`` (M, 2) keeps ``clearance`` from
    ``shapes`` (checked every 4 cm: every obstacle, grown by the clearance, is wider than that).
    Over its first ``skip`` metres it need only come no closer to them than its start is, so that a
    robot touching a wall may drive along it or away."""
    lengths = np.linalg.norm(ends - start, axis=-1)  # (M,)
    t = np.linspace(0.0, 1.0, int(np.ceil(lengths.max() / 0.04)) + 2)  # (K,)
    points = start + t[:, None, None] * (ends - start)  # (K, M, 2)
    distances = distance_to_shapes(points, shapes)  # (K, M)
    near_start = min(clearance, distances[0, 0] - 0.002)
    return np.all(distances >= np.where(t[:, None] * lengths > skip, clearance, near_start), axis=0)  # (M,)


def shortest_paths(free: np.ndarray, goal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dijkstra on a grid of cells: the path length (in cells) from every cell to the nearest goal
    cell, moving between free cells to the 8 neighbours (diagonally only past two free ones), and
    each cell's next cell on that path (a goal cell's is itself), both flat.

    Example:
        >>> goal = np.zeros((3, 3), bool); goal[2, 0] = True
        >>> shortest_paths(np.ones((3, 3), bool), goal)[0].reshape(3, 3)[0, 2].round(3)  # diagonally
        np.float64(2.828)
        >>> wall = np.array([[True, True, True], [False, False, True], [True, True, True]])
        >>> shortest_paths(wall, goal)[0].reshape(3, 3)[0, 0]  # around the wall, no corner cut
        np.float64(6.0)
    """
    rows, columns = free.shape
    field, toward = np.full(free.size, np.inf), np.arange(free.size)
    field[goal.ravel()] = 0.0
    heap = [(0.0, int(cell)) for cell in np.flatnonzero(goal)]
    while heap:
        length, cell = heapq.heappop(heap)
        if length > field[cell]:
            continue
        i, j = divmod(cell, columns)
        for di, dj, step in NEIGHBOURS:
            a, b = i + di, j + dj
            if not (0 <= a < rows and 0 <= b < columns and free[a, b] and free[a, j] and free[i, b]):
                continue
            if length + step < field[a * columns + b]:
                field[a * columns + b], toward[a * columns + b] = length + step, cell
                heapq.heappush(heap, (length + step, a * columns + b))
    return field, toward
