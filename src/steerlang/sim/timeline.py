"""Exact answers about when things happen: describe, segment and relabel.

Spans come straight from the ground-truth subtasks (seconds of episode time);
noise is added afterwards by `noise.py`, so these functions stay exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from steerlang.annotate.modules.answers import (
    DescribeAnswer,
    Observation,
    RelabelAnswer,
    SegmentAnswer,
    SubtaskSpan,
)
from steerlang.dataset.groundtruth import EpisodeTruth, Subtask
from steerlang.errors import SteerlangError


def window_of(context: Mapping[str, Any], truth: EpisodeTruth) -> tuple[float, float]:
    """The context's [t0, t1], or the whole episode when none was sent."""
    window = context.get("window")
    if window is None:
        return 0.0, truth.length / truth.fps
    t0, t1 = (float(v) for v in window)
    if t1 < t0:
        raise SteerlangError(f"context window [{t0}, {t1}] ends before it starts")
    return t0, t1


def segment(context: Mapping[str, Any], truth: EpisodeTruth) -> SegmentAnswer | None:
    """Ground-truth spans overlapping the window, clipped to it (None: nothing there)."""
    t0, t1 = window_of(context, truth)
    spans = [
        SubtaskSpan(label=s.label, start=max(s.start, t0), end=min(s.end, t1))
        for s in truth.subtasks
        if s.start < t1 and s.end > t0
    ]
    return SegmentAnswer(subtasks=spans) if spans else None


def span_subtask(context: Mapping[str, Any], truth: EpisodeTruth) -> Subtask:
    """The ground-truth subtask that overlaps the context's span most."""
    start, end = (float(v) for v in context["span"])
    return max(truth.subtasks, key=lambda s: (min(s.end, end) - max(s.start, start), -s.start))


def relabel(context: Mapping[str, Any], truth: EpisodeTruth) -> RelabelAnswer:
    """The label of the ground-truth subtask that overlaps the span most."""
    return RelabelAnswer(label=span_subtask(context, truth).label)


def describe(context: Mapping[str, Any], truth: EpisodeTruth) -> DescribeAnswer | None:
    """One observation per time shown (contact-sheet tiles, video frames, the times a clip
    is asked about): the motion phase and the subtask in force then."""
    times: Sequence[float] = context.get("tile_times") or context.get("frame_times") or []
    observations = []
    for t in times:
        frame = truth.frame_at(float(t))
        phase = next(p["name"] for p in truth.phases if p["start_frame"] <= frame < p["end_frame"])
        label = truth.subtask_at_frame(frame).label
        observations.append(
            Observation(time=float(t), description=f"{phase} motion, working to {label}")
        )
    return DescribeAnswer(observations=observations) if observations else None
