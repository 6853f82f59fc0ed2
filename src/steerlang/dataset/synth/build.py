"""Write a complete synthetic LeRobot v3.0 dataset with its ground truth.

The dataset is built in a temporary sibling folder and renamed into place, so
an interrupted run never leaves a half-written dataset at `out`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.dataset.groundtruth import groundtruth_path
from steerlang.dataset.layout import DEFAULT_DATA_PATH, DEFAULT_VIDEO_PATH, file_groups
from steerlang.dataset.synth.draw import CameraSpec, render
from steerlang.dataset.synth.meta import (
    STATE_NAMES,
    Cameras,
    VideoSpan,
    state_and_action,
    write_episodes_meta,
    write_global_stats,
    write_info,
    write_tasks,
)
from steerlang.dataset.synth.scene import EpisodeScript, make_script, make_task_pool
from steerlang.dataset.synth.truth import episode_truth
from steerlang.dataset.synth.video import CODECS, encode_video, png_bytes
from steerlang.errors import SteerlangError
from steerlang.processes import worker_pool
from steerlang.schema import LEGACY_SUBTASK_COLUMN

DEFAULT_CAMERAS = (CameraSpec("top", 640, 480), CameraSpec("wrist", 320, 240))
HF_VALUE_TYPES = {pa.float32(): "float32", pa.int64(): "int64"}


@dataclass
class SynthConfig:
    """What to generate; defaults give a small two-camera AV1 dataset."""

    out: Path
    episodes: int = 4
    seconds: tuple[float, float] = (8.0, 12.0)
    fps: int = 30
    cameras: tuple[CameraSpec, ...] = DEFAULT_CAMERAS
    codec: str = "av1"
    episodes_per_file: int = 10
    episodes_per_video_file: int | None = None
    chunks_size: int = 1000
    video: bool = True
    camera_storage: str = "video"  # or "image": PNG bytes in the parquet rows
    legacy_subtask_index: bool = False
    seed: int = 0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    overwrite: bool = False

    def check(self) -> None:
        if self.episodes < 1:
            raise SteerlangError("--episodes must be at least 1")
        lo, hi = self.seconds
        if not 0 < lo <= hi:
            raise SteerlangError("--seconds must be positive, as S or MIN:MAX with MIN <= MAX")
        if self.fps < 1:
            raise SteerlangError("--fps must be a positive whole number")
        if self.codec not in CODECS:
            raise SteerlangError(f"--codec must be one of {sorted(CODECS)}")
        if self.episodes_per_file < 1 or (self.episodes_per_video_file or 1) < 1:
            raise SteerlangError("episodes per file must be at least 1")
        if self.chunks_size < 1:
            raise SteerlangError("--chunks-size must be at least 1")
        if self.camera_storage not in {"video", "image"}:
            raise SteerlangError("--camera-storage must be video or image")
        if len({c.key for c in self.cameras}) != len(self.cameras):
            raise SteerlangError("camera names must be distinct")
        if self.camera_storage == "image" and any(c.depth for c in self.cameras):
            raise SteerlangError(
                "depth cameras are stored as video; drop :depth or use --camera-storage video"
            )

    @property
    def active_cameras(self) -> tuple[CameraSpec, ...]:
        return self.cameras if self.video else ()


def synthesize(config: SynthConfig) -> Path:
    """Build the dataset at `config.out` and return that path."""
    config.check()
    out = Path(config.out)
    if out.exists() and any(out.iterdir()) and not config.overwrite:
        raise SteerlangError(
            f"{out} exists and is not empty; choose a new --out or pass --overwrite"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _build(config, staging)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def plan_episodes(config: SynthConfig) -> tuple[list[EpisodeScript], list[str]]:
    """Every episode's script, and the task strings in task-index order."""
    rng = np.random.default_rng(config.seed)
    n_tasks = max(1, min(6, config.episodes // 2))
    pool = make_task_pool(n_tasks, rng)
    scripts = []
    for index in range(config.episodes):
        ep_rng = np.random.default_rng([config.seed, index])
        spec, objects = pool[int(ep_rng.integers(len(pool)))]
        seconds = (
            ep_rng.uniform(*config.seconds)
            if config.seconds[0] < config.seconds[1]
            else config.seconds[0]
        )
        length = max(round(seconds * config.fps), 8)
        scripts.append(make_script(index, spec, objects, length, config.fps, ep_rng))
    tasks = list(dict.fromkeys(s.task.text for s in scripts))
    return scripts, tasks


def _build(config: SynthConfig, root: Path) -> None:
    scripts, tasks = plan_episodes(config)
    task_index = {text: i for i, text in enumerate(tasks)}
    cameras = config.active_cameras
    video_cameras = cameras if config.camera_storage == "video" else ()
    image_cameras = cameras if config.camera_storage == "image" else ()
    per_video = config.episodes_per_video_file or config.episodes_per_file
    video_groups = file_groups(scripts, per_video, config.chunks_size)

    futures: list[Future[None]] = []
    with worker_pool(config.workers) as pool:
        for camera in video_cameras:
            for chunk, file, group in video_groups:
                path = root / DEFAULT_VIDEO_PATH.format(
                    video_key=camera.key, chunk_index=chunk, file_index=file
                )
                futures.append(
                    pool.submit(encode_video, path, group, camera, config.codec, config.fps)
                )
        for _, _, group in video_groups:
            futures.append(pool.submit(_write_truth, root, group, cameras))
        episode_rows = _write_data(config, root, scripts, task_index, image_cameras)
        for future in futures:
            future.result()
    video_spans = _video_spans(video_groups, video_cameras, config.fps)
    write_episodes_meta(config, root, episode_rows, video_spans, tasks, scripts)
    write_tasks(root, tasks)
    write_info(config, root, scripts, tasks, video_cameras, image_cameras)
    write_global_stats(root, scripts, config.fps)


def _hf_metadata(schema: pa.Schema) -> dict[bytes, bytes]:
    """The `huggingface` schema metadata `datasets` writes, so it reads our types back."""
    features: dict[str, Any] = {}
    for f in schema:
        if pa.types.is_fixed_size_list(f.type):
            features[f.name] = {
                "feature": {"dtype": "float32", "_type": "Value"},
                "length": f.type.list_size,
                "_type": "List",
            }
        elif pa.types.is_struct(f.type):
            features[f.name] = {"_type": "Image"}
        else:
            features[f.name] = {"dtype": HF_VALUE_TYPES[f.type], "_type": "Value"}
    return {b"huggingface": json.dumps({"info": {"features": features}}).encode()}


def _episode_table(
    config: SynthConfig, script: EpisodeScript, first_index: int, task: int, image_cameras: Cameras
) -> pa.Table:
    n = script.length
    states, actions = state_and_action(script)
    vector = pa.list_(pa.float32(), len(STATE_NAMES))
    columns: dict[str, pa.Array] = {
        "action": pa.FixedSizeListArray.from_arrays(pa.array(actions.ravel()), type=vector),
        "observation.state": pa.FixedSizeListArray.from_arrays(
            pa.array(states.ravel()), type=vector
        ),
    }
    for camera in image_cameras:
        images = [{"bytes": png_bytes(render(script, camera, f)), "path": None} for f in range(n)]
        columns[camera.key] = pa.array(
            images, type=pa.struct([("bytes", pa.binary()), ("path", pa.string())])
        )
    frames = np.arange(n, dtype=np.int64)
    columns["timestamp"] = pa.array((frames / config.fps).astype(np.float32))
    columns["frame_index"] = pa.array(frames)
    columns["episode_index"] = pa.array(np.full(n, script.episode_index, dtype=np.int64))
    columns["index"] = pa.array(frames + first_index)
    columns["task_index"] = pa.array(np.full(n, task, dtype=np.int64))
    if config.legacy_subtask_index:
        labels = np.zeros(n, dtype=np.int64)
        for i, (_, start, end) in enumerate(script.subtask_frames()):
            labels[start:end] = i
        columns[LEGACY_SUBTASK_COLUMN] = pa.array(labels)
    return pa.table(columns)


def _write_data(
    config: SynthConfig,
    root: Path,
    scripts: list[EpisodeScript],
    task_index: dict[str, int],
    image_cameras: Cameras,
) -> dict[int, dict[str, int]]:
    """Data files with one row group per episode; returns each episode's placement."""
    placement: dict[int, dict[str, int]] = {}
    first = 0
    for chunk, file, group in file_groups(scripts, config.episodes_per_file, config.chunks_size):
        path = root / DEFAULT_DATA_PATH.format(chunk_index=chunk, file_index=file)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = None
        for script in group:
            table = _episode_table(
                config, script, first, task_index[script.task.text], image_cameras
            )
            if writer is None:
                schema = table.schema.with_metadata(_hf_metadata(table.schema))
                writer = pq.ParquetWriter(path, schema)
            writer.write_table(table.cast(schema), row_group_size=len(table))
            placement[script.episode_index] = {
                "chunk": chunk,
                "file": file,
                "from": first,
                "to": first + script.length,
            }
            first += script.length
        if writer is not None:
            writer.close()
    return placement


def _video_spans(
    video_groups: list[tuple[int, int, list[EpisodeScript]]], cameras: Cameras, fps: int
) -> dict[int, dict[str, VideoSpan]]:
    spans: dict[int, dict[str, VideoSpan]] = {}
    for chunk, file, group in video_groups:
        offset = 0
        for script in group:
            for camera in cameras:
                spans.setdefault(script.episode_index, {})[camera.key] = (
                    chunk,
                    file,
                    offset / fps,
                    (offset + script.length) / fps,
                )
            offset += script.length
    return spans


def _write_truth(root: Path, scripts: list[EpisodeScript], cameras: Cameras) -> None:
    for script in scripts:
        path = groundtruth_path(root, script.episode_index)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = episode_truth(script, list(cameras))
        path.write_text(json.dumps(record, separators=(",", ":")))
