"""The `reasoning` style's content: a dense embodied chain of thought, as one JSON object.

ECoT (Zawalski 2024, arXiv 2407.08693) trains a policy to reason before it acts: the
task restated, a plan, the current subtask and why, the move primitive and why, where
the gripper is headed and which objects are visible where. One `reasoning` row per
subtask span (persistent, at the span's start, in force for the span) holds these
fields. Coordinates are source pixels of the camera the object names in `camera`: the
row's own `camera` stays null, as LeRobot requires of every style that is not tied to a
view (`vqa`, `trace`). The model answers `ReasoningThought` (in its own coordinate
convention); what is stored is a `ReasoningTrace`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import Field, ValidationError

from steerlang.dataset.records import CameraInfo
from steerlang.language.vqa_shapes import (
    Answer,
    BboxAnswer,
    KeypointAnswer,
    NonEmpty,
    pixel_problems,
)


class ReasoningThought(Answer):
    """purpose `reasoning`: the chain of thought for one subtask span, about one frame.

    context: episode_index, time (the span's start), span [start, end], frame_index,
    camera, subtask (its label), subtasks (every label of the episode, in order),
    source_width / source_height and sent_width / sent_height (as for `vqa`). The
    gripper point and the boxes are in the model's coordinate convention.
    """

    task: NonEmpty  # the task, restated
    plan: list[NonEmpty] = Field(min_length=1)  # the high-level steps, in order
    subtask: NonEmpty  # the step being done now
    subtask_reason: NonEmpty  # why this step now
    move: NonEmpty  # the move primitive(s), e.g. "move down, close gripper"
    move_reason: NonEmpty  # why that motion
    gripper: KeypointAnswer  # where the gripper point is headed in this span
    objects: BboxAnswer  # the visible objects and their boxes


class ReasoningTrace(ReasoningThought):
    """A stored `reasoning` row's content: the thought in source pixels of `camera`."""

    camera: NonEmpty


def reasoning_problems(content: str | None, cameras: Mapping[str, CameraInfo] | None) -> list[str]:
    """Problems of a `reasoning` row's content; pixel bounds checked when the camera is known
    (`cameras`: the dataset's camera features, None when unknown)."""
    if content is None:
        return ["a reasoning row needs JSON content"]
    try:
        value = json.loads(content)
    except json.JSONDecodeError:
        return ["a reasoning row's content must be a JSON object; it is not JSON"]
    try:
        trace = ReasoningTrace.model_validate(value, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "content"
        return [f"reasoning content {where}: {first['msg']}"]
    if not cameras:
        return []
    camera = cameras.get(trace.camera)
    if camera is None:
        listed = ", ".join(cameras)
        return [f"reasoning names camera {trace.camera!r}, not a camera of this dataset ({listed})"]
    size = (camera.width, camera.height)
    return [
        *pixel_problems("keypoint", trace.gripper.model_dump(), *size, "the reasoning's gripper"),
        *pixel_problems("bbox", trace.objects.model_dump(), *size, "the reasoning's boxes"),
    ]
