"""The older per-frame `subtask_index` format as the reference.

Each run of equal `subtask_index` values is one segment, from the timestamp of
its first frame to the next run's. Labels come from `meta/subtasks.parquet`
(subtask strings as the pandas index, like `meta/tasks.parquet`, with a
`subtask_index` column); without that file the segments are unlabelled and
label agreement is not scored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.dataset import LeRobotDataset
from steerlang.errors import SteerlangError
from steerlang.eval.annotations import episode_duration
from steerlang.eval.scene_facts import SceneFacts
from steerlang.eval.segments import Segment, segments_from_starts
from steerlang.schema import LEGACY_SUBTASK_COLUMN

SUBTASKS_PATH = Path("meta/subtasks.parquet")
LABEL_COLUMNS = ("subtask", "__index_level_0__")


class LegacySubtaskReference:
    kind = "legacy_subtask_index"

    def __init__(self, dataset: LeRobotDataset) -> None:
        labels = read_subtask_labels(dataset.root)
        self._segments: dict[int, list[Segment]] = {}
        for path in dataset.data_files():
            table = pq.read_table(path, columns=[LEGACY_SUBTASK_COLUMN, "timestamp"])
            for episode in dataset.episodes_in(path):
                rows = table.slice(episode.row_start, episode.length)
                self._segments[episode.index] = _runs(
                    rows.column(LEGACY_SUBTASK_COLUMN).to_numpy(),
                    rows.column("timestamp").to_numpy(),
                    labels,
                    episode_duration(dataset, episode),
                )

    def has_episode(self, episode: int) -> bool:
        return episode in self._segments

    def segments(self, episode: int) -> list[Segment]:
        return self._segments[episode]

    def facts(self, episode: int, camera: str, frame: int) -> SceneFacts | None:
        return None


def _runs(
    indices: np.ndarray, timestamps: np.ndarray, labels: dict[int, str] | None, duration: float
) -> list[Segment]:
    if len(indices) == 0:
        return []
    firsts = np.flatnonzero(np.r_[True, indices[1:] != indices[:-1]])
    starts = [
        (float(timestamps[i]), labels.get(int(indices[i])) if labels is not None else None)
        for i in firsts
    ]
    return segments_from_starts(starts, duration)


def read_subtask_labels(root: Path) -> dict[int, str] | None:
    """subtask_index → label from `meta/subtasks.parquet`; None when the file is absent."""
    path = root / SUBTASKS_PATH
    if not path.is_file():
        return None
    table = pq.read_table(path)
    name = next((n for n in LABEL_COLUMNS if n in table.column_names), None)
    if name is None or LEGACY_SUBTASK_COLUMN not in table.column_names:
        raise SteerlangError(
            f"{path} needs a {LEGACY_SUBTASK_COLUMN!r} column and the subtask strings "
            f"(as its index or a 'subtask' column); it has {table.column_names}"
        )
    strings = table.column(name).cast(pa.string()).to_pylist()
    return dict(zip(table.column(LEGACY_SUBTASK_COLUMN).to_pylist(), strings, strict=True))
