"""The rules of SPEC §5 over one episode's rows, wherever the rows came from.

Rows are in staging form (`staging_lines`: every row has a `timestamp`; for
events it is their frame's). Staging rows come tagged with their module and
line, dataset rows with their column and position, so every problem points at
the row that breaks the rule.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from steerlang.dataset.records import CameraInfo
from steerlang.language.problems import Problem, Severity
from steerlang.language.reasoning_shape import reasoning_problems
from steerlang.language.vqa_shapes import vqa_answer_problems
from steerlang.schema import (
    EVENTS_COLUMN,
    LANGUAGE_COLUMNS,
    PERSISTENT_COLUMN,
    REASONING_STYLE,
    Row,
    column_for_style,
    row_problems,
    speech_text,
)

ROLE_OF_STYLE = {
    "interjection": "user",
    "task_aug": "user",
    "subtask": "assistant",
    "plan": "assistant",
    "memory": "assistant",
    REASONING_STYLE: "assistant",
}


@dataclass(frozen=True)
class SourcedRow:
    """A row and where it was read: a module's staging line or a column position."""

    row: Row
    source: str
    line: int


def check_episode(
    episode: int,
    rows: Sequence[SourcedRow],
    frame_timestamps: np.ndarray,
    cameras: Mapping[str, CameraInfo] | None,
) -> list[Problem]:
    """Every problem of one episode's rows (per-row rules first, then cross-row rules).

    `cameras` are the dataset's camera features (any key LeRobot counts as a
    camera); when unknown (None, or a dataset without any) a grounded row may
    name any camera.
    """
    frames = np.asarray(frame_timestamps, dtype=np.float32)
    problems: list[Problem] = []
    valid: list[SourcedRow] = []
    for item in rows:
        found = _row_rules(item, frames, cameras)
        problems += [Problem("error", msg, episode, item.source, item.line) for msg in found]
        if not found:
            valid.append(item)
    problems += _cross_rules(episode, valid)
    return problems


def _row_rules(
    item: SourcedRow, frames: np.ndarray, cameras: Mapping[str, CameraInfo] | None
) -> list[str]:
    row = item.row
    style = row.get("style")
    try:
        routed = column_for_style(style)
    except ValueError as exc:
        return [str(exc)]
    column = item.source if item.source in LANGUAGE_COLUMNS else routed
    as_stored = row if column == PERSISTENT_COLUMN else _without_timestamp(row)
    # Without camera features (e.g. `synth --no-video`) nothing says which camera a row
    # meant; like LeRobot's own check, it must then only name one.
    problems = row_problems(as_stored, column, list(cameras) if cameras else None)
    expected_role = ROLE_OF_STYLE.get(style) if style is not None else None
    if expected_role and row.get("role") != expected_role:
        problems.append(f"{style} rows have role {expected_role!r}, got {row.get('role')!r}")
    if style == "vqa" and row.get("role") not in {"user", "assistant"}:
        problems.append("vqa rows are a user question and an assistant answer")
    timestamp = row.get("timestamp")
    if problems or timestamp is None:
        return problems
    stamp = np.float32(timestamp)
    if column == EVENTS_COLUMN:
        if not np.any(frames == stamp):
            nearest = int(np.argmin(np.abs(frames - stamp)))
            problems.append(
                f"event timestamp {float(timestamp)!r} is not a frame timestamp of the episode "
                f"(nearest: frame {nearest} at {float(frames[nearest])!r}); stamp events with "
                "the stored frame timestamp"
            )
    elif not frames[0] <= stamp <= frames[-1]:
        problems.append(
            f"timestamp {float(timestamp)} lies outside the episode "
            f"({float(frames[0])}..{float(frames[-1])} s)"
        )
    if style == "task_aug" and stamp != frames[0]:
        problems.append("task_aug rows belong on the episode's first frame")
    if style == "vqa" and row.get("role") == "assistant":
        camera = (cameras or {}).get(row.get("camera") or "")
        problems += vqa_answer_problems(
            row.get("content"), camera.width if camera else None, camera.height if camera else None
        )
    if style == REASONING_STYLE:
        problems += reasoning_problems(row.get("content"), cameras)
    return problems


def _without_timestamp(row: Row) -> Row:
    return {key: value for key, value in row.items() if key != "timestamp"}


def _cross_rules(episode: int, rows: Sequence[SourcedRow]) -> list[Problem]:
    by_style: dict[str | None, list[SourcedRow]] = defaultdict(list)
    for item in rows:
        by_style[item.row.get("style")].append(item)
    found: list[tuple[Severity, SourcedRow, str]] = [
        *_subtask_rules(by_style),
        *_interjection_rules(by_style),
        *_vqa_pair_rules(by_style["vqa"]),
    ]
    return [Problem(sev, msg, episode, item.source, item.line) for sev, item, msg in found]


def _stamp(item: SourcedRow) -> np.float32:
    stamp: np.float32 = np.float32(item.row["timestamp"])
    return stamp


def _subtask_rules(
    by_style: Mapping[str | None, list[SourcedRow]],
) -> list[tuple[Severity, SourcedRow, str]]:
    """Subtasks start strictly one after another (spans ordered, no overlap); memory and
    reasoning on a boundary, one reasoning row per boundary."""
    found: list[tuple[Severity, SourcedRow, str]] = []
    subtasks = by_style.get("subtask", [])
    for previous, item in itertools.pairwise(subtasks):
        if _stamp(item) <= _stamp(previous):
            found.append(
                (
                    "error",
                    item,
                    f"subtask at {float(_stamp(item))} s does not start after the "
                    "previous one; subtask spans must be ordered and must not overlap",
                )
            )
    boundaries = {_stamp(item) for item in subtasks}
    for item in by_style.get("memory", []):
        if _stamp(item) not in boundaries:
            found.append(("warning", item, "memory row is not on a subtask boundary"))
    seen: set[np.float32] = set()
    for item in by_style.get(REASONING_STYLE, []):
        if _stamp(item) in seen:
            found.append(("error", item, "two reasoning rows at the same timestamp"))
        seen.add(_stamp(item))
        if _stamp(item) not in boundaries:
            found.append(("warning", item, "reasoning row is not at a subtask start"))
    return found


def _interjection_rules(
    by_style: Mapping[str | None, list[SourcedRow]],
) -> list[tuple[Severity, SourcedRow, str]]:
    """Each interjection is answered aloud on its frame and refreshes the plan there."""
    speech = {_stamp(item) for item in by_style.get(None, []) if speech_text(item.row)}
    plans = {_stamp(item) for item in by_style.get("plan", [])}
    found: list[tuple[Severity, SourcedRow, str]] = []
    for item in by_style.get("interjection", []):
        if _stamp(item) not in speech:
            found.append(("error", item, "interjection has no speech atom on the same frame"))
        if _stamp(item) not in plans:
            found.append(("error", item, "interjection has no plan row at the same timestamp"))
    return found


def _vqa_pair_rules(rows: Sequence[SourcedRow]) -> list[tuple[Severity, SourcedRow, str]]:
    """Exactly one question and one answer per (frame, camera) that has any."""
    roles: dict[tuple[np.float32, str], Counter[str]] = defaultdict(Counter)
    first: dict[tuple[np.float32, str], SourcedRow] = {}
    for item in rows:
        key = (_stamp(item), item.row["camera"])
        roles[key][item.row["role"]] += 1
        first.setdefault(key, item)
    return [
        (
            "error",
            first[key],
            f"frame at {float(key[0])} s, camera {key[1]} has "
            f"{count['user']} VQA question(s) and {count['assistant']} answer(s); "
            "expected exactly one pair",
        )
        for key, count in roles.items()
        if count["user"] != 1 or count["assistant"] != 1
    ]
