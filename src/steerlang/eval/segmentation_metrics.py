"""Temporal segmentation: boundary P/R/F1 within a tolerance, and segment F1 at IoU ≥ 0.5.

A boundary is the start of a segment after the episode's first half frame: the
episode start is not a boundary. Boundaries match one to one when they are at
most `tolerance` seconds apart; on a line with one tolerance for all, the
two-pointer sweep below finds a largest such matching. Segments match one to
one, greedily by decreasing temporal IoU, when IoU ≥ 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from steerlang.eval.matching import MatchCounts, greedy_pairs
from steerlang.eval.segments import Segment

BOUNDARY_TOLERANCES_S = (0.5, 1.0)
SEGMENT_IOU = 0.5


def boundaries(segments: Sequence[Segment], fps: float) -> list[float]:
    return sorted(s.start for s in segments if s.start > 0.5 / fps)


def matched_boundaries(
    predicted: Sequence[float], reference: Sequence[float], tolerance: float
) -> int:
    """Size of a largest one-to-one matching of sorted times at most `tolerance` apart."""
    i = j = matched = 0
    while i < len(predicted) and j < len(reference):
        gap = predicted[i] - reference[j]
        if abs(gap) <= tolerance:
            matched, i, j = matched + 1, i + 1, j + 1
        elif gap < 0:
            i += 1
        else:
            j += 1
    return matched


def temporal_iou(a: Segment, b: Segment) -> float:
    overlap = min(a.end, b.end) - max(a.start, b.start)
    if overlap <= 0:
        return 0.0
    return overlap / (max(a.end, b.end) - min(a.start, b.start))


def matched_segments(
    predicted: Sequence[Segment], reference: Sequence[Segment], threshold: float = SEGMENT_IOU
) -> list[tuple[Segment, Segment]]:
    """(predicted, reference) pairs, one to one, greedily by decreasing IoU ≥ threshold."""
    candidates = (
        (temporal_iou(p, r), i, j) for i, p in enumerate(predicted) for j, r in enumerate(reference)
    )
    pairs = greedy_pairs(candidates, lambda iou: iou >= threshold)
    return [(predicted[i], reference[j]) for i, j, _ in pairs]


@dataclass
class SegmentationScores:
    """Counts over episodes (micro-averaged), and the label pairs of matched segments."""

    boundaries: dict[float, MatchCounts] = field(
        default_factory=lambda: {tol: MatchCounts() for tol in BOUNDARY_TOLERANCES_S}
    )
    segments: MatchCounts = field(default_factory=MatchCounts)
    label_pairs: list[tuple[str, str]] = field(default_factory=list)

    def add_episode(
        self, predicted: Sequence[Segment], reference: Sequence[Segment], fps: float
    ) -> None:
        pred_b, ref_b = boundaries(predicted, fps), boundaries(reference, fps)
        for tolerance, counts in self.boundaries.items():
            counts.add(matched_boundaries(pred_b, ref_b, tolerance), len(pred_b), len(ref_b))
        pairs = matched_segments(predicted, reference)
        self.segments.add(len(pairs), len(predicted), len(reference))
        self.label_pairs += [(p.label, r.label) for p, r in pairs if p.label and r.label]

    def as_dict(self) -> dict[str, Any]:
        return {
            "boundaries": {f"{tol:g}s": c.as_dict() for tol, c in self.boundaries.items()},
            "segments": {"iou_threshold": SEGMENT_IOU, **self.segments.as_dict()},
        }
