"""Read what rendering needs straight from a LeRobot v3.0 folder, with pyarrow only.

Only the index columns and the two language columns are read (never images or
state), row group by row group; each episode's persistent list is decoded once,
from its first frame, and only frames that carry events have them decoded.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.errors import SteerlangError
from steerlang.render.language_index import EpisodeLanguage, Row
from steerlang.schema import EVENTS_COLUMN, PERSISTENT_COLUMN
from steerlang.schema import camera_keys as feature_camera_keys

INDEX_COLUMNS = ("episode_index", "frame_index", "index", "timestamp", "task_index")


@dataclass(frozen=True)
class LanguageSource:
    """The parts of a dataset rendering reads: features, tasks, data files."""

    root: Path
    features: dict[str, Any]
    tasks: dict[int, str]
    data_files: tuple[Path, ...]

    def camera_keys(self, include_depth: bool = False) -> list[str]:
        """The cameras `${camera}` expands over: colour views, depth views if asked."""
        return feature_camera_keys(self.features, include_depth)


@dataclass(frozen=True)
class FrameLanguage:
    """One frame's identity and language, ready to render."""

    episode_index: int
    frame_index: int
    index: int
    timestamp: float
    task: str | None
    episode: EpisodeLanguage
    events: list[Row]

    @property
    def has_language(self) -> bool:
        return bool(self.events) or bool(self.episode.rows)


def open_language_source(root: str | Path) -> LanguageSource:
    """Read `meta/info.json` and `meta/tasks.parquet` and list the data files."""
    root = Path(root)
    info = read_info(root)
    files = tuple(sorted((root / "data").glob("chunk-*/file-*.parquet")))
    if not files:
        raise SteerlangError(f"{root} has no data/chunk-*/file-*.parquet files")
    tasks = _read_tasks(root / "meta" / "tasks.parquet")
    return LanguageSource(root, dict(info.get("features") or {}), tasks, files)


def read_info(root: str | Path) -> dict[str, Any]:
    """`meta/info.json` of a v3.0 dataset (a v2.x dataset is refused)."""
    root = Path(root)
    info_path = root / "meta" / "info.json"
    if not info_path.is_file():
        raise SteerlangError(
            f"{root} is not a LeRobot dataset: {info_path} is missing; pass --root=<dataset folder>"
        )
    info: dict[str, Any] = json.loads(info_path.read_text(encoding="utf-8"))
    version = str(info.get("codebase_version", ""))
    if version.startswith("v2"):
        raise SteerlangError(
            f"{root} is a LeRobot {version} dataset; convert it to v3.0 with LeRobot's "
            "`convert_dataset_v21_to_v30` script first"
        )
    return info


def _read_tasks(path: Path) -> dict[int, str]:
    if not path.is_file():
        return {}
    table = pq.read_table(path)
    names = table.column_names
    text_column = "task" if "task" in names else "__index_level_0__"
    if "task_index" not in names or text_column not in names:
        raise SteerlangError(
            f"{path} needs a task_index column and the task strings (column 'task' or the index)"
        )
    indexes = table.column("task_index").to_pylist()
    return dict(zip(indexes, table.column(text_column).to_pylist(), strict=True))


def iter_frames(
    source: LanguageSource, episodes: Collection[int] | None = None
) -> Iterator[FrameLanguage]:
    """Every frame of the dataset (or of `episodes`), in file and row order."""
    wanted = None if episodes is None else set(episodes)
    for path in source.data_files:
        parquet = pq.ParquetFile(path)
        names = set(parquet.schema_arrow.names)
        columns = [c for c in (*INDEX_COLUMNS, PERSISTENT_COLUMN, EVENTS_COLUMN) if c in names]
        for group in range(parquet.num_row_groups):
            if wanted is not None and not _may_hold(parquet, group, wanted):
                continue
            table = parquet.read_row_group(group, columns=columns)
            yield from _frames_of(table, source.tasks, wanted)


def _may_hold(parquet: pq.ParquetFile, group: int, wanted: set[int]) -> bool:
    """Use row-group statistics of episode_index to skip groups without wanted episodes."""
    metadata = parquet.metadata.row_group(group)
    for i in range(metadata.num_columns):
        column = metadata.column(i)
        if column.path_in_schema == "episode_index":
            stats = column.statistics
            if stats is None or not stats.has_min_max:
                return True
            return any(stats.min <= episode <= stats.max for episode in wanted)
    return True


def _frames_of(
    table: pa.Table, tasks: dict[int, str], wanted: set[int] | None
) -> Iterator[FrameLanguage]:
    n = table.num_rows
    if n == 0:
        return
    episode_ids = table.column("episode_index").to_numpy()
    frame_ids = table.column("frame_index").to_pylist()
    indexes = table.column("index").to_pylist()
    stamps = table.column("timestamp").to_pylist()
    task_ids: list[Any] = (  # task indexes from pyarrow, or None for every row
        table.column("task_index").to_pylist() if "task_index" in table.column_names else [None] * n
    )
    persistent = _column(table, PERSISTENT_COLUMN)
    events = _events_by_row(_column(table, EVENTS_COLUMN))
    starts = np.flatnonzero(np.diff(episode_ids, prepend=episode_ids[0] - 1))
    for start, stop in zip(starts.tolist(), [*starts[1:].tolist(), n], strict=True):
        episode_index = int(episode_ids[start])
        if wanted is not None and episode_index not in wanted:
            continue
        rows = persistent[start].as_py() if persistent is not None else None
        episode = EpisodeLanguage(rows)
        for row in range(start, stop):
            yield FrameLanguage(
                episode_index=episode_index,
                frame_index=frame_ids[row],
                index=indexes[row],
                timestamp=stamps[row],
                task=tasks.get(task_ids[row]),
                episode=episode,
                events=events.get(row, []),
            )


def _column(table: pa.Table, name: str) -> pa.ListArray | None:
    if name not in table.column_names:
        return None
    return table.column(name).combine_chunks()


def _events_by_row(column: pa.ListArray | None) -> dict[int, list[Row]]:
    """Decode only the frames that carry events: {row position: rows}."""
    if column is None:
        return {}
    lengths = column.value_lengths().fill_null(0).to_numpy(zero_copy_only=False)
    busy = np.flatnonzero(lengths)
    if not len(busy):
        return {}
    offsets = column.offsets.to_numpy()
    first = int(offsets[0])
    flat = column.values.slice(first, int(offsets[-1]) - first).to_pylist()
    return {int(row): flat[offsets[row] - first : offsets[row + 1] - first] for row in busy}
