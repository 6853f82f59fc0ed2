"""One episode's staged rows → its two Arrow columns, placed on its frames.

Events are placed on the frame whose stored float32 timestamp equals theirs;
no timestamp is ever recomputed from the fps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from steerlang.annotate.write.persistent_encoding import repeated_persistent
from steerlang.errors import SteerlangError
from steerlang.schema import (
    PERSISTENT_COLUMN,
    column_for_style,
    events_column,
    persistent_struct,
)


def episode_columns(
    episode: int, rows: Sequence[Mapping[str, Any]], frame_timestamps: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    """(language_persistent, language_events) for the episode's frames.

    The persistent column comes in the writer's encoding type (`persistent_encoding`).
    """
    persistent: list[Mapping[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row in rows:
        if column_for_style(row.get("style")) == PERSISTENT_COLUMN:
            persistent.append(row)
        else:
            events.append(dict(row))
    n = len(frame_timestamps)
    stamps = np.array([row["timestamp"] for row in events], dtype=np.float32)
    positions = np.searchsorted(frame_timestamps, stamps)
    clipped = np.minimum(positions, max(n - 1, 0))
    off_frame = (positions >= n) | (frame_timestamps[clipped] != stamps) if n else positions >= 0
    if np.any(off_frame):
        bad = float(stamps[np.flatnonzero(off_frame)[0]])
        raise SteerlangError(
            f"episode {episode}: event timestamp {bad!r} is not one of its frame timestamps; "
            "validate the staging (`steerlang validate --staging`) and fix the module output"
        )
    for row in events:
        del row["timestamp"]
    on_every_frame = repeated_persistent(persistent_struct(persistent), n)
    return on_every_frame, events_column(events, positions, n)
