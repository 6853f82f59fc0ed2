"""The old subtask files from the stored subtasks: `meta/subtasks.parquet`,
`meta/skills.json` and the per-frame `subtask_index`.

Labels are numbered once for the whole dataset, in sorted order (Python's
code-point order — the order LeRobot's skill annotator numbered them in), so the
same text has the same index in every episode and the numbering depends only on
the set of labels; or, given a closed vocabulary (`--subtask_labels`), in the
file's order, so every dataset labelled from that file shares the numbering. A frame gets the index of the subtask in force on it (the
latest one starting at or before it); frames before an episode's first subtask,
and every frame of an episode without subtasks, get -1, the old "no subtask".
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from steerlang.dataset.reader import LeRobotDataset
from steerlang.legacy.formats import (
    FALLBACK_COARSE_DESCRIPTION,
    NO_SUBTASK,
    SUBTASK_COLUMN,
    SUBTASK_INDEX_NAME,
)
from steerlang.legacy.stored_language import StoredEpisode


def sorted_labels(episodes: Sequence[StoredEpisode]) -> list[str]:
    """Every distinct label, in index order (without a vocabulary)."""
    return sorted({subtask.label for episode in episodes for subtask in episode.subtasks})


def vocabulary_outside(
    episodes: Sequence[StoredEpisode], labels: Sequence[str]
) -> list[tuple[int, str]]:
    """(episode, label) of every distinct stored label the vocabulary lacks, in episode order."""
    known = set(labels)
    found = dict.fromkeys(
        (episode.index, subtask.label)
        for episode in episodes
        for subtask in episode.subtasks
        if subtask.label not in known
    )
    return list(found)


def subtask_indices(episode: StoredEpisode, index_of: Mapping[str, int]) -> np.ndarray:
    """The episode's per-frame `subtask_index` (int64, -1 where no subtask is in force)."""
    out = np.full(len(episode.timestamps), NO_SUBTASK, dtype=np.int64)
    if not episode.subtasks:
        return out
    starts = np.array([subtask.start for subtask in episode.subtasks], dtype=np.float64)
    codes = np.array([index_of[subtask.label] for subtask in episode.subtasks], dtype=np.int64)
    position = np.searchsorted(starts, episode.timestamps.astype(np.float64), side="right") - 1
    covered = position >= 0
    out[covered] = codes[position[covered]]
    return out


def coarse_description(dataset: LeRobotDataset, labelled: Sequence[StoredEpisode]) -> str:
    """The description every labelled episode shares; when they differ (several tasks), the
    dataset's first task, as the old annotator took it; its fallback sentence when empty."""
    shared = {episode.description for episode in labelled}
    if len(shared) == 1 and next(iter(shared)).strip():
        return next(iter(shared))
    first = dataset.tasks[min(dataset.tasks)] if dataset.tasks else ""
    return first if first.strip() else FALLBACK_COARSE_DESCRIPTION


def skills_document(
    labelled: Sequence[StoredEpisode], labels: Sequence[str], coarse: str
) -> dict[str, Any]:
    """`meta/skills.json`: each subtask a skill that ends where the next starts (the last at
    the episode's end, frames / fps)."""
    episodes = {}
    for episode in labelled:
        ends = [subtask.start for subtask in episode.subtasks[1:]] + [episode.duration]
        episodes[str(episode.index)] = {
            "episode_index": episode.index,
            "description": episode.description,
            "skills": [
                {"name": subtask.label, "start": subtask.start, "end": end}
                for subtask, end in zip(episode.subtasks, ends, strict=True)
            ],
        }
    return {
        "coarse_description": coarse,
        "skill_to_subtask_index": {label: i for i, label in enumerate(labels)},
        "episodes": episodes,
    }


def skills_bytes(document: Mapping[str, Any]) -> bytes:
    """Serialised as the old annotator did (`json.dump(..., indent=2)`)."""
    return json.dumps(document, indent=2).encode()


def subtasks_parquet(labels: Sequence[str]) -> bytes:
    """`meta/subtasks.parquet`: written by pandas, so `pd.read_parquet` restores the index."""
    import pandas as pd  # lazily: only the export needs pandas

    frame = pd.DataFrame(
        {SUBTASK_INDEX_NAME: list(labels), SUBTASK_COLUMN: np.arange(len(labels), dtype=np.int64)}
    ).set_index(SUBTASK_INDEX_NAME)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", compression="snappy")
    return buffer.getvalue()
