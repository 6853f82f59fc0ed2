"""`write_language`: put staged rows into a dataset's shards and `meta/info.json`.

Shards are rewritten two at a time (`SHARDS_IN_FLIGHT`) to temporaries beside
the originals, then committed together with the new info.json through
`commit_journal`. Episodes outside `only_episodes` keep the rows they have;
shards that need no change are not touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.annotate.atomic_file import refuse_symlinks, temp_path_for, write_durable
from steerlang.annotate.write.commit_journal import commit, discard_leftovers, roll_forward
from steerlang.annotate.write.info_update import info_bytes, updated_info
from steerlang.annotate.write.language_columns import episode_columns
from steerlang.annotate.write.shard_rewriter import ColumnSource, is_final, rewrite_shard
from steerlang.dataset.layout import INFO_PATH
from steerlang.dataset.reader import LeRobotDataset
from steerlang.dataset.records import EpisodeRecord
from steerlang.errors import SteerlangError
from steerlang.schema import Row

# Shards rewritten at the same time. Parquet encoding runs in pyarrow without the GIL,
# so two shards keep two cores busy; memory is two shards' source columns plus one
# episode's language columns each.
SHARDS_IN_FLIGHT = 2


@dataclass
class WriteSummary:
    """What a write changed."""

    shards_rewritten: list[Path] = field(default_factory=list)
    shards_unchanged: list[Path] = field(default_factory=list)
    episodes_written: list[int] = field(default_factory=list)
    resumed_interrupted_write: bool = False


def finish_pending_write(root: str | Path) -> bool:
    """Roll an interrupted write forward (see `commit_journal`); True if there was one."""
    return roll_forward(Path(root))


def write_language(
    dataset: LeRobotDataset,
    rows_by_episode: Mapping[int, Sequence[Row]],
    only_episodes: Iterable[int] | None = None,
    info_extra: Mapping[str, Any] | None = None,
) -> WriteSummary:
    """Write staged rows (staging form, see `staging_lines`) into the dataset.

    Without `only_episodes`, every episode gets exactly its rows here (none →
    empty lists). With it, only those episodes change; the others keep theirs.
    `info_extra` sets top-level info.json keys (e.g. provenance) in the same commit.
    Reopen the dataset afterwards to see the new columns.
    """
    root = dataset.root
    summary = WriteSummary(resumed_interrupted_write=roll_forward(root))
    discard_leftovers(root)
    chosen = _chosen_episodes(dataset, rows_by_episode, only_episodes)
    info_path = root / INFO_PATH
    targets = [*dataset.data_files(), info_path]
    for target in targets:
        refuse_symlinks(target, root)

    def new_columns(episode: EpisodeRecord, frames: np.ndarray) -> tuple[pa.Array, pa.Array] | None:
        if episode.index not in chosen:
            return None
        return episode_columns(episode.index, rows_by_episode.get(episode.index, ()), frames)

    try:
        renames = _prepare(dataset, chosen, new_columns, info_path, info_extra, summary)
    except BaseException:
        discard_leftovers(root)  # nothing was committed: the old files are the dataset
        raise
    commit(root, renames)
    summary.episodes_written = sorted(chosen)
    return summary


def _prepare(
    dataset: LeRobotDataset,
    chosen: set[int],
    new_columns: ColumnSource,
    info_path: Path,
    info_extra: Mapping[str, Any] | None,
    summary: WriteSummary,
) -> list[tuple[Path, Path]]:
    """Write every new file to its temporary sibling; returns the renames to commit."""
    renames: list[tuple[Path, Path]] = []
    with ThreadPoolExecutor(max_workers=SHARDS_IN_FLIGHT) as pool:
        pending: list[Future[None]] = []
        try:
            for shard in dataset.data_files():
                episodes = dataset.episodes_in(shard)
                chosen_here = chosen.intersection(ep.index for ep in episodes)
                if is_final(pq.read_schema(shard)) and not chosen_here:
                    summary.shards_unchanged.append(shard)
                    continue
                temp = temp_path_for(shard)
                pending.append(pool.submit(rewrite_shard, shard, temp, episodes, new_columns))
                renames.append((temp, shard))
                summary.shards_rewritten.append(shard)
            for future in pending:
                future.result()
        except BaseException:
            for future in pending:
                future.cancel()  # the pool still waits for the running ones before we go on
            raise
    info = json.loads(info_path.read_text())
    write_durable(temp_path_for(info_path), info_bytes(updated_info(info, info_extra)))
    renames.append((temp_path_for(info_path), info_path))
    return renames


def _chosen_episodes(
    dataset: LeRobotDataset,
    rows_by_episode: Mapping[int, Sequence[Row]],
    only_episodes: Iterable[int] | None,
) -> set[int]:
    known = {episode.index for episode in dataset.episodes}
    chosen = known if only_episodes is None else set(only_episodes)
    unknown = sorted((chosen | set(rows_by_episode)) - known)
    if unknown:
        raise SteerlangError(
            f"episode(s) {unknown[:10]} are not in {dataset.root}; "
            f"it has episodes {min(known)}..{max(known)}"
        )
    outside = sorted(set(rows_by_episode) - chosen)
    if outside:
        raise SteerlangError(
            f"rows were given for episode(s) {outside[:10]} outside --only_episodes; "
            "add them to --only_episodes or drop their rows"
        )
    return chosen
