"""Read the ground truth `steerlang synth` writes beside a synthetic dataset.

`groundtruth/episode_XXXXXX.json` (outside `meta/`, so LeRobot ignores it)
records what each episode shows: subtask spans and labels, and per frame and
camera every object's box and the gripper point in source pixels, counts and spatial
relations. The
simulated VLM answers from it and `steerlang eval` scores against it.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steerlang.errors import SteerlangError

GROUNDTRUTH_FORMAT = "steerlang-synth-groundtruth/1"
GROUNDTRUTH_DIR = "groundtruth"


def groundtruth_path(root: Path, episode_index: int) -> Path:
    return Path(root) / GROUNDTRUTH_DIR / f"episode_{episode_index:06d}.json"


def has_groundtruth(root: Path) -> bool:
    return (Path(root) / GROUNDTRUTH_DIR).is_dir()


@dataclass(frozen=True)
class Subtask:
    label: str
    start: float
    end: float
    start_frame: int
    end_frame: int


class EpisodeTruth:
    """Queries over one episode's ground truth; frames are episode frame indices."""

    def __init__(self, record: dict[str, Any]) -> None:
        if record.get("format") != GROUNDTRUTH_FORMAT:
            raise SteerlangError(f"unknown ground-truth format {record.get('format')!r}")
        self.record = record
        self.episode_index: int = record["episode_index"]
        self.task: str = record["task"]
        self.fps: int = record["fps"]
        self.length: int = record["length"]
        self.objects: list[dict[str, str]] = record["objects"]
        self.subtasks = [
            Subtask(s["label"], s["start"], s["end"], s["start_frame"], s["end_frame"])
            for s in record["subtasks"]
        ]
        self.phases: list[dict[str, Any]] = record["phases"]
        self.cameras: dict[str, dict[str, Any]] = record["cameras"]
        self._subtask_starts = [s.start_frame for s in self.subtasks]

    def frame_at(self, t: float) -> int:
        """Nearest frame to episode time `t`, clamped to the episode."""
        return min(max(round(t * self.fps), 0), self.length - 1)

    def subtask_at_frame(self, frame: int) -> Subtask:
        return self.subtasks[max(bisect_right(self._subtask_starts, frame) - 1, 0)]

    def object(self, object_id: str) -> dict[str, str]:
        return next(o for o in self.objects if o["id"] == object_id)

    def resolution(self, camera: str) -> tuple[int, int]:
        info = self._camera(camera)
        return info["width"], info["height"]

    def boxes_at(self, camera: str, frame: int) -> dict[str, list[float]]:
        """Visible objects' boxes (x1, y1, x2, y2 in source pixels) at a frame."""
        boxes = self._camera(camera)["boxes"]
        return {oid: per_frame[frame] for oid, per_frame in boxes.items() if per_frame[frame]}

    def gripper_at(self, camera: str, frame: int) -> list[float] | None:
        """The gripper point (x, y in source pixels) at a frame; None when out of view."""
        points: list[list[float] | None] | None = self._camera(camera).get("gripper")
        if points is None:
            raise SteerlangError(
                f"the ground truth of episode {self.episode_index} has no gripper positions "
                "(written by an older steerlang synth); synthesise the dataset again"
            )
        return points[frame]

    def counts_at(self, camera: str, frame: int) -> dict[str, int]:
        for run in self._camera(camera)["counts"]:
            if run["start_frame"] <= frame < run["end_frame"]:
                return dict(run["counts"])
        return {}

    def relations_at(self, camera: str, frame: int) -> list[dict[str, str]]:
        return [
            {"subject": r["subject"], "relation": r["relation"], "object": r["object"]}
            for r in self._camera(camera)["relations"]
            if r["start_frame"] <= frame < r["end_frame"]
        ]

    def _camera(self, camera: str) -> dict[str, Any]:
        try:
            return self.cameras[camera]
        except KeyError:
            raise SteerlangError(
                f"ground truth of episode {self.episode_index} has no camera {camera!r}"
            ) from None


def load_truth(root: Path, episode_index: int) -> EpisodeTruth:
    path = groundtruth_path(root, episode_index)
    if not path.is_file():
        raise SteerlangError(
            f"no ground truth for episode {episode_index} at {path}; the simulated backend "
            "needs a dataset made by `steerlang synth`"
        )
    return EpisodeTruth(json.loads(path.read_text()))
