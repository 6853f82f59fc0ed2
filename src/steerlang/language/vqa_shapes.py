"""The five VQA answer shapes of SPEC §3, and whether a stored answer has one, in pixels.

The shapes are part of the contract, so they live here as pydantic models: the
VQA module asks the model for them (their JSON schema goes to the server) and
the validator checks stored answers against the same models. The pixel-range
check catches answers left in a model's normalised (0–1000) or resized coordinates.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

QUESTION_TYPES = ("bbox", "keypoint", "count", "attribute", "spatial")
QuestionType = Literal["bbox", "keypoint", "count", "attribute", "spatial"]

NonEmpty = Annotated[str, Field(min_length=1)]


class Answer(BaseModel):
    """Strict base: unknown keys are schema errors, so a drifting model is caught."""

    model_config = ConfigDict(extra="forbid")


class Detection(Answer):
    label: NonEmpty
    bbox_format: Literal["xyxy"]
    bbox: list[float] = Field(min_length=4, max_length=4)


class BboxAnswer(Answer):
    detections: list[Detection]


class KeypointAnswer(Answer):
    label: NonEmpty
    point_format: Literal["xy"]
    point: list[float] = Field(min_length=2, max_length=2)


class CountAnswer(Answer):
    label: NonEmpty
    count: int = Field(ge=0)


class AttributeAnswer(Answer):
    label: NonEmpty
    attribute: NonEmpty
    value: NonEmpty


class SpatialAnswer(Answer):
    subject: NonEmpty
    relation: NonEmpty
    object: NonEmpty


class VqaBboxAnswer(Answer):
    """purpose `vqa` with question_type `bbox` (see `vqa_answer_model` for the context)."""

    question: NonEmpty
    answer: BboxAnswer


# A type that needs an object in view (a point, an attribute, a relation) may fall back to
# a count when the frame shows none: a real model asks about what it sees, and a count of
# 0 is an answer, where a point on nothing is not.
class VqaKeypointAnswer(Answer):
    question: NonEmpty
    answer: KeypointAnswer | CountAnswer


class VqaCountAnswer(Answer):
    question: NonEmpty
    answer: CountAnswer


class VqaAttributeAnswer(Answer):
    question: NonEmpty
    answer: AttributeAnswer | CountAnswer


class VqaSpatialAnswer(Answer):
    question: NonEmpty
    answer: SpatialAnswer | CountAnswer


# the question types that may fall back to a count (see VqaKeypointAnswer)
COUNT_FALLBACK_TYPES = ("keypoint", "attribute", "spatial")

VqaAnswer = (
    VqaBboxAnswer | VqaKeypointAnswer | VqaCountAnswer | VqaAttributeAnswer | VqaSpatialAnswer
)

VQA_ANSWER_MODELS: dict[str, type[VqaAnswer]] = {
    "bbox": VqaBboxAnswer,
    "keypoint": VqaKeypointAnswer,
    "count": VqaCountAnswer,
    "attribute": VqaAttributeAnswer,
    "spatial": VqaSpatialAnswer,
}


def vqa_answer_model(question_type: str) -> type[VqaAnswer]:
    """The schema of a grounded question and its answer of one SPEC §3 shape.

    purpose `vqa`; context: episode_index, time, frame_index, camera,
    question_type (one of QUESTION_TYPES), source_width / source_height (the
    camera's resolution) and sent_width / sent_height (the image as sent). Boxes
    and points are in the model's coordinate convention.
    """
    try:
        return VQA_ANSWER_MODELS[question_type]
    except KeyError:
        raise ValueError(
            f"unknown VQA question type {question_type!r}; expected one of {QUESTION_TYPES}"
        ) from None


SHAPES: dict[str, type[Answer]] = {
    "bbox": BboxAnswer,
    "keypoint": KeypointAnswer,
    "count": CountAnswer,
    "attribute": AttributeAnswer,
    "spatial": SpatialAnswer,
}


def answer_shape(value: Any) -> str | None:
    """The name of the shape `value` has, or None."""
    if not isinstance(value, dict):
        return None
    for name, model in SHAPES.items():
        try:
            model.model_validate(value, strict=True)
        except ValidationError:
            continue
        return name
    return None


def vqa_answer_problems(content: str | None, width: int | None, height: int | None) -> list[str]:
    """Problems of an assistant VQA row's content; pixel bounds checked when the size is known."""
    if content is None:
        return ["a VQA answer needs JSON content"]
    try:
        value = json.loads(content)
    except json.JSONDecodeError:
        return ["a VQA answer must be a JSON object; the content is not JSON"]
    shape = answer_shape(value)
    if shape is None:
        return [
            "the VQA answer has none of the five shapes (bbox, keypoint, count, attribute, "
            f"spatial): {content[:120]}"
        ]
    if width is None or height is None:
        return []
    return pixel_problems(shape, value, width, height, "VQA coordinates")


def pixel_problems(
    shape: str, value: dict[str, Any], width: int, height: int, what: str
) -> list[str]:
    """Problems of a bbox or keypoint shape's coordinates on a `width`x`height` camera."""
    points: list[tuple[float, float]] = []
    if shape == "bbox":
        for detection in value["detections"]:
            x1, y1, x2, y2 = detection["bbox"]
            if x1 > x2 or y1 > y2:
                return [f"bbox {detection['bbox']} is not x1 <= x2, y1 <= y2 (xyxy)"]
            points += [(x1, y1), (x2, y2)]
    elif shape == "keypoint":
        points.append(tuple(value["point"]))
    outside = [p for p in points if not (0 <= p[0] <= width and 0 <= p[1] <= height)]
    if outside:
        return [
            f"{what} {list(outside[0])} lie outside the camera's {width}x{height} "
            "pixels (answers must be in source pixels, not normalised units)"
        ]
    return []
