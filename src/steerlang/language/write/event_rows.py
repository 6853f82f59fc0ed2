"""An episode's event rows placed on its frames; Arrow columns built a shard at a time.

`schema.events_column` builds one episode's column; at ~40 rows an episode its
fixed per-call costs (a dozen Arrow conversions) dominate the writer's Python
time. `EpisodeEvents` does the per-episode part (order, frame counts) and
`events_columns` converts all episodes of a shard in one `rows_to_struct_array`
call, then hands out each episode's slice: the same arrays, built once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from steerlang.schema import EVENTS_COLUMN, event_sort_key, list_array, rows_to_struct_array


@dataclass(frozen=True)
class EpisodeEvents:
    """An episode's event rows in column order and how many fall on each of its frames."""

    rows: list[Mapping[str, Any]]
    counts: np.ndarray  # per frame

    @classmethod
    def of(
        cls,
        rows: Sequence[Mapping[str, Any]],
        frame_positions: Sequence[int] | np.ndarray,
        n_frames: int,
    ) -> EpisodeEvents:
        """Rows placed on their frames (position within the episode), as `events_column`
        places them: by frame, then style, role and camera, ties in the given order."""
        positions = np.asarray(frame_positions, dtype=np.int64)
        if len(positions) != len(rows):
            raise ValueError("each event row needs exactly one frame position")
        if len(positions) and (positions.min() < 0 or positions.max() >= n_frames):
            raise ValueError(f"event frame position outside the episode's {n_frames} frames")
        frames = positions.tolist()
        order = sorted(range(len(rows)), key=lambda i: (frames[i], *event_sort_key(rows[i])))
        counts = np.bincount(positions, minlength=n_frames)
        return cls([rows[i] for i in order], counts)


def events_columns(episodes: Sequence[EpisodeEvents]) -> list[pa.ListArray]:
    """Each episode's `language_events` column (equal to `schema.events_column`'s)."""
    if not episodes:
        return []
    struct = rows_to_struct_array([row for e in episodes for row in e.rows], EVENTS_COLUMN)
    counts = np.concatenate([e.counts for e in episodes])
    column = list_array(struct, np.concatenate([[0], np.cumsum(counts)]), EVENTS_COLUMN)
    columns = []
    start = 0
    for episode in episodes:
        columns.append(column.slice(start, len(episode.counts)))
        start += len(episode.counts)
    return columns
