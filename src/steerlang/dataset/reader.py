"""Open a LeRobot v3.0 dataset from disk and describe its episodes.

Only metadata and the few index columns needed to locate and check each
episode's rows are read at open; image columns and `stats/*` never are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.dataset.cameras import read_cameras
from steerlang.dataset.episode_totals import check_episode_totals
from steerlang.dataset.layout import (
    DEFAULT_DATA_PATH,
    DEFAULT_VIDEO_PATH,
    EPISODES_DIR,
    INFO_PATH,
    TASKS_PATH,
    check_path_templates,
    converter_hint,
    inside_root,
)
from steerlang.dataset.parquet_files import read_parquet, read_parquet_schema
from steerlang.dataset.records import CameraInfo, EpisodeRecord, VideoSpan
from steerlang.errors import SteerlangError
from steerlang.schema import LANGUAGE_COLUMNS

EPISODE_COLUMNS = (
    "episode_index",
    "tasks",
    "length",
    "data/chunk_index",
    "data/file_index",
    "dataset_from_index",
    "dataset_to_index",
)
VIDEO_COLUMN_SUFFIXES = ("chunk_index", "file_index", "from_timestamp", "to_timestamp")


class LeRobotDataset:
    """A LeRobot v3.0 dataset on disk: info, tasks, episodes and their rows."""

    def __init__(self, root: Path, info: dict[str, Any]) -> None:
        self.root = root
        self.info = info
        self.fps = float(info["fps"])
        self.features: dict[str, dict[str, Any]] = info["features"]
        self.cameras: dict[str, CameraInfo] = read_cameras(self.features)
        self.tasks: dict[int, str] = _read_tasks(root)
        self.episodes: list[EpisodeRecord] = _read_episodes(self)
        self._by_index = {episode.index: episode for episode in self.episodes}

    # -- cameras ----------------------------------------------------------------
    @property
    def camera_keys(self) -> list[str]:
        """Every camera (LeRobot's `camera_keys`: dtype video or image, depth views included)."""
        return list(self.cameras)

    @property
    def color_camera_keys(self) -> list[str]:
        """The colour cameras: the views prompts and VQA use by default."""
        return [key for key, cam in self.cameras.items() if not cam.depth]

    @property
    def depth_camera_keys(self) -> list[str]:
        """The depth views (`is_depth_map`)."""
        return [key for key, cam in self.cameras.items() if cam.depth]

    def view_camera_keys(self, include_depth: bool = False) -> list[str]:
        """The cameras shown to a model or rendered as views: the colour ones, then (if asked)
        the depth ones, so the first is a colour camera whenever the dataset has one."""
        return self.color_camera_keys + (self.depth_camera_keys if include_depth else [])

    # -- layout ---------------------------------------------------------------

    @property
    def video_keys(self) -> list[str]:
        return [key for key, cam in self.cameras.items() if cam.storage == "video"]

    @property
    def image_keys(self) -> list[str]:
        return [key for key, cam in self.cameras.items() if cam.storage == "image"]

    def data_path(self, chunk_index: int, file_index: int) -> Path:
        template = self.info.get("data_path") or DEFAULT_DATA_PATH
        relative = template.format(chunk_index=chunk_index, file_index=file_index)
        return inside_root(self.root, relative, f"{INFO_PATH} data_path")

    def video_path(self, key: str, chunk_index: int, file_index: int) -> Path:
        template = self.info.get("video_path") or DEFAULT_VIDEO_PATH
        relative = template.format(video_key=key, chunk_index=chunk_index, file_index=file_index)
        return inside_root(self.root, relative, f"{INFO_PATH} video_path of camera {key!r}")

    def data_files(self) -> list[Path]:
        """Every data file, in (chunk, file) order."""
        seen = {(ep.data_chunk_index, ep.data_file_index): ep.data_path for ep in self.episodes}
        return [seen[key] for key in sorted(seen)]

    def episodes_in(self, data_path: Path) -> list[EpisodeRecord]:
        return [ep for ep in self.episodes if ep.data_path == data_path]

    def episode(self, index: int) -> EpisodeRecord:
        try:
            return self._by_index[index]
        except KeyError:
            raise SteerlangError(
                f"episode {index} is not in {self.root} "
                f"(it has episodes {self.episodes[0].index}..{self.episodes[-1].index})"
            ) from None

    @property
    def total_frames(self) -> int:
        return sum(ep.length for ep in self.episodes)

    @cached_property
    def data_columns(self) -> list[str]:
        """Column names of the data files (from the first file's schema)."""
        names: list[str] = read_parquet_schema(self.data_files()[0]).names
        return names

    @property
    def has_language(self) -> bool:
        return all(column in self.data_columns for column in LANGUAGE_COLUMNS)

    # -- rows -------------------------------------------------------------------
    def read_episode(self, episode: EpisodeRecord, columns: Sequence[str]) -> pa.Table:
        """The episode's rows of just these columns, reading only the row groups that hold them."""
        missing = [c for c in columns if c not in self.data_columns]
        if missing:
            raise SteerlangError(f"{episode.data_path} has no column(s) {missing}")
        parquet = pq.ParquetFile(episode.data_path)
        starts = np.cumsum(
            [0] + [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]
        )
        first = int(np.searchsorted(starts, episode.row_start, side="right")) - 1
        last = int(np.searchsorted(starts, episode.row_stop, side="left"))
        table = parquet.read_row_groups(range(first, last), columns=list(columns))
        return table.slice(episode.row_start - int(starts[first]), episode.length)

    def frame_timestamps(self, episode: EpisodeRecord) -> np.ndarray:
        """The episode's `timestamp` values exactly as stored (float32, seconds from its start)."""
        column = self.read_episode(episode, ["timestamp"]).column("timestamp")
        stamps: np.ndarray = column.to_numpy().astype(np.float32, copy=False)
        return stamps

    def task_of(self, episode: EpisodeRecord) -> str:
        return episode.task


def open_dataset(root: str | Path, check_videos: bool = True) -> LeRobotDataset:
    """Open and check a LeRobot v3.0 dataset; every problem is a `SteerlangError`."""
    root = require_dataset_root(root)
    info = _read_info(root)
    dataset = LeRobotDataset(root, info)
    check_episode_totals(root, info, dataset.episodes)
    _check_rows(dataset)
    if check_videos:
        _check_videos(dataset)
    return dataset


def require_dataset_root(root: str | Path) -> Path:
    """`root` if it is a folder holding meta/info.json; checked before anything is read
    from it or written to it (the write lock is created there)."""
    root = Path(root)
    if not root.exists():
        raise SteerlangError(
            f"dataset root {root} does not exist; pass the folder of a LeRobot v3.0 dataset "
            "(the one holding meta/info.json)"
        )
    if not root.is_dir():
        raise SteerlangError(f"dataset root {root} is a file; pass the dataset's folder")
    if not (root / INFO_PATH).is_file():
        raise SteerlangError(
            f"{root} is not a LeRobot dataset: {INFO_PATH} is missing "
            "(pass the dataset's top folder, the one holding meta/ and data/)"
        )
    return root


def _read_info(root: Path) -> dict[str, Any]:
    path = root / INFO_PATH
    try:
        info = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SteerlangError(f"{path} is not valid JSON ({exc}); restore it from a copy") from None
    if not isinstance(info, dict):
        raise SteerlangError(f"{path} must hold a JSON object")
    version = str(info.get("codebase_version", ""))
    if version.startswith(("v1", "v2")):
        raise SteerlangError(
            f"{root} is a LeRobot {version} dataset; steerlang reads v3.0 only — "
            f"{converter_hint(root, version)}"
        )
    if version != "v3.0":
        raise SteerlangError(
            f"{path} has codebase_version {version!r}; steerlang reads LeRobot v3.0 datasets"
        )
    for key in ("fps", "features"):
        if key not in info:
            raise SteerlangError(f"{path} has no {key!r}; it is not a complete v3.0 info.json")
    check_path_templates(info, root)
    return info


def _read_tasks(root: Path) -> dict[int, str]:
    path = root / TASKS_PATH
    if not path.is_file():
        raise SteerlangError(
            f"{root} has no {TASKS_PATH}; a v3.0 dataset lists its task strings there"
        )
    table = read_parquet(path)
    names = table.column_names
    if "task_index" not in names:
        raise SteerlangError(f"{path} has no task_index column")
    text_column = next((n for n in ("task", "__index_level_0__") if n in names), None)
    if text_column is None:
        raise SteerlangError(f"{path} has no task text (expected a 'task' or pandas index column)")
    indices = table.column("task_index").to_pylist()
    texts = table.column(text_column).to_pylist()
    return {int(i): str(t) for i, t in zip(indices, texts, strict=True)}


def _episode_files(root: Path) -> list[Path]:
    files = sorted((root / EPISODES_DIR).glob("chunk-*/file-*.parquet"))
    if not files:
        raise SteerlangError(
            f"{root} has no episode metadata ({EPISODES_DIR}/chunk-*/file-*.parquet); "
            "the dataset is incomplete — re-download or re-convert it"
        )
    return files


def _read_episodes(dataset: LeRobotDataset) -> list[EpisodeRecord]:
    tables = []
    for path in _episode_files(dataset.root):
        names = set(read_parquet_schema(path).names)
        wanted = list(EPISODE_COLUMNS)
        for key in dataset.video_keys:
            wanted += [f"videos/{key}/{suffix}" for suffix in VIDEO_COLUMN_SUFFIXES]
        missing = [c for c in wanted if c not in names]
        if missing:
            raise SteerlangError(f"{path} lacks episode metadata column(s) {missing}")
        tables.append(read_parquet(path, columns=wanted))
    columns = pa.concat_tables(tables).to_pydict()
    order = np.argsort(columns["episode_index"], kind="stable")
    episodes = []
    file_starts: dict[tuple[int, int], int] = {}
    for i in order:
        chunk, file = int(columns["data/chunk_index"][i]), int(columns["data/file_index"][i])
        start = int(columns["dataset_from_index"][i])
        file_starts[(chunk, file)] = min(file_starts.get((chunk, file), start), start)
    for i in order:
        chunk, file = int(columns["data/chunk_index"][i]), int(columns["data/file_index"][i])
        videos = {}
        for key in dataset.video_keys:
            vchunk = int(columns[f"videos/{key}/chunk_index"][i])
            vfile = int(columns[f"videos/{key}/file_index"][i])
            videos[key] = VideoSpan(
                key=key,
                path=dataset.video_path(key, vchunk, vfile),
                chunk_index=vchunk,
                file_index=vfile,
                from_timestamp=float(columns[f"videos/{key}/from_timestamp"][i]),
                to_timestamp=float(columns[f"videos/{key}/to_timestamp"][i]),
            )
        start = int(columns["dataset_from_index"][i])
        episodes.append(
            EpisodeRecord(
                index=int(columns["episode_index"][i]),
                tasks=tuple(columns["tasks"][i] or ()),
                length=int(columns["length"][i]),
                data_path=dataset.data_path(chunk, file),
                data_chunk_index=chunk,
                data_file_index=file,
                dataset_from_index=start,
                dataset_to_index=int(columns["dataset_to_index"][i]),
                row_start=start - file_starts[(chunk, file)],
                videos=videos,
            )
        )
    if not episodes:
        raise SteerlangError(f"{dataset.root} lists no episodes in {EPISODES_DIR}")
    return episodes


def _check_rows(dataset: LeRobotDataset) -> None:
    """Every episode's rows exist, are contiguous, in order, with increasing timestamps."""
    for path in dataset.data_files():
        episodes = dataset.episodes_in(path)
        if not path.is_file():
            raise SteerlangError(
                f"data file {path} is missing; it should hold episodes "
                f"{_span(ep.index for ep in episodes)}"
            )
        table = read_parquet(path, columns=["episode_index", "index", "timestamp"])
        _check_file_rows(path, table, episodes)


def _check_file_rows(path: Path, table: pa.Table, episodes: list[EpisodeRecord]) -> None:
    episode_ids = table.column("episode_index").to_numpy()
    global_index = table.column("index").to_numpy()
    timestamps = table.column("timestamp").to_numpy()
    starts = np.concatenate([[0], np.flatnonzero(np.diff(episode_ids)) + 1])
    run_ids = episode_ids[starts] if len(episode_ids) else episode_ids
    run_lengths = np.diff(np.concatenate([starts, [len(episode_ids)]]))
    for episode in episodes:
        runs = np.flatnonzero(run_ids == episode.index)
        if len(runs) == 0:
            raise SteerlangError(
                f"episode {episode.index} has no rows in {path}; the data file does not match "
                "meta/episodes — re-download or rebuild the dataset"
            )
        if len(runs) > 1:
            raise SteerlangError(
                f"episode {episode.index}'s rows in {path} are not contiguous "
                f"({len(runs)} separate runs); rows must be stored in episode order"
            )
        start, length = int(starts[runs[0]]), int(run_lengths[runs[0]])
        if length != episode.length or start != episode.row_start:
            raise SteerlangError(
                f"episode {episode.index} has {length} rows at row {start} of {path}, but "
                f"meta/episodes says {episode.length} rows at row {episode.row_start}; "
                "rows are missing or misplaced"
            )
        expected = np.arange(episode.dataset_from_index, episode.dataset_to_index)
        if not np.array_equal(global_index[start : start + length], expected):
            raise SteerlangError(
                f"episode {episode.index}'s `index` column in {path} is not the contiguous range "
                f"{episode.dataset_from_index}..{episode.dataset_to_index - 1}"
            )
        steps = np.diff(timestamps[start : start + length])
        if np.any(steps <= 0):
            at = int(np.flatnonzero(steps <= 0)[0]) + 1
            raise SteerlangError(
                f"episode {episode.index}'s timestamps are not increasing at frame {at} "
                f"in {path} ({timestamps[start + at - 1]} then {timestamps[start + at]})"
            )


def _check_videos(dataset: LeRobotDataset) -> None:
    missing: dict[Path, list[int]] = {}
    for episode in dataset.episodes:
        for span in episode.videos.values():
            if not span.path.is_file():
                missing.setdefault(span.path, []).append(episode.index)
    if missing:
        path, episodes = next(iter(missing.items()))
        raise SteerlangError(
            f"video file {path} is missing (needed by episodes {_span(episodes)}"
            f"{f' and {len(missing) - 1} other file(s)' if len(missing) > 1 else ''}); "
            "download the dataset's videos or re-create them"
        )


def _span(indices: Iterable[int]) -> str:
    values = sorted(indices)
    return f"{values[0]}..{values[-1]}" if len(values) > 1 else str(values[0])
