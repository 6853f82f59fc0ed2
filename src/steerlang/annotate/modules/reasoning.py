"""The reasoning module: an ECoT-style embodied chain of thought per subtask span.

For each subtask the plan module found, the model sees the prompt camera's frame at the
span's start and writes what ECoT (Zawalski 2024, arXiv 2407.08693) trains a policy to
think before it acts: the task restated, the plan, the current subtask and why, the
move primitives and why, where the gripper is headed, and the visible objects with
boxes. Boxes and points come back in the model's convention and are stored in source
pixels with the same conversion and judge as VQA answers (an answer off the image is a
failed call). Rows are `reasoning` rows at the subtask's start (`language.reasoning_shape`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from typing import Any

import numpy as np

from steerlang.annotate.frames import EncodedImage, ModelCoordinates
from steerlang.annotate.frames import worker as frame_worker
from steerlang.annotate.modules.episode_job import EpisodeJob, text_row
from steerlang.annotate.modules.interjections import SUBTASK_PURPOSES
from steerlang.annotate.modules.ledger import ItemLedger, MissingItem, ModuleOutput
from steerlang.annotate.modules.vqa import (
    COORDINATE_HINTS,
    coordinates_for,
    off_image,
    to_source_pixels,
)
from steerlang.language.reasoning_shape import ReasoningThought
from steerlang.schema import REASONING_STYLE

PROMPTS = ("reasoning",)
ANSWER_SHAPE = (
    '{"task": "...", "plan": ["..."], "subtask": "...", "subtask_reason": "...", '
    '"move": "...", "move_reason": "...", "gripper": {"label": "gripper target", '
    '"point_format": "xy", "point": [x, y]}, "objects": {"detections": [{"label": "...", '
    '"bbox_format": "xyxy", "bbox": [x1, y1, x2, y2]}]}}'
)


async def run_reasoning(
    job: EpisodeJob, plan_rows: list[dict[str, Any]], plan_missing: Collection[MissingItem] = ()
) -> ModuleOutput:
    """One `reasoning` row per subtask of the plan module's rows. Without those subtasks
    (a plan call they need failed) the module is blocked, never asked with a stand-in;
    without a camera there is nothing to reason about."""
    ledger = ItemLedger("reasoning")
    if job.prompt_camera is None:
        return ModuleOutput([], ledger)
    if {item.purpose for item in plan_missing} & SUBTASK_PURPOSES:
        ledger.blocked("reasoning", "the subtasks from the plan module")
        return ModuleOutput([], ledger)
    task = next((r["content"] for r in plan_rows if r["style"] == "task_aug"), job.episode.task)
    subtasks = [row for row in plan_rows if row["style"] == "subtask"]
    ends = [row["timestamp"] for row in subtasks[1:]] + [job.duration]
    traces = await asyncio.gather(
        *(_trace(job, ledger, task, subtasks, position, end) for position, end in enumerate(ends))
    )
    rows = [row for row, _ in traces if row is not None]
    clamped = sum(count for _, count in traces)
    return ModuleOutput(rows, ledger, {"reasoning_clamped": clamped})


async def _trace(
    job: EpisodeJob,
    ledger: ItemLedger,
    task: str,
    subtasks: list[dict[str, Any]],
    position: int,
    end: float,
) -> tuple[dict[str, Any] | None, int]:
    """The row of one span (None when its call failed), and how many of its coordinates
    had to be pulled onto the frame."""
    camera = str(job.prompt_camera)
    cam = job.dataset.cameras[camera]
    config = job.config.reasoning
    start = float(subtasks[position]["timestamp"])
    label = str(subtasks[position]["content"])
    frame = int(np.searchsorted(job.timestamps, np.float32(start)))
    time = job.stored_time(min(frame, len(job.timestamps) - 1))
    (image,) = await job.frame_work(
        frame_worker.encoded_frames, camera, [time], config.jpeg_quality, config.max_side or None
    )
    coordinates = coordinates_for(job)
    labels = [str(row["content"]) for row in subtasks]
    answer = await job.ask(
        "reasoning",
        ReasoningThought,
        {
            "camera": camera,
            "time": time,
            "sent_width": image.width,
            "sent_height": image.height,
            "task": task,
            "subtasks": "\n".join(f"{n}. {text}" for n, text in enumerate(labels, 1)),
            "step": position + 1,
            "steps": len(labels),
            "span_start": start,
            "span_end": end,
            "subtask": label,
            "coordinate_hint": COORDINATE_HINTS[coordinates.convention],
            "answer_shape": ANSWER_SHAPE,
        },
        {
            "time": time,
            "span": [start, end],
            "frame_index": frame,
            "camera": camera,
            "subtask": label,
            "subtasks": labels,
            "source_width": cam.width,
            "source_height": cam.height,
            "sent_width": image.width,
            "sent_height": image.height,
        },
        ledger,
        [(image, camera, cam.width, cam.height)],
        leaf=True,  # nothing else waits for it (see EpisodeJob.priority)
        judge=lambda answer: off_image(
            lambda: in_source_pixels(answer.model_dump(), coordinates, image)
        ),
    )
    if answer is None:
        return None, 0
    thought, clamped = in_source_pixels(answer.model_dump(), coordinates, image)
    content = {**thought, "camera": camera}  # a ReasoningTrace, fields in its order
    return text_row(REASONING_STYLE, json.dumps(content, ensure_ascii=False), start), clamped


def in_source_pixels(
    thought: dict[str, Any], coordinates: ModelCoordinates, image: EncodedImage
) -> tuple[dict[str, Any], int]:
    """The thought's gripper point and boxes in source pixels, and how many were cut to the
    frame; raises `OutsideImage` (vqa) for one off the picture."""
    gripper, on_gripper = to_source_pixels(thought["gripper"], coordinates, image)
    objects, on_objects = to_source_pixels(thought["objects"], coordinates, image)
    return {**thought, "gripper": gripper, "objects": objects}, on_gripper + on_objects
