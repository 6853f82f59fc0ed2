"""`steerlang annotate` end to end: dataset → modules → validation → writer → run record."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.dry_run import estimate, planned_totals
from steerlang.annotate.frames import FrameSource
from steerlang.annotate.frames import worker as frame_worker
from steerlang.annotate.frames.frame_workers import FrameWorkers
from steerlang.annotate.frames.sizing import plan_frames
from steerlang.annotate.hub import download_dataset
from steerlang.annotate.preflight import preflight
from steerlang.annotate.progress import RunProgress
from steerlang.annotate.run_record import append_run_record, build_run_record
from steerlang.annotate.scheduler import EpisodeOutcome, Scheduler
from steerlang.annotate.staging.store import StagingStore
from steerlang.annotate.staging.validate import validate_staging
from steerlang.annotate.vlm.factory import build_client
from steerlang.annotate.vlm.redaction import shown_command_line
from steerlang.dataset import EpisodeRecord, LeRobotDataset, open_dataset
from steerlang.dataset.reader import require_dataset_root
from steerlang.errors import SteerlangError
from steerlang.language.dataset_lock import dataset_lock
from steerlang.language.write.write_language import (
    WriteSummary,
    finish_pending_write,
    write_language,
)
from steerlang.processes import started_pool


@dataclass
class RunResult:
    root: Path
    outcomes: list[EpisodeOutcome]
    staging: Path | None = None  # where the staging is (a rerun resumes from it)
    written: WriteSummary | None = None
    left_out: list[str] = field(default_factory=list)
    record: dict[str, Any] | None = None
    # every call that reached the model failed: nothing is written over what the dataset has
    unanswered: bool = False

    @property
    def failed(self) -> list[EpisodeOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def partial(self) -> list[EpisodeOutcome]:
        """Episodes written with what succeeded, lacking items a rerun asks for again."""
        return [o for o in self.outcomes if o.ok and o.missing_items]


def resolve_root(config: AnnotateConfig) -> Path:
    if config.repo_id is not None:
        return download_dataset(config.repo_id, config.root)
    assert config.root is not None, "AnnotateConfig.check refuses neither --root nor --repo_id"
    return Path(config.root)


def chosen_episodes(dataset: LeRobotDataset, only: list[int] | None) -> list[EpisodeRecord]:
    if only is None:
        return list(dataset.episodes)
    known = {episode.index for episode in dataset.episodes}
    unknown = sorted(set(only) - known)
    if unknown:
        raise SteerlangError(
            f"--only_episodes names episodes the dataset does not have: {unknown} "
            f"(it has {min(known)}..{max(known)})"
        )
    return [dataset.episode(index) for index in sorted(set(only))]


async def annotate_dataset(config: AnnotateConfig, log: TextIO) -> RunResult:
    """Annotate, validate and write; raises SteerlangError on what the user must fix."""
    config.check()
    root = require_dataset_root(resolve_root(config))
    with dataset_lock(root, shown_command_line([config.vlm.api_key])):
        return await _annotate_locked(config, root, log)


async def _annotate_locked(config: AnnotateConfig, root: Path, log: TextIO) -> RunResult:
    started = time.time()
    if finish_pending_write(root):
        print(f"finished an interrupted write in {root}", file=log)
    # frame workers start first: before the client can start threads (servers, logs),
    # and so that their imports overlap opening the dataset
    plan = plan_frames(
        config.vlm.client_concurrency,
        config.executor.episode_parallelism,
        config.executor.frame_workers,
        config.executor.frame_cache_mb,
    )
    pool = started_pool(
        plan.workers,
        preload=frame_worker.__name__,
        setup=functools.partial(frame_worker.configure, plan.cache_bytes_per_worker),
    )
    try:
        dataset = open_dataset(root, check_videos=False)
        episodes = chosen_episodes(dataset, config.only_episodes)
        checked = preflight(dataset, config, episodes)  # before any server starts
        checked.raise_if_blocked()
        episodes = checked.runnable
        store = StagingStore(root, staging_dir=config.staging_dir)
        client = build_client(config.vlm, store.dir, root, log)
        print(plan.describe(), file=log)  # once the run is sure to start, not before a refusal
        frames = FrameSource(dataset, cache_bytes=0)  # timestamps only: workers decode
        progress = RunProgress(len(episodes), client, log, config.executor.progress_interval_s)
        try:
            workers = FrameWorkers(pool, plan.workers)
            scheduler = Scheduler(
                dataset, config, client, frames, store, workers, progress.episode_done
            )
            outcomes = await _run_episodes(scheduler, episodes, progress)
            outcomes += [EpisodeOutcome(i, failed=why) for i, why in checked.broken.items()]
            outcomes.sort(key=lambda outcome: outcome.index)
            call_stats = client.stats()
        finally:
            await client.aclose()
            frames.close()
    finally:
        pool.shutdown(cancel_futures=True)
    result = RunResult(root, outcomes, staging=store.dir)
    succeeded = [o.index for o in outcomes if o.ok]
    collected = store.collect(succeeded)
    result.left_out = [
        f"episode {ep} {module}: {status.reason}" for ep, module, status in collected.left_out
    ]
    if not config.skip_validation:
        errors = [p for p in validate_staging(dataset, store, succeeded) if p.severity == "error"]
        if errors:
            shown = "\n".join(f"  {p}" for p in errors[:10])
            raise SteerlangError(
                f"validation found {len(errors)} error(s) in staging; nothing was written:\n"
                f"{shown}\nfix or clear the staging, or pass --skip_validation"
            )
    full_run = config.only_episodes is None and len(succeeded) == len(dataset.episodes)
    result.unanswered = _nothing_answered(call_stats)
    if succeeded and not result.unanswered:
        result.written = await asyncio.to_thread(
            write_language,
            dataset,
            collected.rows_by_episode,
            None if full_run else succeeded,
        )
    planned = await asyncio.to_thread(estimate, dataset, config, episodes)
    result.record = build_run_record(
        config,
        client.model_id,
        client.simulated,
        outcomes,
        call_stats,
        collected.rows_by_episode,
        planned_totals(planned, len(episodes)),
        started,
    )
    append_run_record(root, result.record)
    return result


def _nothing_answered(call_stats: dict[str, dict[str, Any]]) -> bool:
    """True when calls reached the model and not one came back usable (a dead or wrong
    server): writing would only replace the dataset's language with empty columns."""
    asked: int = sum(s["calls"] - s["cached"] for s in call_stats.values())
    answered: int = sum(s["ok"] - s["cached"] for s in call_stats.values())
    return asked > 0 and answered == 0


async def _run_episodes(
    scheduler: Scheduler, episodes: list[EpisodeRecord], progress: RunProgress
) -> list[EpisodeOutcome]:
    watcher = asyncio.create_task(progress.watch())
    try:
        return await scheduler.run(episodes)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
