"""Build the ground-truth record of a synthetic episode (what the camera frames show)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from steerlang.dataset.groundtruth import GROUNDTRUTH_FORMAT
from steerlang.dataset.synth.draw import CameraSpec, View, clip_box, object_box, view_for
from steerlang.dataset.synth.scene import EpisodeScript, FrameState, SceneObject

RELATION_MARGIN = 0.02  # world units a centre must differ by before left/right/behind is said


def episode_truth(script: EpisodeScript, cameras: list[CameraSpec]) -> dict[str, Any]:
    """Everything a grounded annotator could know about the episode, in source pixels."""
    states = [script.state(frame) for frame in range(script.length)]
    fps = script.fps
    return {
        "format": GROUNDTRUTH_FORMAT,
        "episode_index": script.episode_index,
        "task": script.task.text,
        "task_kind": script.task.kind,
        "fps": fps,
        "length": script.length,
        "objects": [
            {"id": o.id, "label": o.label, "color": o.color, "shape": o.shape}
            for o in script.objects
        ],
        "phases": [_span({"name": p.name}, p.start_frame, p.end_frame, fps) for p in script.phases],
        "subtasks": [
            _span({"label": label}, start, end, fps)
            for label, start, end in script.subtask_frames()
        ],
        "cameras": {camera.key: _camera_truth(script, camera, states) for camera in cameras},
    }


def _span(record: dict[str, Any], start: int, end: int, fps: int) -> dict[str, Any]:
    return {
        **record,
        "start_frame": start,
        "end_frame": end,
        "start": float(np.float32(start / fps)),
        "end": float(np.float32(end / fps)),
    }


def _camera_truth(
    script: EpisodeScript, camera: CameraSpec, states: list[FrameState]
) -> dict[str, Any]:
    boxes: dict[str, list[list[float] | None]] = {o.id: [] for o in script.objects}
    gripper: list[list[float] | None] = []
    counts: list[dict[str, int]] = []
    relations: list[dict[tuple[str, str], str]] = []
    for state in states:
        view = view_for(camera, state)
        gripper.append(_gripper_point(view, state))
        visible = []
        for obj in script.objects:
            box = clip_box(object_box(view, obj, state.positions[obj.id]), *_size(view))
            boxes[obj.id].append([round(v, 2) for v in box] if box else None)
            if box:
                visible.append(obj)
        counts.append(_counts(visible))
        relations.append(dict(_relations(visible, state)))
    return {
        "width": camera.width,
        "height": camera.height,
        "boxes": boxes,
        "gripper": gripper,
        "counts": [
            {"start_frame": s, "end_frame": e, "counts": value} for s, e, value in _runs(counts)
        ],
        "relations": _relation_runs(relations),
    }


def _gripper_point(view: View, state: FrameState) -> list[float] | None:
    """The gripper point (between the fingertips) in source pixels; None when out of view."""
    u, v, _ = view.project(*(float(value) for value in state.gripper))
    if not (0.0 <= u <= view.width and 0.0 <= v <= view.height):
        return None
    return [round(u, 2), round(v, 2)]


def _size(view: View) -> tuple[int, int]:
    return view.width, view.height


def _counts(visible: list[SceneObject]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for obj in visible:
        counts[obj.shape] = counts.get(obj.shape, 0) + 1
    return dict(sorted(counts.items()))


def _relations(
    visible: list[SceneObject], state: FrameState
) -> Iterator[tuple[tuple[str, str], str]]:
    """Spatial relation of each visible pair (subject listed first in scene order)."""
    for i, a in enumerate(visible):
        for b in visible[i + 1 :]:
            relation = _relation(a, b, state)
            if relation:
                yield (a.id, b.id), relation


def _relation(a: SceneObject, b: SceneObject, state: FrameState) -> str | None:
    pa, pb = state.positions[a.id], state.positions[b.id]
    apart = float(np.hypot(pa[0] - pb[0], pa[1] - pb[1]))
    if apart < b.size / 2 and abs(pa[2] - (pb[2] + b.height)) < 1e-6:
        return "on"
    if apart < a.size / 2 and abs(pb[2] - (pa[2] + a.height)) < 1e-6:
        return "under"
    dx, dy = pa[0] - pb[0], pa[1] - pb[1]
    if max(abs(dx), abs(dy)) < RELATION_MARGIN:
        return None
    if abs(dx) >= abs(dy):
        return "left of" if dx < 0 else "right of"
    return "behind" if dy < 0 else "in front of"


def _runs(values: list[Any]) -> Iterator[tuple[int, int, Any]]:
    """Run-length encode per-frame values as (start, end exclusive, value)."""
    start = 0
    for frame in range(1, len(values) + 1):
        if frame == len(values) or values[frame] != values[start]:
            yield start, frame, values[start]
            start = frame


def _relation_runs(per_frame: list[dict[tuple[str, str], str]]) -> list[dict[str, Any]]:
    pairs = sorted({pair for frame in per_frame for pair in frame})
    runs = []
    for subject, obj in pairs:
        values = [frame.get((subject, obj)) for frame in per_frame]
        for start, end, relation in _runs(values):
            if relation is not None:
                runs.append(
                    {
                        "start_frame": start,
                        "end_frame": end,
                        "subject": subject,
                        "relation": relation,
                        "object": obj,
                    }
                )
    return runs
