"""`write_language`: put staged rows into a dataset's shards and `meta/info.json`.

Shards are rewritten two at a time (`SHARDS_IN_FLIGHT`, in worker processes) to
temporaries beside the originals, then committed together with the new info.json
through `commit_journal`. Episodes outside `only_episodes` keep the rows they
have; shards that need no change are not touched. A write that fails before the
commit (a full disk included, `disk_space`) deletes its temporaries.

A distributed write splits the same work: each rank rewrites and commits its
shards (`write_language_part`), then one step updates info.json (`write_info`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from steerlang.dataset.layout import INFO_PATH
from steerlang.dataset.reader import LeRobotDataset
from steerlang.dataset.records import EpisodeRecord
from steerlang.errors import SteerlangError
from steerlang.language.atomic_file import (
    refuse_symlinks,
    replace_atomically,
    temp_path_for,
    write_durable,
)
from steerlang.language.write.commit_journal import (
    commit,
    discard_leftovers,
    journal_path,
    roll_forward,
)
from steerlang.language.write.disk_space import is_disk_full, no_space_error, space_needed
from steerlang.language.write.info_update import info_bytes, updated_info
from steerlang.language.write.language_columns import episode_columns
from steerlang.language.write.shard_rewriter import EpisodeColumns, is_final, rewrite_shard
from steerlang.processes import worker_pool
from steerlang.schema import Row

# Shards rewritten at the same time, each in its own worker process; memory is one
# shard's source columns plus its language columns per worker.
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
    summary = WriteSummary(resumed_interrupted_write=roll_forward(dataset.root))
    discard_leftovers(dataset.root)
    _write(dataset, rows_by_episode, only_episodes, dataset.data_files(), None, summary, info_extra)
    return summary


def write_language_part(
    dataset: LeRobotDataset,
    rows_by_episode: Mapping[int, Sequence[Row]],
    only_episodes: Iterable[int] | None,
    shards: Sequence[Path],
    part: str,
) -> WriteSummary:
    """One rank's share of a distributed write: `write_language` restricted to `shards`,
    committed through the part's own journal; info.json is left to `write_info`, once
    every part is in. Ranks writing other shards of the same dataset meanwhile are not
    disturbed (no other part's journal or temporaries are touched)."""
    root = dataset.root
    summary = WriteSummary(resumed_interrupted_write=roll_forward(root, part))
    for shard in shards:
        temp_path_for(shard).unlink(missing_ok=True)
    _write(dataset, rows_by_episode, only_episodes, shards, part, summary, None)
    return summary


def write_info(dataset: LeRobotDataset, info_extra: Mapping[str, Any] | None = None) -> None:
    """info.json with the language contract applied (the last step of a distributed write)."""
    path = dataset.root / INFO_PATH
    refuse_symlinks(path, dataset.root)
    info = json.loads(path.read_text())
    replace_atomically(path, info_bytes(updated_info(info, info_extra)), dataset.root)


def _write(
    dataset: LeRobotDataset,
    rows_by_episode: Mapping[int, Sequence[Row]],
    only_episodes: Iterable[int] | None,
    shards: Sequence[Path],
    part: str | None,
    summary: WriteSummary,
    info_extra: Mapping[str, Any] | None,
) -> None:
    """Rewrite `shards` (and, for a whole write, info.json) to temporaries, then commit them
    through the journal of `part`; on a failure before the commit, delete what it wrote."""
    root = dataset.root
    chosen = _chosen_episodes(dataset, rows_by_episode, only_episodes)
    info_path = root / INFO_PATH
    for target in [*shards, info_path]:
        refuse_symlinks(target, root)
    jobs = _shard_jobs(dataset, shards, chosen, rows_by_episode, summary)
    files = [(job.source, job.temp) for job in jobs]
    if part is None:
        files.append((info_path, temp_path_for(info_path)))
    finished: set[Path] = set()
    try:
        _rewrite_shards(jobs, finished)
        if part is None:
            info = json.loads(info_path.read_text())
            write_durable(temp_path_for(info_path), info_bytes(updated_info(info, info_extra)))
            finished.add(temp_path_for(info_path))
        commit(root, [(temp, target) for target, temp in files], part)
    except BaseException as exc:
        full = is_disk_full(exc)
        needed = space_needed(files, finished) if full else 0  # before the temporaries go
        if not journal_path(root, part).exists():  # not committed: the old files stand
            for _, temp in files:
                temp.unlink(missing_ok=True)
            temp_path_for(journal_path(root, part)).unlink(missing_ok=True)
        if full:
            raise no_space_error(root, needed) from None
        raise
    summary.episodes_written = sorted(chosen)


@dataclass(frozen=True)
class StagedColumns:
    """A shard's `ColumnSource`: the chosen episodes' staged rows (picklable, so a worker
    process can build the columns)."""

    rows_by_episode: Mapping[int, Sequence[Row]]

    def __call__(self, episode: EpisodeRecord, frames: np.ndarray) -> EpisodeColumns | None:
        rows = self.rows_by_episode.get(episode.index)
        return None if rows is None else episode_columns(episode.index, rows, frames)


@dataclass(frozen=True)
class ShardJob:
    """One shard to rewrite to its temporary sibling."""

    source: Path
    temp: Path
    episodes: list[EpisodeRecord]
    staged: StagedColumns


def _shard_jobs(
    dataset: LeRobotDataset,
    shards: Sequence[Path],
    chosen: set[int],
    rows_by_episode: Mapping[int, Sequence[Row]],
    summary: WriteSummary,
) -> list[ShardJob]:
    """The shards that change: those with a chosen episode or without the output layout."""
    jobs = []
    for shard in shards:
        episodes = dataset.episodes_in(shard)
        chosen_here = chosen.intersection(ep.index for ep in episodes)
        if is_final(pq.read_schema(shard)) and not chosen_here:
            summary.shards_unchanged.append(shard)
            continue
        staged = StagedColumns({ep: rows_by_episode.get(ep, ()) for ep in sorted(chosen_here)})
        jobs.append(ShardJob(shard, temp_path_for(shard), episodes, staged))
        summary.shards_rewritten.append(shard)
    return jobs


def _rewrite_shards(jobs: Sequence[ShardJob], finished: set[Path]) -> None:
    """Write every job's temporary (fsynced); each one complete is added to `finished`."""
    pending: dict[Future[None], ShardJob] = {}
    try:
        with _shard_pool(len(jobs)) as pool:
            try:
                for job in jobs:
                    args = (job.source, job.temp, job.episodes, job.staged)
                    pending[pool.submit(rewrite_shard, *args)] = job
                for future in pending:
                    future.result()
            except BaseException:
                for future in pending:
                    future.cancel()  # the pool still waits for the running ones before we go on
                raise
    finally:
        finished.update(
            job.temp
            for future, job in pending.items()
            if future.done() and not future.cancelled() and future.exception() is None
        )


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


def _shard_pool(shards: int) -> Executor:
    """Where shards are rewritten: worker processes when there are several, since the
    Python part of a rewrite holds the GIL (threads would take turns); one thread for one."""
    if shards < 2:
        return ThreadPoolExecutor(max_workers=1)
    return worker_pool(min(shards, SHARDS_IN_FLIGHT), preload=rewrite_shard.__module__)
