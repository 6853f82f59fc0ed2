"""Subtask segments on an episode's time axis, whatever source they come from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """A labelled interval [start, end) in seconds of episode time (label None: unlabelled)."""

    label: str | None
    start: float
    end: float


def segments_from_starts(
    starts: Sequence[tuple[float, str | None]], duration: float
) -> list[Segment]:
    """Segments that each last until the next start (the last one until the episode's end)."""
    ordered = sorted(starts, key=lambda item: item[0])
    if not ordered:
        return []
    ends = [start for start, _ in ordered[1:]] + [duration]
    return [
        Segment(label, float(start), float(end))
        for (start, label), end in zip(ordered, ends, strict=True)
        if end > start
    ]
