"""The vqa module: grounded question/answer pairs on frames at a steady cadence.

At each tick (`vqa_emission_hz`) the K consecutive frames from the tick's frame
get one pair per camera; the question type is drawn from a generator seeded by
(run seed, episode, frame, camera), so reruns ask the same questions. Boxes and
points come back in the model's convention and are stored in source pixels.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from steerlang.annotate.frames import (
    CoordinateConvention,
    EncodedImage,
    ModelCoordinates,
    convention_for_model,
)
from steerlang.annotate.frames import worker as frame_worker
from steerlang.annotate.frames.geometry import fit_box, fit_point
from steerlang.annotate.modules.episode_job import EpisodeJob
from steerlang.annotate.modules.ledger import ItemLedger, ModuleOutput
from steerlang.annotate.vlm.types import FailureKind, VlmFailure
from steerlang.language.vqa_shapes import COUNT_FALLBACK_TYPES, vqa_answer_model

PROMPTS = ("vqa",)
TYPE_HINTS = {
    "bbox": "ask where one or more objects are; answer with their bounding boxes.",
    "keypoint": "ask for the point on an object where the gripper should act.",
    "count": "ask how many objects of some kind are visible.",
    "attribute": "ask about one property (colour, shape, state) of an object.",
    "spatial": "ask how two objects are placed relative to each other.",
}
ANSWER_SHAPES = {
    "bbox": '{"question": "...", "answer": {"detections": [{"label": "...", '
    '"bbox_format": "xyxy", "bbox": [x1, y1, x2, y2]}]}}',
    "keypoint": '{"question": "...", "answer": {"label": "...", "point_format": "xy", '
    '"point": [x, y]}}',
    "count": '{"question": "...", "answer": {"label": "...", "count": 0}}',
    "attribute": '{"question": "...", "answer": {"label": "...", "attribute": "...", '
    '"value": "..."}}',
    "spatial": '{"question": "...", "answer": {"subject": "...", "relation": "...", '
    '"object": "..."}}',
}
FALLBACK_HINT = (
    " If the image shows nothing to ask that about, ask instead how many objects of some "
    'kind are visible, answered as {"label": "...", "count": 0} (a count of 0 is an answer).'
)
COORDINATE_HINTS = {
    CoordinateConvention.PIXELS: "Give coordinates in pixels of this image.",
    CoordinateConvention.QWEN25_RESIZED: "Give coordinates in pixels of the image as you see it.",
    CoordinateConvention.NORMALIZED_1000: "Give coordinates normalised to 0–1000 on both axes.",
}


def vqa_frames(job: EpisodeJob) -> list[int]:
    """Frames asked about: K consecutive frames from the frame nearest each tick."""
    config = job.config.vqa
    stamps = job.timestamps.astype(np.float64)
    ticks = np.arange(0.0, job.duration, 1.0 / config.vqa_emission_hz)
    starts = np.clip(np.searchsorted(stamps, ticks - 0.5 / job.dataset.fps), 0, len(stamps) - 1)
    frames = {int(s) + k for s in starts for k in range(config.K) if int(s) + k < len(stamps)}
    return sorted(frames)


def vqa_cameras(job: EpisodeJob) -> list[str]:
    if job.config.vqa.restrict_to_default_camera:
        return [job.prompt_camera] if job.prompt_camera is not None else []
    chosen = job.config.vqa.cameras or job.dataset.view_camera_keys(job.config.vqa.include_depth)
    return [c for c in chosen if c in job.dataset.cameras]


def coordinates_for(job: EpisodeJob) -> ModelCoordinates:
    setting = job.config.vqa.coordinates
    if setting == "auto":
        return ModelCoordinates(convention_for_model(job.client.model_id))
    return ModelCoordinates(CoordinateConvention(setting))


async def run_vqa(job: EpisodeJob) -> ModuleOutput:
    """One grounded pair per (frame, camera); a failed pair is missing, the others stand."""
    ledger = ItemLedger("vqa")
    if job.frames.text_only:
        return ModuleOutput([], ledger)
    types = job.config.vqa.question_types
    asks = []
    for frame in vqa_frames(job):
        for number, camera in enumerate(vqa_cameras(job)):
            kind = types[int(job.seed(4, frame, number).integers(len(types)))]
            asks.append(_pair(job, ledger, frame, camera, kind))
    pairs = await asyncio.gather(*asks)
    clamped = sum(count for _, count in pairs)
    return ModuleOutput([row for rows, _ in pairs for row in rows], ledger, {"clamped": clamped})


async def _pair(
    job: EpisodeJob, ledger: ItemLedger, frame: int, camera: str, kind: str
) -> tuple[list[dict[str, Any]], int]:
    """The question and answer rows of one frame and camera, and how many coordinates
    had to be pulled onto the frame."""
    config = job.config.vqa
    cam = job.dataset.cameras[camera]
    time = job.stored_time(frame)

    (image,) = await job.frame_work(
        frame_worker.encoded_frames, camera, [time], config.jpeg_quality, config.max_side or None
    )
    coordinates = coordinates_for(job)
    answer = await job.ask(
        "vqa",
        vqa_answer_model(kind),
        {
            "camera": camera,
            "time": time,
            "sent_width": image.width,
            "sent_height": image.height,
            "task": job.episode.task,
            "question_type": kind,
            "type_hint": TYPE_HINTS[kind],
            "fallback_hint": FALLBACK_HINT if kind in COUNT_FALLBACK_TYPES else "",
            "coordinate_hint": COORDINATE_HINTS[coordinates.convention],
            "answer_shape": ANSWER_SHAPES[kind],
        },
        {
            "time": time,
            "frame_index": frame,
            "camera": camera,
            "question_type": kind,
            "source_width": cam.width,
            "source_height": cam.height,
            "sent_width": image.width,
            "sent_height": image.height,
        },
        ledger,
        [(image, camera, cam.width, cam.height)],
        # nothing else in the episode waits for a VQA answer: it fills the capacity the
        # serial plan and interjection chains leave free (see EpisodeJob.priority)
        leaf=True,
        judge=lambda answer: off_image(
            lambda: to_source_pixels(answer.model_dump()["answer"], coordinates, image)
        ),
    )
    if answer is None:
        return [], 0
    content, clamped = to_source_pixels(answer.answer.model_dump(), coordinates, image)
    row = {"timestamp": time, "style": "vqa", "camera": camera, "tool_calls": None}
    rows = [
        {**row, "role": "user", "content": answer.question.strip()},
        {**row, "role": "assistant", "content": json.dumps(content, ensure_ascii=False)},
    ]
    return rows, clamped


def off_image(convert: Callable[[], object]) -> VlmFailure | None:
    """An answer about a place outside the picture is a failed call, never a clamped row:
    the failure when `convert` (bringing its coordinates to source pixels) finds one."""
    try:
        convert()
    except OutsideImage as exc:
        return VlmFailure(FailureKind.OUT_OF_IMAGE, str(exc))
    return None


class OutsideImage(ValueError):
    """A box or point of an answer does not lie on the image it was asked about."""


def to_source_pixels(
    answer: dict[str, Any], coordinates: ModelCoordinates, image: EncodedImage
) -> tuple[dict[str, Any], int]:
    """Boxes and points in the model's convention → the camera's source pixels, cut to the
    frame; returns the answer and how many boxes or points were cut. Raises `OutsideImage`
    for one that is not on the picture (see `fit_box`, `fit_point`)."""
    geometry = image.geometry
    if geometry is None:
        raise ValueError("a VQA frame is sent with its geometry (encoded_frames records it)")
    width, height = geometry.source_width, geometry.source_height
    clamped = 0
    for detection in answer.get("detections", ()):
        raw = coordinates.box_to_source(tuple(detection["bbox"]), geometry, clamp=False)
        fitted = fit_box(raw, width, height)
        if fitted is None:
            raise OutsideImage(_off_image("box", detection["bbox"], image))
        detection["bbox"] = [round(v, 2) for v in fitted.values]
        clamped += fitted.clamped
    if "point" in answer:
        raw = coordinates.point_to_source(tuple(answer["point"]), geometry, clamp=False)
        fitted = fit_point(raw, width, height)
        if fitted is None:
            raise OutsideImage(_off_image("point", answer["point"], image))
        answer["point"] = [round(v, 2) for v in fitted.values]
        clamped += fitted.clamped
    return answer, clamped


def _off_image(what: str, value: list[float], image: EncodedImage) -> str:
    return (
        f"the {what} {value} lies outside the {image.width}x{image.height} image it was asked "
        "about; give coordinates on the image"
    )
