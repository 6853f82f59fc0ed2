"""Read the old subtask labelling: `meta/skills.json`, or the per-frame `subtask_index`
with its labels from `meta/subtasks.parquet` (read with pandas, as its consumers do).

Both become spans per episode: a label and a start in seconds (skills.json spans
also have an end; a run of equal `subtask_index` values has none — it lasts until
the next run). Negative `subtask_index` values mean "no subtask", as the old tool
wrote them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from steerlang.dataset.parquet_files import read_parquet
from steerlang.dataset.reader import LeRobotDataset
from steerlang.errors import SteerlangError
from steerlang.legacy.formats import SKILLS_PATH, SUBTASK_COLUMN, SUBTASK_INDEX_NAME, SUBTASKS_PATH


@dataclass(frozen=True)
class OldSpan:
    name: str
    start: float
    end: float | None = None


def read_skills(root: Path) -> dict[int, list[OldSpan]]:
    """Each episode of `meta/skills.json` and its skills, in the file's order."""
    path = root / SKILLS_PATH
    document = _json(path)
    episodes = document.get("episodes") if isinstance(document, dict) else None
    if not isinstance(episodes, dict):
        raise SteerlangError(
            f'{path} has no "episodes" object; it is not the skills.json LeRobot\'s skill '
            "annotator writes"
        )
    found = {}
    for key, entry in episodes.items():
        if not str(key).isdigit() or not isinstance(entry, dict):
            raise SteerlangError(f'{path}: episodes["{key}"] must be keyed by an episode index')
        skills = entry.get("skills")
        if not isinstance(skills, list):
            raise SteerlangError(f'{path}: episodes["{key}"] has no "skills" list')
        found[int(key)] = [_span(path, key, i, skill) for i, skill in enumerate(skills)]
    return found


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SteerlangError(f"{path} is not valid JSON ({exc}); restore or remove it") from None


def _span(path: Path, key: str, position: int, skill: Any) -> OldSpan:
    where = f'{path}: episodes["{key}"] skill {position}'
    if not isinstance(skill, dict):
        raise SteerlangError(f"{where} is not an object with name, start and end")
    name = skill.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SteerlangError(f"{where} has no name; name it or remove it")
    times: list[Any] = [skill.get("start"), skill.get("end")]
    if not all(_number(t) for t in times):
        raise SteerlangError(f"{where} ({name!r}) needs numeric start and end seconds")
    return OldSpan(name, float(times[0]), float(times[1]))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_labels(root: Path) -> dict[int, str] | None:
    """subtask_index → label: `meta/subtasks.parquet`, else skills.json's
    `skill_to_subtask_index`; None when neither exists."""
    path = root / SUBTASKS_PATH
    if path.is_file():
        import pandas as pd  # lazily: only an import of the per-frame column needs pandas

        frame = pd.read_parquet(path)
        if SUBTASK_INDEX_NAME in frame.columns:
            frame = frame.set_index(SUBTASK_INDEX_NAME)
        if SUBTASK_COLUMN not in frame.columns:
            raise SteerlangError(f"{path} has no {SUBTASK_COLUMN!r} column")
        return {int(i): str(label) for label, i in frame[SUBTASK_COLUMN].items()}
    if (root / SKILLS_PATH).is_file():
        document = _json(root / SKILLS_PATH)
        mapping = document.get("skill_to_subtask_index") if isinstance(document, dict) else None
        if isinstance(mapping, dict):
            return {int(i): str(label) for label, i in mapping.items()}
    return None


def column_spans(dataset: LeRobotDataset, labels: dict[int, str]) -> dict[int, list[OldSpan]]:
    """Each episode's runs of equal, non-negative `subtask_index` values, labelled."""
    found: dict[int, list[OldSpan]] = {}
    for shard in dataset.data_files():
        table = read_parquet(shard, columns=["timestamp", SUBTASK_COLUMN])
        values = table.column(SUBTASK_COLUMN).to_numpy()
        stamps = table.column("timestamp").to_numpy().astype(np.float32, copy=False)
        for episode in dataset.episodes_in(shard):
            codes = values[episode.row_start : episode.row_stop]
            times = stamps[episode.row_start : episode.row_stop]
            firsts = (
                np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
                if len(codes)
                else np.empty(0, np.intp)
            )
            spans = []
            for first in firsts:
                code = int(codes[first])
                if code < 0:
                    continue
                if code not in labels:
                    raise SteerlangError(
                        f"episode {episode.index} has subtask_index {code}, which "
                        f"{SUBTASKS_PATH} does not name; restore the file that goes with the data"
                    )
                spans.append(OldSpan(labels[code], float(times[first])))
            found[episode.index] = spans
    return found
