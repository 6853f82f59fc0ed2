"""Scripted table-top episodes: objects, a gripper, and tasks executed in phases.

World coordinates: the table is x ∈ [0, 1] (left → right) by y ∈ [0, 0.75]
(far → near); z ∈ [0, 1] is height above the table. Everything an episode shows
is a pure function of (script, frame index), so any frame can be re-drawn
exactly for tests and ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TABLE_WIDTH = 1.0
TABLE_DEPTH = 0.75
HOME = (0.5, 0.66, 0.6)
GRASP_Z = 0.05
CARRY_Z = 0.4
OPEN, CLOSED = 1.0, 0.35

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (210, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 210),
    "yellow": (235, 205, 40),
    "purple": (140, 60, 170),
    "orange": (240, 130, 30),
}
SIZES = {"block": 0.07, "ball": 0.065, "plate": 0.16}
HEIGHTS = {"block": 0.07, "ball": 0.065, "plate": 0.015}

# Relative phase durations per task type; subtasks group consecutive phases
# around the events that change the world (grasp, place, push).
PHASE_WEIGHTS = {
    "pick_place": [
        ("reach", 0.2),
        ("grasp", 0.1),
        ("lift", 0.1),
        ("move", 0.2),
        ("place", 0.15),
        ("release", 0.08),
        ("retreat", 0.17),
    ],
    "push": [("reach", 0.3), ("push", 0.5), ("retreat", 0.2)],
}
SUBTASK_GROUPS = {
    "pick_place": [("reach", "grasp"), ("lift", "move"), ("place", "release", "retreat")],
    "push": [("reach",), ("push", "retreat")],
}


@dataclass(frozen=True)
class SceneObject:
    """One object on the table."""

    id: str
    color: str
    shape: str  # block | ball | plate

    @property
    def label(self) -> str:
        return f"{self.color} {self.shape}"

    @property
    def size(self) -> float:
        return SIZES[self.shape]

    @property
    def height(self) -> float:
        return HEIGHTS[self.shape]


@dataclass(frozen=True)
class TaskSpec:
    """A task shared by several episodes: what to move where, and its wording."""

    kind: str  # pick_place | stack | push
    target: SceneObject
    destination: SceneObject | None = None
    side: str | None = None  # push: left | right

    @property
    def goal(self) -> SceneObject:
        """The object a pick_place or stack task puts the target on (a push has none)."""
        if self.destination is None:
            raise ValueError(f"a {self.kind} task has no destination")
        return self.destination

    @property
    def text(self) -> str:
        if self.kind == "pick_place":
            return f"Put the {self.target.label} on the {self.goal.label}."
        if self.kind == "stack":
            return f"Stack the {self.target.label} on top of the {self.goal.label}."
        return f"Push the {self.target.label} to the {self.side} edge of the table."

    @property
    def phase_kind(self) -> str:
        return "push" if self.kind == "push" else "pick_place"

    def subtask_labels(self) -> list[str]:
        t = self.target.label
        if self.kind == "push":
            return [
                f"lower the closed gripper beside the {t} on its {_opposite(self.side)} side",
                f"push the {t} steadily to the {self.side} edge of the table",
            ]
        where = "onto the" if self.kind == "pick_place" else "on top of the"
        return [
            f"grasp the {t} from above with the open gripper",
            f"lift the {t} and carry it over the {self.goal.label}",
            f"lower the {t} {where} {self.goal.label} and open the gripper to release it",
        ]


@dataclass(frozen=True)
class Phase:
    name: str
    start_frame: int
    end_frame: int  # exclusive


@dataclass
class FrameState:
    """Where everything is at one frame."""

    gripper: np.ndarray  # x, y, z
    opening: float
    positions: dict[str, np.ndarray] = field(default_factory=dict)  # id → x, y, z


@dataclass(frozen=True)
class EpisodeScript:
    """One episode's layout and motion plan."""

    episode_index: int
    task: TaskSpec
    objects: tuple[SceneObject, ...]
    start_positions: dict[str, tuple[float, float]]
    length: int
    fps: int
    phases: tuple[Phase, ...]

    def subtask_frames(self) -> list[tuple[str, int, int]]:
        """(label, start frame, end frame exclusive) of each ground-truth subtask."""
        by_name = {phase.name: phase for phase in self.phases}
        spans = []
        for label, group in zip(
            self.task.subtask_labels(), SUBTASK_GROUPS[self.task.phase_kind], strict=True
        ):
            spans.append((label, by_name[group[0]].start_frame, by_name[group[-1]].end_frame))
        return spans

    def state(self, frame: int) -> FrameState:
        return _state_at(self, frame)

    def state_vectors(self) -> np.ndarray:
        """(length, 4) array of gripper x, y, z and opening: the robot's proprioception."""
        return np.array([[*s.gripper, s.opening] for s in map(self.state, range(self.length))])


def _opposite(side: str | None) -> str:
    return "right" if side == "left" else "left"


def make_task_pool(
    n_tasks: int, rng: np.random.Generator
) -> list[tuple[TaskSpec, list[SceneObject]]]:
    """`n_tasks` distinct tasks with their object sets (shared across episodes)."""
    pool: list[tuple[TaskSpec, list[SceneObject]]] = []
    kinds = ["pick_place", "stack", "push"]
    seen: set[str] = set()
    while len(pool) < n_tasks:
        kind = kinds[len(pool) % len(kinds)]
        colors = [str(c) for c in rng.permutation(list(COLORS))[:4]]
        if kind == "pick_place":
            target = SceneObject(f"{colors[0]}_block", colors[0], "block")
            dest = SceneObject(f"{colors[1]}_plate", colors[1], "plate")
            extra = [SceneObject(f"{colors[2]}_ball", colors[2], "ball")]
            spec = TaskSpec(kind, target, dest)
        elif kind == "stack":
            target = SceneObject(f"{colors[0]}_block", colors[0], "block")
            dest = SceneObject(f"{colors[1]}_block", colors[1], "block")
            extra = [SceneObject(f"{colors[2]}_ball", colors[2], "ball")]
            spec = TaskSpec(kind, target, dest)
        else:
            target = SceneObject(f"{colors[0]}_ball", colors[0], "ball")
            extra = [
                SceneObject(f"{colors[1]}_block", colors[1], "block"),
                SceneObject(f"{colors[2]}_block", colors[2], "block"),
            ]
            spec = TaskSpec(kind, target, side=str(rng.choice(["left", "right"])))
        if spec.text in seen:
            continue
        seen.add(spec.text)
        objects = [spec.target, *([spec.destination] if spec.destination else []), *extra]
        pool.append((spec, objects))
    return pool


def make_script(
    episode_index: int,
    task: TaskSpec,
    objects: list[SceneObject],
    length: int,
    fps: int,
    rng: np.random.Generator,
) -> EpisodeScript:
    """Lay the objects out without overlaps and split the episode into phases."""
    positions = _layout(task, objects, rng)
    weights = np.array([w for _, w in PHASE_WEIGHTS[task.phase_kind]])
    weights = weights * rng.uniform(0.85, 1.15, size=len(weights))
    bounds = np.round(np.cumsum(weights) / weights.sum() * length).astype(int)
    starts = np.concatenate([[0], bounds[:-1]])
    bounds[-1] = length
    phases = tuple(
        Phase(name, int(s), int(e))
        for (name, _), s, e in zip(PHASE_WEIGHTS[task.phase_kind], starts, bounds, strict=True)
    )
    if any(p.end_frame <= p.start_frame for p in phases):
        raise ValueError(f"episode of {length} frames is too short for {len(phases)} phases")
    return EpisodeScript(episode_index, task, tuple(objects), positions, length, fps, phases)


def _layout(
    task: TaskSpec, objects: list[SceneObject], rng: np.random.Generator
) -> dict[str, tuple[float, float]]:
    placed: dict[str, tuple[float, float]] = {}
    for obj in objects:
        for _ in range(500):
            if task.kind == "push" and obj is task.target:
                x = 0.5 + rng.uniform(-0.1, 0.1)
            else:
                x = rng.uniform(0.15, 0.85)
            y = rng.uniform(0.15, 0.5)
            clear = all(
                np.hypot(x - px, y - py) > (obj.size + other.size) * 0.9 + 0.02
                for other, (px, py) in ((o, placed[o.id]) for o in objects if o.id in placed)
            )
            push_lane = (
                task.kind == "push"
                and obj is not task.target
                and abs(y - _lane(placed, task)) < 0.12
            )
            if clear and not push_lane:
                placed[obj.id] = (float(x), float(y))
                break
        else:
            raise RuntimeError("could not lay out the scene without overlaps")
    return placed


def _lane(placed: dict[str, tuple[float, float]], task: TaskSpec) -> float:
    return placed[task.target.id][1] if task.target.id in placed else -1.0


def _smooth(u: float) -> float:
    u = min(max(u, 0.0), 1.0)
    return u * u * (3 - 2 * u)


def _lerp(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
    between: np.ndarray = a + (b - a) * _smooth(u)
    return between


def _state_at(script: EpisodeScript, frame: int) -> FrameState:
    """Replay the phases up to `frame`: poses at each phase end, interpolated inside."""
    task = script.task
    pos = {oid: np.array([x, y, 0.0]) for oid, (x, y) in script.start_positions.items()}
    grip = np.array(HOME)
    opening = OPEN if task.phase_kind == "pick_place" else CLOSED
    target = task.target.id
    for phase in script.phases:
        span = phase.end_frame - phase.start_frame
        u = 1.0 if frame >= phase.end_frame else (frame - phase.start_frame) / span
        grip, opening, carried = _phase_step(script, phase.name, grip, opening, pos, u)
        if carried is not None:
            pos[target] = carried
        if frame < phase.end_frame:
            break
    return FrameState(grip, float(opening), pos)


def _phase_step(
    script: EpisodeScript,
    name: str,
    grip: np.ndarray,
    opening: float,
    pos: dict[str, np.ndarray],
    u: float,
) -> tuple[np.ndarray, float, np.ndarray | None]:
    """Gripper pose, opening and the moved target's position `u` of the way through a phase."""
    task = script.task
    target = pos[task.target.id]
    if name == "reach":
        if task.kind == "push":
            sign = -1.0 if task.side == "left" else 1.0
            goal = np.array(
                [target[0] - sign * (task.target.size * 0.5 + 0.05), target[1], GRASP_Z]
            )
        else:
            goal = np.array([target[0], target[1], target[2] + GRASP_Z])
        return _lerp(grip, goal, u), opening, None
    if name == "grasp":
        return grip, opening + (CLOSED - opening) * _smooth(u), None
    if name in {"lift", "move", "place"}:
        if name == "lift":
            goal = np.array([grip[0], grip[1], CARRY_Z])
        elif name == "move":
            dest = pos[task.goal.id]
            goal = np.array([dest[0], dest[1], CARRY_Z])
        else:
            dest = pos[task.goal.id]
            goal = np.array([dest[0], dest[1], dest[2] + task.goal.height + GRASP_Z])
        new = _lerp(grip, goal, u)
        return new, opening, new - np.array([0.0, 0.0, GRASP_Z])
    if name == "release":
        return grip, opening + (OPEN - opening) * _smooth(u), None
    if name == "push":
        sign = -1.0 if task.side == "left" else 1.0
        edge = 0.06 + task.target.size * 0.5
        goal_x = edge if sign < 0 else TABLE_WIDTH - edge
        goal_grip = np.array([goal_x - sign * (task.target.size * 0.5 + 0.05), grip[1], GRASP_Z])
        new = _lerp(grip, goal_grip, u)
        carried = np.array([new[0] + sign * (task.target.size * 0.5 + 0.05), target[1], 0.0])
        return new, opening, carried
    # retreat
    return _lerp(grip, np.array(HOME), u), opening, None
