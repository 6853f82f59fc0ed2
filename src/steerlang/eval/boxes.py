"""Axis-aligned boxes (x1, y1, x2, y2 in source pixels): IoU, centre, containment, pairing."""

from __future__ import annotations

import math
from collections.abc import Sequence

from steerlang.eval.matching import greedy_pairs

Box = tuple[float, float, float, float]
Point = tuple[float, float]


def box_iou(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _area(box: Box) -> float:
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def centre(box: Box) -> Point:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def inside(point: Point, box: Box) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def distance(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def paired_boxes(
    predicted: Sequence[Box], reference: Sequence[Box]
) -> list[tuple[int, int, float]]:
    """(predicted index, reference index, IoU), one to one, greedily by decreasing IoU > 0."""
    candidates = (
        (box_iou(p, r), i, j) for i, p in enumerate(predicted) for j, r in enumerate(reference)
    )
    return greedy_pairs(candidates, lambda iou: iou > 0)
