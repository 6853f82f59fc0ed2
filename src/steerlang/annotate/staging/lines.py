"""The staging line format: one JSON object per annotation row, one row per line.

    {"timestamp": 1.2333333492279053, "style": "subtask", "role": "assistant",
     "content": "grasp the sponge by its handle", "camera": null, "tool_calls": null}

- `timestamp` (required, number): seconds from the episode start. Persistent
  rows are in force from it; event rows are placed on the frame whose stored
  float32 `timestamp` equals `float32(timestamp)` exactly, so modules write the
  frame's stored value (`float(np.float32(t))` prints it losslessly).
- `style`, `role`, `content`, `camera`: as in the language columns (SPEC §3);
  the style decides the column (persistent styles vs events / null).
- `tool_calls`: a list of JSON objects (not JSON text), or null.

Lines keep the order the module emitted them in; that order is the tie-break
of the persistent sort. The writer turns lines into column rows by dropping
`timestamp` from event rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from steerlang.errors import SteerlangError
from steerlang.schema import Row

LINE_FIELDS = ("timestamp", "style", "role", "content", "camera", "tool_calls")


@dataclass(frozen=True)
class LineError:
    """A staging line that is not a row at all (bad JSON, wrong fields)."""

    line: int
    message: str


class StagingLineError(SteerlangError):
    """A malformed staging line; names the file's episode, module and line."""

    def __init__(self, episode: int, module: str, error: LineError) -> None:
        super().__init__(
            f"episode {episode}, {module}.jsonl line {error.line}: {error.message}; "
            f"fix or delete the line, or clear the module (`steerlang staging --clear={module}`)"
        )
        self.episode = episode
        self.module = module
        self.line = error.line


def encode_rows(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Rows → staging bytes (canonical: fixed field order, sorted keys inside tool calls)."""
    lines = []
    for row in rows:
        unknown = set(row) - set(LINE_FIELDS)
        if unknown:
            raise ValueError(f"staging rows have no field(s) {sorted(unknown)}")
        if "timestamp" not in row:
            raise ValueError("every staging row needs a timestamp")
        record: dict[str, Any] = {name: row.get(name) for name in LINE_FIELDS}
        record["timestamp"] = float(record["timestamp"])
        calls = record["tool_calls"]
        if calls is not None:
            record["tool_calls"] = [json.loads(json.dumps(c, sort_keys=True)) for c in calls]
        lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False))
    return "".join(f"{line}\n" for line in lines).encode()


@dataclass
class ParsedLines:
    """The rows of a staging file, the line each came from, and the lines that are not rows."""

    rows: list[Row] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def parse_rows(data: bytes) -> ParsedLines:
    """Staging bytes → rows, plus an error for every line that is not a row.

    Blank lines are ignored. Field values are not judged here (that is the
    validator's job); only the shape of the line is.
    """
    parsed = ParsedLines()
    errors = parsed.errors
    for number, text in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(LineError(number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        problem = _line_shape_problem(value)
        if problem:
            errors.append(LineError(number, problem))
            continue
        parsed.rows.append({name: value.get(name) for name in LINE_FIELDS})
        parsed.line_numbers.append(number)
    return parsed


def _line_shape_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"expected a JSON object, got {type(value).__name__}"
    unknown = set(value) - set(LINE_FIELDS)
    if unknown:
        return f"unknown field(s) {sorted(unknown)}; a line has {', '.join(LINE_FIELDS)}"
    timestamp = value.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        return "missing or non-numeric timestamp"
    if not math.isfinite(timestamp):
        return "timestamp must be finite"
    return None
