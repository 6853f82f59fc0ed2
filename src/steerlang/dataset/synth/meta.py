"""The `meta/` files of a synthetic dataset, written as LeRobot's own writer writes them.

`info.json` (LeRobot's keys only, `indent=4`), `tasks.parquet` through pandas
(task strings as the index named `task`, so `pd.read_parquet` restores it),
`episodes/*.parquet` from Python rows with pyarrow's inferred types, and
`stats.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.dataset.layout import (
    CODEBASE_VERSION,
    DEFAULT_DATA_PATH,
    DEFAULT_VIDEO_PATH,
    EPISODES_PATH,
    INFO_PATH,
    TASKS_PATH,
    file_groups,
)
from steerlang.dataset.synth.depth import depth_info
from steerlang.dataset.synth.draw import CameraSpec
from steerlang.dataset.synth.scene import EpisodeScript
from steerlang.dataset.synth.video import stream_codec, stream_pix_fmt
from steerlang.schema import LEGACY_SUBTASK_COLUMN

if TYPE_CHECKING:
    from steerlang.dataset.synth.build import SynthConfig

STATE_NAMES = ["x", "y", "z", "gripper"]
VideoSpan = tuple[int, int, float, float]  # chunk, file, from_timestamp, to_timestamp
Cameras = tuple[CameraSpec, ...]
STATS_PATH = Path("meta/stats.json")


def info_features(
    config: SynthConfig, video_cameras: Cameras, image_cameras: Cameras
) -> dict[str, Any]:
    vector = {"dtype": "float32", "shape": [len(STATE_NAMES)], "names": STATE_NAMES}
    features: dict[str, Any] = {"action": dict(vector), "observation.state": dict(vector)}
    for camera in (*video_cameras, *image_cameras):
        channels = 1 if camera.depth else 3
        entry: dict[str, Any] = {
            "dtype": "video" if camera in video_cameras else "image",
            "shape": [camera.height, camera.width, channels],
            "names": ["height", "width", "channels"],
        }
        if camera in video_cameras:
            entry["info"] = video_info(config, camera, channels)
        features[camera.key] = entry
    features["timestamp"] = {"dtype": "float32", "shape": [1], "names": None}
    for name in ("frame_index", "episode_index", "index", "task_index"):
        features[name] = {"dtype": "int64", "shape": [1], "names": None}
    if config.legacy_subtask_index:
        features[LEGACY_SUBTASK_COLUMN] = {"dtype": "int64", "shape": [1], "names": None}
    return features


def video_info(config: SynthConfig, camera: CameraSpec, channels: int) -> dict[str, Any]:
    """A video feature's `info`, with the keys LeRobot 0.6.1 writes (`is_depth_map`, not the
    legacy `video.is_depth_map`)."""
    info: dict[str, Any] = {
        "video.height": camera.height,
        "video.width": camera.width,
        "video.codec": stream_codec(camera, config.codec),
        "video.pix_fmt": stream_pix_fmt(camera),
        "video.fps": config.fps,
        "video.channels": channels,
        "has_audio": False,
        "is_depth_map": camera.depth,
    }
    if camera.depth:
        info.update(depth_info())
    return info


def state_and_action(script: EpisodeScript) -> tuple[np.ndarray, np.ndarray]:
    """observation.state per frame, and the action = the next frame's state (held at the end)."""
    states = script.state_vectors().astype(np.float32)
    return states, np.vstack([states[1:], states[-1:]])


def stat_inputs(script: EpisodeScript, fps: int) -> dict[str, np.ndarray]:
    states, actions = state_and_action(script)
    timestamps = (np.arange(script.length) / fps).astype(np.float32)
    return {"action": actions, "observation.state": states, "timestamp": timestamps}


def summary_stats(values: np.ndarray) -> dict[str, list[float]]:
    values = values.reshape(len(values), -1).astype(np.float64)
    return {
        "min": values.min(0).tolist(),
        "max": values.max(0).tolist(),
        "mean": values.mean(0).tolist(),
        "std": values.std(0).tolist(),
        "count": [float(len(values))],
    }


def write_episodes_meta(
    config: SynthConfig,
    root: Path,
    placement: dict[int, dict[str, int]],
    video_spans: dict[int, dict[str, VideoSpan]],
    tasks: list[str],
    scripts: list[EpisodeScript],
) -> None:
    rows: list[dict[str, Any]] = []
    for script in scripts:
        ep = script.episode_index
        place = placement[ep]
        row: dict[str, Any] = {
            "episode_index": ep,
            "tasks": [script.task.text],
            "length": script.length,
            "data/chunk_index": place["chunk"],
            "data/file_index": place["file"],
            "dataset_from_index": place["from"],
            "dataset_to_index": place["to"],
        }
        for key, (chunk, file, start, end) in video_spans.get(ep, {}).items():
            row[f"videos/{key}/chunk_index"] = chunk
            row[f"videos/{key}/file_index"] = file
            row[f"videos/{key}/from_timestamp"] = start
            row[f"videos/{key}/to_timestamp"] = end
        for name, values in stat_inputs(script, config.fps).items():
            for stat, value in summary_stats(values).items():
                row[f"stats/{name}/{stat}"] = value
        rows.append(row)
    for chunk, file, group in file_groups(rows, config.episodes_per_file, config.chunks_size):
        for row in group:
            row["meta/episodes/chunk_index"] = chunk
            row["meta/episodes/file_index"] = file
        path = root / EPISODES_PATH.format(chunk_index=chunk, file_index=file)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(group), path)


def write_tasks(root: Path, tasks: list[str]) -> None:
    """As LeRobot writes it: a pandas frame indexed by the task strings (index name `task`)
    with a `task_index` column, saved by pandas so `pd.read_parquet` restores the index."""
    import pandas as pd  # lazily: only writing a dataset needs pandas

    frame = pd.DataFrame({"task_index": range(len(tasks))}, index=pd.Index(tasks, name="task"))
    (root / TASKS_PATH).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(root / TASKS_PATH)


def write_info(
    config: SynthConfig,
    root: Path,
    scripts: list[EpisodeScript],
    tasks: list[str],
    video_cameras: Cameras,
    image_cameras: Cameras,
) -> None:
    """LeRobot's `DatasetInfo` fields in its order; no keys of our own (LeRobot drops them)."""
    info = {
        "codebase_version": CODEBASE_VERSION,
        "fps": config.fps,
        "features": info_features(config, video_cameras, image_cameras),
        "total_episodes": len(scripts),
        "total_frames": sum(s.length for s in scripts),
        "total_tasks": len(tasks),
        "chunks_size": config.chunks_size,
        "data_files_size_in_mb": 100,
        "video_files_size_in_mb": 200,
        "data_path": DEFAULT_DATA_PATH,
        "video_path": DEFAULT_VIDEO_PATH if video_cameras else None,
        "robot_type": "steerlang_synthetic_gripper",
        "splits": {"train": f"0:{len(scripts)}"},
    }
    _write_json(info, root / INFO_PATH)


def write_global_stats(root: Path, scripts: list[EpisodeScript], fps: int) -> None:
    inputs = [stat_inputs(script, fps) for script in scripts]
    merged = {name: np.concatenate([values[name] for values in inputs]) for name in inputs[0]}
    _write_json({name: summary_stats(values) for name, values in merged.items()}, root / STATS_PATH)


def _write_json(data: dict[str, Any], path: Path) -> None:
    """As LeRobot's `write_json`: indent 4, UTF-8 text, no trailing newline."""
    path.write_text(json.dumps(data, indent=4, ensure_ascii=False), encoding="utf-8")
