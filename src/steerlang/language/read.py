"""Read the language rows an annotated dataset stores, one episode at a time.

The persistent list is repeated on every frame; it is checked for being
identical across the episode with Arrow (no per-frame Python) and decoded
once. Events are decoded only on frames that have any. Rows stored with other
tools' types (float64 timestamps, tool calls as structs or JSON text) come back
the declared way, so the same row checks apply to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steerlang.language.episode_checks import SourcedRow
from steerlang.schema import (
    EVENTS_COLUMN,
    PERSISTENT_COLUMN,
    event_sort_key,
    persistent_sort_key,
    rows_from_arrow,
)


@dataclass
class EpisodeLanguage:
    """One episode's stored rows (staging form) and what is wrong with how they are stored."""

    rows: list[SourcedRow]
    storage_problems: list[str]


def episode_language(
    persistent: pa.Array, events: pa.Array, frame_timestamps: np.ndarray
) -> EpisodeLanguage:
    """Rows of one episode from its slices of both columns (one cell per frame)."""
    problems = [
        f"{name} has null cells; every frame needs a (possibly empty) list"
        for name, column in ((PERSISTENT_COLUMN, persistent), (EVENTS_COLUMN, events))
        if column.null_count
    ]
    rows = _persistent_rows(persistent, problems) + _event_rows(events, frame_timestamps, problems)
    return EpisodeLanguage(rows, problems)


def _persistent_rows(column: pa.Array, problems: list[str]) -> list[SourcedRow]:
    if len(column) == 0:
        return []
    lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy()
    first = column[0].values if column[0].is_valid else pa.array([], column.type.value_type)
    k = len(first)
    same = bool(np.all(lengths == k)) and column.flatten().equals(
        first.take(pa.array(np.tile(np.arange(k, dtype=np.int64), len(column))))
    )
    if not same:
        problems.append(f"{PERSISTENT_COLUMN} differs between frames of the episode")
    rows = [_declared_timestamp(row) for row in rows_from_arrow(first.to_pylist())]
    keys = [persistent_sort_key(row) for row in rows if _sortable(row)]
    if len(keys) == len(rows) and keys != sorted(keys):
        problems.append(f"{PERSISTENT_COLUMN} is not sorted by (timestamp, style, role)")
    return [SourcedRow(row, PERSISTENT_COLUMN, i) for i, row in enumerate(rows, 1)]


def _event_rows(column: pa.Array, timestamps: np.ndarray, problems: list[str]) -> list[SourcedRow]:
    lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy()
    out: list[SourcedRow] = []
    for frame in np.flatnonzero(lengths):
        rows = rows_from_arrow(column[int(frame)].as_py())
        keys = [event_sort_key(row) for row in rows if _sortable(row)]
        if len(keys) == len(rows) and keys != sorted(keys):
            problems.append(
                f"{EVENTS_COLUMN} at frame {frame} is not sorted by (style, role, camera)"
            )
        for row in rows:
            row["timestamp"] = float(timestamps[frame])
            out.append(SourcedRow(row, EVENTS_COLUMN, len(out) + 1))
    return out


def _declared_timestamp(row: dict[str, Any]) -> dict[str, Any]:
    """A numeric timestamp as the declared float32 holds it (another tool may store float64)."""
    stamp = row.get("timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        row["timestamp"] = float(np.float32(stamp))
    return row


def _sortable(row: dict[str, Any]) -> bool:
    return isinstance(row.get("role"), str) and row.get("timestamp", 0.0) is not None
