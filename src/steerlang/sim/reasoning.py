"""Exact ECoT-style reasoning about one subtask span, from the ground truth.

The plan is the ground-truth subtasks; the reason for the current one is what is done
before it; the move primitives are those of the scripted phases the subtask spans; the
gripper target is where the gripper point is when the subtask's acting phase ends (its
retreat left out: a subtask ending in a retreat acts where it placed, not back home);
the boxes are the objects visible on the asked frame, in the asked convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steerlang.dataset.groundtruth import EpisodeTruth
from steerlang.language.reasoning_shape import ReasoningThought
from steerlang.language.vqa_shapes import BboxAnswer, Detection, KeypointAnswer
from steerlang.sim.timeline import span_subtask
from steerlang.sim.vqa import frame_of, geometry

PRIMITIVES = {
    "reach": "move to the object",
    "grasp": "close the gripper",
    "lift": "move up",
    "move": "move across",
    "place": "move down",
    "release": "open the gripper",
    "retreat": "move back up",
    "push": "push sideways",
}


def reasoning(
    context: Mapping[str, Any], truth: EpisodeTruth, convention: str
) -> ReasoningThought | None:
    """The reasoning for the span's subtask at the asked frame (None: the gripper is never
    in view during it, so no target point can be given)."""
    camera = str(context["camera"])
    current = span_subtask(context, truth)
    position = truth.subtasks.index(current)
    label = str(context.get("subtask") or current.label)
    plan = [subtask.label for subtask in truth.subtasks]
    phases = [
        phase
        for phase in truth.phases
        if current.start_frame <= phase["start_frame"] < current.end_frame
    ]
    acting = [phase for phase in phases if phase["name"] != "retreat"] or phases
    target = _gripper_target(truth, camera, current.start_frame, acting[-1]["end_frame"])
    if target is None:
        return None
    geo = geometry(context, truth, convention)
    boxes = truth.boxes_at(camera, frame_of(context, truth))
    done = plan[:position]
    move = ", then ".join(PRIMITIVES[phase["name"]] for phase in phases)
    return ReasoningThought(
        task=truth.task,
        plan=plan,
        subtask=label,
        subtask_reason=(f"Done so far: {'; '.join(done)}." if done else "Nothing is done yet.")
        + f" Step {position + 1} of {len(plan)} comes next: {label}.",
        move=move,
        move_reason=f"To {label}, the gripper must {move}.",
        gripper=KeypointAnswer(label="gripper target", point_format="xy", point=geo.point(*target)),
        objects=BboxAnswer(
            detections=[
                Detection(label=o["label"], bbox_format="xyxy", bbox=geo.box(boxes[o["id"]]))
                for o in truth.objects
                if o["id"] in boxes
            ]
        ),
    )


def _gripper_target(truth: EpisodeTruth, camera: str, start: int, end: int) -> list[float] | None:
    """The gripper point at the last frame of [start, end) on which it is in view."""
    for frame in range(end - 1, start - 1, -1):
        point = truth.gripper_at(camera, frame)
        if point is not None:
            return point
    return None
