"""Pre-flight: what can be known before the first model call is checked before it.

A run that meets a damaged shard at the write, a read-only folder or a full disk
has spent every model call for nothing; one whose videos are missing fails each
episode after asking about the others. So before any server starts:

- every data shard the write will rewrite decodes, page by page (the writer
  reads every column of them; the dataset's metadata was read when it opened);
- the root, `meta/`, the staging folder and each folder of those shards take a
  new file, and the disk has room for the rewritten shards beside the old ones;
- the cameras the flags name exist, and `--plan.visual_input=video_clip` has an mp4
  to cut clips from;
- each chosen episode's frames decode on every camera the run shows, at its
  first and last frame.

Dataset-wide problems stop the run. An episode whose frames do not decode is
failed up front instead, and the others go on: it is the same outcome as a video
breaking mid-episode (recorded, retried by a rerun, `--allow_partial` decides
the exit code), minus the model calls it would have made first. When no episode
can be read, that is a dataset-wide problem.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.frames import FrameSource
from steerlang.dataset import EpisodeRecord, LeRobotDataset
from steerlang.dataset.layout import INFO_PATH
from steerlang.dataset.parquet_files import read_parquet_schema, scan_parquet
from steerlang.errors import SteerlangError
from steerlang.language.write.shard_rewriter import is_final

MB = 1024 * 1024
DECODE_THREADS = 8


@dataclass
class Preflight:
    """What the checks found, and which episodes a run may ask about."""

    runnable: list[EpisodeRecord]
    problems: list[str] = field(default_factory=list)  # each one stops the run
    broken: dict[int, str] = field(default_factory=dict)  # episode → why it fails up front
    checked: list[str] = field(default_factory=list)  # what was looked at, when all is well

    @property
    def blocked(self) -> bool:
        return bool(self.problems)

    def lines(self) -> list[str]:
        """One line per finding, for `--dry_run`."""
        found = [f"pre-flight: {problem}" for problem in self.problems]
        found += [
            f"pre-flight: episode {index} fails before any model call: {why}"
            for index, why in sorted(self.broken.items())
        ]
        return found or [f"pre-flight: ok — {'; '.join(self.checked)}"]

    def raise_if_blocked(self) -> None:
        if not self.problems:
            return
        more = len(self.problems) - 1
        also = f" (and {more} more problem(s); `--dry_run` lists them)" if more else ""
        raise SteerlangError(f"{self.problems[0]}{also}")


def preflight(
    dataset: LeRobotDataset, config: AnnotateConfig, episodes: list[EpisodeRecord]
) -> Preflight:
    """Check everything above; nothing is written and no model is asked."""
    report = Preflight(runnable=list(episodes))
    executor = config.executor.problem(len(episodes))
    if executor is not None:
        report.problems.append(executor)
    cameras = _cameras_shown(dataset, config, report)
    _check_clip_camera(dataset, config, report)
    shards = _shards_to_rewrite(dataset, config, episodes)
    for shard in shards:
        try:
            scan_parquet(shard)
        except SteerlangError as exc:
            report.problems.append(str(exc))
    report.checked.append(f"{len(shards)} data shard(s) to rewrite decode")
    staging = config.staging_path(dataset.root)
    _check_writable(dataset.root, staging, {shard.parent for shard in shards}, report)
    _check_free_space(dataset.root, shards, report)
    if cameras and episodes:
        report.broken = _undecodable_episodes(dataset, episodes, cameras)
        report.runnable = [ep for ep in episodes if ep.index not in report.broken]
        report.checked.append(
            f"{len(episodes)} episode(s) decode at their first and last frame on {cameras}"
        )
        if not report.runnable:
            report.problems.append(
                f"no chosen episode's frames can be read ({len(report.broken)} episode(s); "
                f"first: {report.broken[min(report.broken)]})"
            )
    return report


def _cameras_shown(dataset: LeRobotDataset, config: AnnotateConfig, report: Preflight) -> list[str]:
    """The cameras whose frames the enabled modules send (as the modules choose them)."""
    if not dataset.cameras:
        return []
    named = {"--vlm.camera_key": [config.vlm.camera_key] if config.vlm.camera_key else []}
    named["--vqa.cameras"] = list(config.vqa.cameras)
    for flag, keys in named.items():
        for key in keys:
            if key not in dataset.cameras:
                report.problems.append(
                    f"{flag}: {dataset.root} has no camera {key!r}; its cameras are "
                    f"{dataset.camera_keys}"
                )
    shown: list[str] = []
    if config.plan.enabled or config.interjections.enabled or config.reasoning.enabled:
        shown.append(config.vlm.camera_key or dataset.camera_keys[0])
    if config.vqa.enabled:
        shown += config.vqa.cameras or dataset.camera_keys
    return [key for key in dict.fromkeys(shown) if key in dataset.cameras]


def _check_clip_camera(dataset: LeRobotDataset, config: AnnotateConfig, report: Preflight) -> None:
    """video_clip sends the prompt camera's own mp4: a camera stored as images has none."""
    if not (config.plan.enabled and config.plan.visual_input == "video_clip" and dataset.cameras):
        return
    views = dataset.view_camera_keys(config.vqa.include_depth) or dataset.camera_keys
    camera = dataset.cameras.get(config.vlm.camera_key or views[0])
    if camera is not None and camera.storage != "video":
        report.problems.append(
            f"--plan.visual_input=video_clip sends the prompt camera's mp4, and {camera.key} is "
            f"stored as {camera.storage}s; use --plan.visual_input=video_frames or "
            "contact_sheets, or another --vlm.camera_key"
        )


def _shards_to_rewrite(
    dataset: LeRobotDataset, config: AnnotateConfig, episodes: list[EpisodeRecord]
) -> list[Path]:
    """The shards the write will read and replace: all on a full run; with `--only_episodes`,
    those holding a chosen episode and those not yet in the output layout."""
    if config.only_episodes is None:
        return dataset.data_files()
    chosen = {episode.data_path for episode in episodes}
    return [
        shard
        for shard in dataset.data_files()
        if shard in chosen or not is_final(read_parquet_schema(shard))
    ]


def _check_writable(
    root: Path, staging: Path, shard_folders: Iterable[Path], report: Preflight
) -> None:
    folders = [root, root / INFO_PATH.parent, *sorted(shard_folders)]
    if staging.is_dir():
        folders.append(staging)
    for folder in folders:
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            report.problems.append(
                f"{folder} is not writable ({exc.strerror}); annotate writes its staging and the "
                "new shards inside the dataset — make the folder writable, or copy the dataset "
                "to a writable place and pass that as --root"
            )
            return
    report.checked.append("the dataset's folders are writable")


def _check_free_space(root: Path, shards: list[Path], report: Preflight) -> None:
    """Rewritten shards are written beside the originals and all replace them at the commit,
    so the write needs their total size free, plus a margin of the largest (the new
    language columns)."""
    sizes = [os.path.getsize(shard) for shard in shards]
    needed = sum(sizes) + max(sizes, default=0)
    free = shutil.disk_usage(root).free
    if free < needed:
        report.problems.append(
            f"{root} has {free / MB:.0f} MB free but the write needs about {needed / MB:.0f} MB "
            "(the rewritten shards sit beside the originals until the commit); free some space"
        )
    else:
        report.checked.append(f"{free / MB:.0f} MB free, about {needed / MB:.1f} MB needed")


def _undecodable_episodes(
    dataset: LeRobotDataset, episodes: list[EpisodeRecord], cameras: list[str]
) -> dict[int, str]:
    """Episode → why its frames cannot be read (missing, corrupt or truncated video)."""
    broken: dict[int, str] = {}

    def check(episode: EpisodeRecord) -> None:
        try:
            frames.check_episode(episode, cameras)
        except SteerlangError as exc:
            broken[episode.index] = str(exc)
        finally:
            frames.drop_episode(episode)

    with FrameSource(dataset) as frames, ThreadPoolExecutor(DECODE_THREADS) as pool:
        list(pool.map(check, episodes))
    return broken
