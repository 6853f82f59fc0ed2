"""An episode's persistent language, compiled once into sorted, filtered row groups.

Every frame of an episode carries the same `language_persistent` list, so the
work of decoding, sorting and filtering it is done once per episode; resolving
a binding for a sample is then a bisection over one group's timestamps.
"""

from __future__ import annotations

import copy
import json
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from steerlang.schema import persistent_sort_key, tool_call_names

Row = Mapping[str, Any]
GroupKey = tuple[str | None, str | None, str | None, str | None]  # style, role, camera, tool_name

_FLOAT32 = struct.Struct("<f")


def float32(value: float) -> float:
    """`value` rounded to float32, the precision of timestamps on disk.

    Rounding both sides means `t = frame / fps` computed in float64 still finds
    the row stamped at that frame's stored float32 time.
    """
    rounded: float = _FLOAT32.unpack(_FLOAT32.pack(value))[0]
    return rounded


def decoded_tool_calls(row: object) -> list[dict[str, Any]] | None:
    """Fresh copies of a row's tool calls (decoded when stored as JSON text), or None."""
    calls = row.get("tool_calls") if isinstance(row, Mapping) else None
    if not calls:
        return None
    return [json.loads(call) if isinstance(call, str) else copy.deepcopy(call) for call in calls]


def row_tool_names(row: Row) -> list[str]:
    """Function names called by a row, whether its tool calls are JSON text or objects."""
    calls = row.get("tool_calls")
    if not calls:
        return []
    return tool_call_names({"tool_calls": decoded_tool_calls(row)})


def row_matches(row: Row, key: GroupKey) -> bool:
    """Whether a row passes the filters of a group key (None = no filter)."""
    style, role, camera, tool_name = key
    return (
        (style is None or row.get("style") == style)
        and (role is None or row.get("role") == role)
        and (camera is None or row.get("camera") == camera)
        and (tool_name is None or tool_name in row_tool_names(row))
    )


class RowGroup:
    """The persistent rows passing one filter, in (timestamp, style, role) order."""

    __slots__ = ("rows", "timestamps")

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.timestamps = [row["timestamp"] for row in rows]


class EpisodeLanguage:
    """One episode's `language_persistent`, indexed for bisection by filter.

    Groups are built on first use per filter, so only the filters a recipe
    actually uses are ever computed.
    """

    __slots__ = ("_groups", "rows", "task_aug")

    def __init__(self, persistent: Sequence[Row] | None) -> None:
        stored = [_normalized(row) for row in persistent or ()]
        #: `task_aug` user contents in their stored order (the rotation indexes into it)
        self.task_aug: tuple[str | None, ...] = tuple(
            row.get("content")
            for row in stored
            if row.get("style") == "task_aug" and row.get("role") == "user"
        )
        self.rows: list[Row] = sorted(stored, key=persistent_sort_key)
        self._groups: dict[GroupKey, RowGroup] = {}

    def group(self, key: GroupKey) -> RowGroup:
        """Rows passing `key`'s filters, sorted; computed once per key."""
        found = self._groups.get(key)
        if found is None:
            found = RowGroup([row for row in self.rows if row_matches(row, key)])
            self._groups[key] = found
        return found


def _normalized(row: Row) -> dict[str, Any]:
    normalized = dict(row)
    normalized["timestamp"] = float32(float(row["timestamp"]))
    return normalized
