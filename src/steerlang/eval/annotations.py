"""Read the language columns of a dataset into what eval scores: subtask segments and VQA pairs.

Each data file is read once (only the language columns and `frame_index`);
persistent rows come from an episode's first frame (they repeat on every
frame) and events only from frames that carry any.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from steerlang.dataset import EpisodeRecord, LeRobotDataset
from steerlang.errors import SteerlangError
from steerlang.eval.segments import Segment, segments_from_starts
from steerlang.schema import EVENTS_COLUMN, PERSISTENT_COLUMN, rows_from_arrow


@dataclass(frozen=True)
class VqaPair:
    """One grounded question and its answer (None when the content is not a JSON object)."""

    question: str
    answer: dict[str, Any] | None


@dataclass
class EpisodeAnnotations:
    index: int
    duration: float
    segments: list[Segment] = field(default_factory=list)
    vqa: dict[tuple[int, str], VqaPair] = field(default_factory=dict)  # (frame, camera) → pair


def episode_duration(dataset: LeRobotDataset, episode: EpisodeRecord) -> float:
    return episode.length / dataset.fps


def read_annotations(
    dataset: LeRobotDataset, episodes: Iterable[EpisodeRecord]
) -> dict[int, EpisodeAnnotations]:
    """The subtask segments and VQA pairs of each episode, from the language columns."""
    if not dataset.has_language:
        raise _no_language(dataset)
    wanted = {episode.index for episode in episodes}
    found: dict[int, EpisodeAnnotations] = {}
    for path in dataset.data_files():
        in_file = [ep for ep in dataset.episodes_in(path) if ep.index in wanted]
        if not in_file:
            continue
        table = pq.read_table(path, columns=[PERSISTENT_COLUMN, EVENTS_COLUMN, "frame_index"])
        for episode in in_file:
            rows = table.slice(episode.row_start, episode.length)
            found[episode.index] = _episode(dataset, episode, rows)
    return found


def _episode(dataset: LeRobotDataset, episode: EpisodeRecord, rows: pa.Table) -> EpisodeAnnotations:
    duration = episode_duration(dataset, episode)
    persistent = rows_from_arrow(rows.column(PERSISTENT_COLUMN)[0].as_py()) if len(rows) else []
    starts = [
        (float(row["timestamp"]), row["content"])
        for row in persistent
        if row.get("style") == "subtask" and row.get("content")
    ]
    annotations = EpisodeAnnotations(
        episode.index, duration, segments_from_starts(starts, duration)
    )
    events = rows.column(EVENTS_COLUMN)
    carrying = pc.indices_nonzero(pc.list_value_length(events).fill_null(0))
    frames = rows.column("frame_index").take(carrying).to_pylist()
    for frame, cell in zip(frames, events.take(carrying).to_pylist(), strict=True):
        annotations.vqa.update(_vqa_pairs(int(frame), rows_from_arrow(cell)))
    return annotations


def _vqa_pairs(frame: int, rows: list[dict[str, Any]]) -> dict[tuple[int, str], VqaPair]:
    questions: dict[str, str] = {}
    answers: dict[str, str | None] = {}
    for row in rows:
        if row.get("style") != "vqa" or not row.get("camera"):
            continue
        target = questions if row["role"] == "user" else answers
        target[row["camera"]] = row.get("content") or ""
    return {
        (frame, camera): VqaPair(questions.get(camera, ""), _json_object(content))
        for camera, content in answers.items()
    }


def _json_object(content: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(content or "")
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _no_language(dataset: LeRobotDataset) -> SteerlangError:
    return SteerlangError(
        f"{dataset.root} has no language columns; annotate it first "
        "(steerlang annotate --root=...) or point at an annotated copy"
    )
