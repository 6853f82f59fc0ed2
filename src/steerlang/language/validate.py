"""Check language annotations against SPEC §3/§5: rows about to be written, or a dataset.

`validate_episode` checks one episode's rows (the pipeline calls it as soon as
an episode's modules finish; staging validation calls it per staged episode);
`validate_dataset` runs the same checks over what a dataset stores, adding what
only a dataset shows (shard types, info.json, an interrupted write).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.dataset.layout import INFO_PATH
from steerlang.dataset.reader import LeRobotDataset
from steerlang.dataset.records import EpisodeRecord
from steerlang.language.episode_checks import SourcedRow, check_episode
from steerlang.language.problems import Problem
from steerlang.language.read import episode_language
from steerlang.language.run_records import missing_by_episode
from steerlang.language.stored_types import column_type_problems, readable_rows
from steerlang.language.write.commit_journal import JOURNAL_NAME, is_pending
from steerlang.schema import (
    LANGUAGE_COLUMNS,
    LANGUAGE_FEATURE,
    LEGACY_SUBTASK_COLUMN,
    SAY_TOOL,
    SAY_TOOL_NAME,
    Row,
)


def validate_episode(
    dataset: LeRobotDataset,
    episode: int | EpisodeRecord,
    rows_by_module: Mapping[str, Sequence[Row]],
    frame_timestamps: np.ndarray | None = None,
) -> list[Problem]:
    """Problems of one episode's staged rows; `line` is the row's 1-based position per module."""
    record = dataset.episode(episode) if isinstance(episode, int) else episode
    frames = dataset.frame_timestamps(record) if frame_timestamps is None else frame_timestamps
    rows = [
        SourcedRow(row, module, line)
        for module, module_rows in rows_by_module.items()
        for line, row in enumerate(module_rows, 1)
    ]
    return check_episode(record.index, rows, frames, dataset.cameras)


def validate_dataset(
    dataset: LeRobotDataset, episodes: Iterable[int] | None = None
) -> list[Problem]:
    """Problems of the language stored in a dataset (ours or another tool's)."""
    root = dataset.root
    if is_pending(root):
        return [
            Problem(
                "error",
                f"a steerlang write was interrupted ({JOURNAL_NAME} exists); run "
                f"`steerlang write --root {root}` to finish it, then validate again",
            )
        ]
    schemas = {shard: pq.read_schema(shard) for shard in dataset.data_files()}
    if not any(name in schema.names for schema in schemas.values() for name in LANGUAGE_COLUMNS):
        return [
            Problem(
                "error",
                "the dataset has no language columns; annotate it first "
                "(or check staged outputs with --staging)",
            )
        ]
    problems = _info_problems(json.loads((root / INFO_PATH).read_text()), root)
    wanted = None if episodes is None else set(episodes)
    problems += _coverage_problems(root, wanted)
    chosen = {
        shard: [ep for ep in dataset.episodes_in(shard) if wanted is None or ep.index in wanted]
        for shard in dataset.data_files()
    }
    chosen = {shard: eps for shard, eps in chosen.items() if eps}
    names = {shard: str(shard.relative_to(root)) for shard in chosen}
    problems += column_type_problems({names[s]: schemas[s] for s in chosen}, root)
    for shard, shard_episodes in chosen.items():
        problems += _shard_problems(dataset, shard, schemas[shard], shard_episodes)
    return problems


def _coverage_problems(root: Path, wanted: set[int] | None) -> list[Problem]:
    """Episodes whose last annotate run could not get every item it asked for: valid, but
    short of what was planned (a rerun of that command asks for the rest)."""
    problems = []
    for episode, lacking in sorted(missing_by_episode(root).items()):
        if wanted is None or episode in wanted:
            counts = "; ".join(
                f"{style}: {present} present, {missing} missing"
                for style, (present, missing) in lacking.items()
            )
            problems.append(
                Problem(
                    "warning",
                    f"partial annotation ({counts}): the last annotate run could not get "
                    "every item; rerun it to fill them",
                    episode,
                )
            )
    return problems


def _info_problems(info: Mapping[str, Any], root: Path) -> list[Problem]:
    problems = []
    features = info.get("features") or {}
    for name in LANGUAGE_COLUMNS:
        if features.get(name) != LANGUAGE_FEATURE:
            problems.append(
                Problem("error", f"features.{name} must be {LANGUAGE_FEATURE}", source="info.json")
            )
    if LEGACY_SUBTASK_COLUMN in features:
        problems.append(
            Problem(
                "warning",
                f"features still lists the legacy {LEGACY_SUBTASK_COLUMN!r} column",
                source="info.json",
            )
        )
    tools = [t for t in info.get("tools") or () if isinstance(t, Mapping)]
    say = [t for t in tools if (t.get("function") or {}).get("name") == SAY_TOOL_NAME]
    if not tools:  # LeRobot then falls back to its default tools, `say` among them
        problems.append(
            Problem(
                "warning",
                "declares no tools, so the `say` schema is missing (LeRobot falls back to its "
                f"default tools); `steerlang write --root {root}` restores it",
                source="info.json",
            )
        )
    elif not say:
        problems.append(
            Problem(
                "error",
                "tools lacks the `say` tool schema the speech rows call; "
                f"`steerlang write --root {root}` adds it",
                source="info.json",
            )
        )
    elif say[0] != SAY_TOOL:
        problems.append(
            Problem("warning", "tools declares its own `say` schema", source="info.json")
        )
    return problems


def _shard_problems(
    dataset: LeRobotDataset, shard: Path, schema: pa.Schema, episodes: Sequence[EpisodeRecord]
) -> list[Problem]:
    """Storage findings of one shard, then every row check of its chosen episodes (the rows of
    a column typed another tool's way are read back the declared way first)."""
    name = str(shard.relative_to(dataset.root))
    problems = [
        Problem("error", f"has no {column} column", source=name)
        for column in LANGUAGE_COLUMNS
        if column not in schema.names
    ]
    if problems or not all(readable_rows(schema.field(c).type) for c in LANGUAGE_COLUMNS):
        return problems
    if LEGACY_SUBTASK_COLUMN in schema.names:
        problems.append(
            Problem("warning", f"still has the legacy {LEGACY_SUBTASK_COLUMN} column", source=name)
        )
    metadata = pq.ParquetFile(shard).metadata
    if metadata.num_row_groups != len(dataset.episodes_in(shard)):
        problems.append(
            Problem(
                "warning",
                f"has {metadata.num_row_groups} row groups for "
                f"{len(dataset.episodes_in(shard))} episodes (expected one per episode)",
                source=name,
            )
        )
    table = pq.read_table(shard, columns=["timestamp", *LANGUAGE_COLUMNS])
    for episode in episodes:
        part = table.slice(episode.row_start, episode.length)
        frames = part.column("timestamp").to_numpy().astype(np.float32, copy=False)
        stored = episode_language(
            part.column(LANGUAGE_COLUMNS[0]).combine_chunks(),
            part.column(LANGUAGE_COLUMNS[1]).combine_chunks(),
            frames,
        )
        problems += [
            Problem("error", message, episode.index, name) for message in stored.storage_problems
        ]
        problems += check_episode(episode.index, stored.rows, frames, dataset.cameras)
    return problems
