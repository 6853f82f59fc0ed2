"""Small annotated LeRobot v3.0 datasets built with pyarrow and `steerlang.schema`.

Used by the render tests and by bench/bench_render.py; nothing is downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang import schema

FRONT = "observation.images.front"
WRIST = "observation.images.wrist"
CAMERAS = (FRONT, WRIST)


def frame_time(frame: int, fps: int) -> float:
    """The float32 timestamp a frame has on disk, as a Python float."""
    return float(np.float32(frame / fps))


def prow(style: str, content: str | None, ts: float, role: str | None = None, **extra: Any) -> dict:
    """A persistent row (role defaults: user for task_aug, assistant otherwise)."""
    role = role or ("user" if style == "task_aug" else "assistant")
    return {
        "role": role,
        "content": content,
        "style": style,
        "timestamp": ts,
        "camera": None,
        "tool_calls": None,
        **extra,
    }


def erow(
    style: str | None,
    content: str | None,
    role: str,
    camera: str | None = None,
    tool_calls: list | None = None,
) -> dict:
    """An event row."""
    return {
        "role": role,
        "content": content,
        "style": style,
        "camera": camera,
        "tool_calls": tool_calls,
    }


def vqa_pair(camera: str, question: str, answer: dict) -> list[dict]:
    return [
        erow("vqa", question, "user", camera),
        erow("vqa", json.dumps(answer), "assistant", camera),
    ]


@dataclass
class EpisodeSpec:
    """One episode: its frames and its language (events keyed by frame position)."""

    index: int
    n_frames: int
    task_index: int = 0
    persistent: list[dict] = field(default_factory=list)
    events: dict[int, list[dict]] = field(default_factory=dict)


def standard_episode(
    index: int,
    n_frames: int = 60,
    fps: int = 10,
    n_subtasks: int = 4,
    cameras: Sequence[str] = CAMERAS,
    vqa_every: int = 5,
    task_index: int = 0,
    n_task_aug: int = 3,
) -> EpisodeSpec:
    """An episode annotated like the pipeline does: task_aug, plan, subtasks with memory at
    each boundary, an opening acknowledgement, one interjection with its speech and plan
    refresh, and a VQA pair per camera every `vqa_every` frames."""
    persistent = [
        prow("task_aug", f"paraphrase {k} of episode {index}", 0.0) for k in range(n_task_aug)
    ]
    persistent.append(prow("plan", f"plan of episode {index}", 0.0))
    span = n_frames // n_subtasks
    for k in range(n_subtasks):
        ts = frame_time(k * span, fps)
        persistent.append(prow("subtask", f"subtask {k} of episode {index}", ts))
        if k:
            persistent.append(
                prow("memory", f"memory after subtask {k - 1} of episode {index}", ts)
            )
    events: dict[int, list[dict]] = {0: [schema.speech_atom(f"On it (episode {index}).")]}
    interjection_frame = n_frames // 2 + 1
    events[interjection_frame] = [
        erow("interjection", "please use the left gripper", "user"),
        schema.speech_atom("Sure, switching to the left gripper."),
    ]
    persistent.append(
        prow("plan", "plan refreshed for the left gripper", frame_time(interjection_frame, fps))
    )
    for frame in range(0, n_frames, vqa_every):
        for camera in cameras:
            answer = {"label": "cube", "count": frame}
            events.setdefault(frame, []).extend(
                vqa_pair(camera, f"how many cubes in {camera} at {frame}?", answer)
            )
    return EpisodeSpec(index, n_frames, task_index, persistent, events)


def episode_columns(spec: EpisodeSpec) -> tuple[pa.Array, pa.Array]:
    """The episode's two language columns, built with the schema helpers."""
    positions = [pos for pos, rows in sorted(spec.events.items()) for _ in rows]
    rows = [row for _, rows in sorted(spec.events.items()) for row in rows]
    return (
        schema.persistent_column(spec.persistent, spec.n_frames),
        schema.events_column(rows, positions, spec.n_frames),
    )


def episode_table(
    spec: EpisodeSpec, fps: int, first_index: int, with_language: bool = True
) -> pa.Table:
    n = spec.n_frames
    columns: dict[str, pa.Array] = {
        "observation.state": pa.array(
            np.zeros((n, 2), dtype=np.float32).tolist(), type=pa.list_(pa.float32(), 2)
        ),
        "timestamp": pa.array((np.arange(n) / fps).astype(np.float32)),
        "frame_index": pa.array(np.arange(n, dtype=np.int64)),
        "episode_index": pa.array(np.full(n, spec.index, dtype=np.int64)),
        "index": pa.array(np.arange(first_index, first_index + n, dtype=np.int64)),
        "task_index": pa.array(np.full(n, spec.task_index, dtype=np.int64)),
    }
    if with_language:
        columns[schema.PERSISTENT_COLUMN], columns[schema.EVENTS_COLUMN] = episode_columns(spec)
    return pa.table(columns)


def write_dataset(
    root: Path,
    episodes: Sequence[EpisodeSpec],
    fps: int = 10,
    cameras: Sequence[str] = CAMERAS,
    tasks: Sequence[str] = ("stack the cubes",),
    with_language: bool = True,
    task_column: bool = False,
    episodes_per_file: int = 2,
) -> Path:
    """Write a minimal v3.0 dataset: info.json, tasks.parquet, data files (a row group per episode)."""
    root = Path(root)
    (root / "meta").mkdir(parents=True, exist_ok=True)
    features: dict[str, Any] = {
        key: {"dtype": "video", "shape": [48, 64, 3], "names": ["height", "width", "channel"]}
        for key in cameras
    }
    features["observation.state"] = {"dtype": "float32", "shape": [2], "names": None}
    if with_language:
        features.update(schema.language_features())
    info = {
        "codebase_version": "v3.0",
        "fps": fps,
        "features": features,
        "total_episodes": len(episodes),
        "total_frames": sum(e.n_frames for e in episodes),
    }
    (root / "meta" / "info.json").write_text(json.dumps(info, indent=2))
    task_name = "task" if task_column else "__index_level_0__"
    pq.write_table(
        pa.table({"task_index": pa.array(range(len(tasks)), pa.int64()), task_name: list(tasks)}),
        root / "meta" / "tasks.parquet",
    )
    first = 0
    for file_number, start in enumerate(range(0, len(episodes), episodes_per_file)):
        path = root / "data" / "chunk-000" / f"file-{file_number:03d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        tables = []
        for spec in episodes[start : start + episodes_per_file]:
            tables.append(episode_table(spec, fps, first, with_language))
            first += spec.n_frames
        with pq.ParquetWriter(path, tables[0].schema) as writer:
            for table in tables:
                writer.write_table(table)
    return root


def samples_of(
    spec: EpisodeSpec,
    fps: int = 10,
    first_index: int = 0,
    task: str = "stack the cubes",
    cameras: Sequence[str] = (),
) -> list[dict]:
    """The episode's frames as training samples (what a LeRobot dataset item holds)."""
    rows = episode_table(spec, fps, first_index).drop_columns(["observation.state"]).to_pylist()
    for row in rows:
        row["task"] = task
        for camera in cameras:
            row[camera] = "<image>"
    return rows
