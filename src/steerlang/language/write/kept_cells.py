"""Existing language cells in the declared types, whichever tool wrote them.

A `--only_episodes` write keeps the other episodes' cells, and the shard must
still end up with exactly the declared types. Shards rewritten by Hugging Face
`datasets` store the cells with nullable `role`/`timestamp` and tool calls as
JSON text; LeRobot 0.6.1's `lerobot-annotate` lets pyarrow infer the types
(`timestamp: double`, `camera: null`, tool calls as nested structs). Arrow's
cast matches struct fields by name and converts all of that except tool calls
stored as structs, which become canonical JSON text here, as if they had been
staged (`schema.encode_tool_call`).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from steerlang.schema import COLUMN_TYPES, JSON_TYPE, encode_tool_call

TOOL_CALLS = "tool_calls"


def declared_cells(column: pa.Array, name: str) -> pa.Array:
    """`column` (one language column's cells) cast to the declared type of column `name`.

    Raises `pa.ArrowInvalid` / `pa.ArrowNotImplementedError` when the cells cannot be
    held by it (a null `role`, a field of another kind)."""
    return _tool_calls_as_text(column).cast(COLUMN_TYPES[name])


def _tool_calls_as_text(column: pa.Array) -> pa.Array:
    """`column` with tool calls of any non-text element type turned into JSON text."""
    if not _is_list(column.type):
        return column
    rows = column.values
    if not pa.types.is_struct(rows.type) or rows.type.get_field_index(TOOL_CALLS) < 0:
        return column
    position = rows.type.get_field_index(TOOL_CALLS)
    calls = rows.field(position)
    if not _is_list(calls.type) or _is_text_list(calls.type):
        return column  # the cast converts it, or says why it cannot
    text = pa.array([_texts(value) for value in calls.to_pylist()], type=pa.list_(pa.string()))
    children = [text if i == position else rows.field(i) for i in range(rows.type.num_fields)]
    fields = [
        pa.field(TOOL_CALLS, text.type) if i == position else rows.type.field(i)
        for i in range(rows.type.num_fields)
    ]
    struct = pa.StructArray.from_arrays(
        children, fields=fields, mask=rows.is_null() if rows.null_count else None
    )
    return type(column).from_arrays(
        column.offsets, struct, mask=column.is_null() if column.null_count else None
    )


def _is_list(data_type: pa.DataType) -> bool:
    return bool(pa.types.is_list(data_type) or pa.types.is_large_list(data_type))


def _is_text_list(data_type: pa.DataType) -> bool:
    """A list of strings or JSON (or of nulls): Arrow casts these to the declared tool calls."""
    element = data_type.value_type
    return bool(
        element == JSON_TYPE
        or pa.types.is_null(element)
        or pa.types.is_string(element)
        or pa.types.is_large_string(element)
    )


def _texts(calls: list[Any] | None) -> list[str] | None:
    return None if calls is None else [encode_tool_call(call) for call in calls]
