"""Is a VQA answer one of the five SPEC §3 shapes, in the camera's pixels?

Reuses the answer models the VQA module asks the VLM for, so the validator and
the module agree on what a shape is; adds the pixel-range check that catches
answers left in a model's normalised (0–1000) or resized coordinates.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from steerlang.annotate.answers import (
    Answer,
    AttributeAnswer,
    BboxAnswer,
    CountAnswer,
    KeypointAnswer,
    SpatialAnswer,
)

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
            f"VQA coordinates {list(outside[0])} lie outside the camera's {width}x{height} "
            "pixels (answers must be in source pixels, not normalised units)"
        ]
    return []
