"""The language contract (SPEC §3): styles, routing, row rules, the `say` tool, Arrow types.

Everything that reads or writes the two language columns takes its facts from
here, so the writer, the validator and the renderer can never disagree.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

PERSISTENT_COLUMN = "language_persistent"
EVENTS_COLUMN = "language_events"
LANGUAGE_COLUMNS = (PERSISTENT_COLUMN, EVENTS_COLUMN)
LEGACY_SUBTASK_COLUMN = "subtask_index"

REASONING_STYLE = "reasoning"  # ECoT-style chain of thought per subtask (language.reasoning_shape)
PERSISTENT_STYLES = frozenset({"subtask", "plan", "memory", "motion", "task_aug", REASONING_STYLE})
EVENT_STYLES = frozenset({"interjection", "vqa", "trace"})
# The styles LeRobot 0.6.1 routes by itself; it raises on any other unless a package adds
# it to `lerobot.datasets.language.EXTENDED_STYLES` and `PERSISTENT_STYLES` first.
LEROBOT_CORE_STYLES = frozenset(
    {"subtask", "plan", "memory", "motion", "task_aug", "interjection", "vqa", "trace"}
)
EXTENDED_STYLES = (PERSISTENT_STYLES | EVENT_STYLES) - LEROBOT_CORE_STYLES
CAMERA_STYLES = frozenset({"vqa", "trace"})
ROLES = frozenset({"user", "assistant", "system", "tool"})
CAMERA_PREFIX = (
    "observation.images."  # the usual camera key prefix; not required (see is_camera_key)
)
CAMERA_DTYPES = frozenset({"video", "image"})

SAY_TOOL_NAME = "say"
SAY_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": SAY_TOOL_NAME,
        "description": "Speak a short utterance to the user via the TTS executor.",
        "parameters": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "The verbatim text to speak."},
            },
            "required": ["text"],
        },
    },
}
DEFAULT_TOOLS: tuple[dict[str, Any], ...] = (SAY_TOOL,)

LANGUAGE_FEATURE: dict[str, Any] = {"dtype": "language", "shape": [1], "names": None}

JSON_TYPE = pa.json_()
TOOL_CALLS_TYPE = pa.list_(JSON_TYPE)

PERSISTENT_ROW_TYPE = pa.struct(
    [
        pa.field("role", pa.string(), nullable=False),
        pa.field("content", pa.string()),
        pa.field("style", pa.string()),
        pa.field("timestamp", pa.float32(), nullable=False),
        pa.field("camera", pa.string()),
        pa.field("tool_calls", TOOL_CALLS_TYPE),
    ]
)
EVENT_ROW_TYPE = pa.struct(
    [
        pa.field("role", pa.string(), nullable=False),
        pa.field("content", pa.string()),
        pa.field("style", pa.string()),
        pa.field("camera", pa.string()),
        pa.field("tool_calls", TOOL_CALLS_TYPE),
    ]
)
PERSISTENT_TYPE = pa.list_(PERSISTENT_ROW_TYPE)
EVENTS_TYPE = pa.list_(EVENT_ROW_TYPE)
COLUMN_TYPES: dict[str, pa.DataType] = {
    PERSISTENT_COLUMN: PERSISTENT_TYPE,
    EVENTS_COLUMN: EVENTS_TYPE,
}
ROW_TYPES: dict[str, pa.StructType] = {
    PERSISTENT_COLUMN: PERSISTENT_ROW_TYPE,
    EVENTS_COLUMN: EVENT_ROW_TYPE,
}

Row = dict[str, Any]


def column_for_style(style: str | None) -> str:
    """Which language column a row of this style lives in (`None` = tool-call atom → events)."""
    if style is None or style in EVENT_STYLES:
        return EVENTS_COLUMN
    if style in PERSISTENT_STYLES:
        return PERSISTENT_COLUMN
    known = ", ".join(sorted(PERSISTENT_STYLES | EVENT_STYLES))
    raise ValueError(f"unknown language style {style!r}; known styles: {known}, or null")


def style_needs_camera(style: str | None) -> bool:
    """Camera rule: only grounded styles (`vqa`, `trace`) name a camera."""
    return style in CAMERA_STYLES


def is_camera_feature(feature: Mapping[str, Any]) -> bool:
    """LeRobot's rule: every feature stored as `video` or `image` is a camera, whatever its key."""
    return feature.get("dtype") in CAMERA_DTYPES


def is_depth_feature(feature: Mapping[str, Any]) -> bool:
    """A depth view: `info.is_depth_map` (or the legacy `video.is_depth_map`, as LeRobot reads it)."""
    info = feature.get("info") or {}
    legacy = feature.get("video_info") or {}
    return bool(
        info.get("is_depth_map")
        or info.get("video.is_depth_map")
        or legacy.get("video.is_depth_map")
    )


def camera_keys(features: Mapping[str, Mapping[str, Any]], include_depth: bool = True) -> list[str]:
    """The camera features of a dataset's `info.json`, in feature order (depth views optional)."""
    return [
        key
        for key, feature in features.items()
        if is_camera_feature(feature) and (include_depth or not is_depth_feature(feature))
    ]


def is_camera_key(key: str, features: Mapping[str, Mapping[str, Any]] | None = None) -> bool:
    """Whether `key` names a camera.

    With the dataset's `features` this is LeRobot's rule (dtype `video`/`image`,
    any key). Without them only the conventional `observation.images.*` prefix
    can tell, so callers that know the dataset should pass its features.
    """
    if features is not None:
        feature = features.get(key)
        return isinstance(feature, Mapping) and is_camera_feature(feature)
    return key.startswith(CAMERA_PREFIX) and len(key) > len(CAMERA_PREFIX)


def speech_atom(text: str) -> Row:
    """An assistant turn that only calls `say(text)`: the spoken reply of SPEC §3."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a speech atom needs non-empty text")
    return {
        "role": "assistant",
        "content": None,
        "style": None,
        "camera": None,
        "tool_calls": [
            {"type": "function", "function": {"name": SAY_TOOL_NAME, "arguments": {"text": text}}}
        ],
    }


def tool_call_names(row: Mapping[str, Any]) -> list[str]:
    """Function names of a row's tool calls (malformed entries give no name)."""
    names = []
    for call in row.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, Mapping) else None
        name = function.get("name") if isinstance(function, Mapping) else None
        if isinstance(name, str):
            names.append(name)
    return names


def speech_text(row: Mapping[str, Any]) -> str | None:
    """The text of a well-formed speech atom, else None."""
    if row.get("role") != "assistant" or row.get("style") is not None:
        return None
    if row.get("content") is not None or row.get("camera") is not None:
        return None
    calls = row.get("tool_calls") or []
    if len(calls) != 1 or tool_call_names(row) != [SAY_TOOL_NAME]:
        return None
    arguments = calls[0]["function"].get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return None
    text = arguments.get("text") if isinstance(arguments, Mapping) else None
    return text if isinstance(text, str) and text.strip() else None


def row_problems(
    row: Mapping[str, Any], column: str, cameras: Iterable[str] | None = None
) -> list[str]:
    """Every way a row breaks the contract of its column; empty when it is valid.

    `cameras` are the dataset's camera feature keys: a grounded row must name
    one of them. When they are unknown (None), any non-empty key is accepted.
    """
    problems: list[str] = []
    expected = set(ROW_TYPES[column].names)
    unknown = set(row) - expected
    if unknown:
        problems.append(f"unknown field(s) {sorted(unknown)} for {column}")
    style = row.get("style")
    try:
        routed = column_for_style(style)
    except ValueError as exc:
        return [*problems, str(exc)]
    if routed != column:
        problems.append(f"style {style!r} belongs in {routed}, not {column}")
    role = row.get("role")
    if role not in ROLES:
        problems.append(f"role {role!r} is not one of {sorted(ROLES)}")
    content = row.get("content")
    if content is not None and not isinstance(content, str):
        problems.append("content must be a string or null")
    calls = row.get("tool_calls")
    if calls is not None and not (
        isinstance(calls, list) and all(isinstance(c, Mapping) for c in calls)
    ):
        problems.append("tool_calls must be a list of objects or null")
        calls = None
    if content is None and not calls:
        problems.append("a row needs content or tool_calls")
    if style is None and not calls:
        problems.append("a row with style null is a tool-call atom and needs tool_calls")
    camera = row.get("camera")
    if style_needs_camera(style):
        problems += _camera_problems(style, camera, cameras)
    elif camera is not None:
        problems.append(f"style {style!r} must have camera null, got {camera!r}")
    if column == PERSISTENT_COLUMN:
        timestamp = row.get("timestamp")
        if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float, np.floating)):
            problems.append("a persistent row needs a numeric timestamp")
    if SAY_TOOL_NAME in tool_call_names(row) and speech_text(row) is None:
        problems.append("a say tool call must be a speech atom with non-empty text")
    return problems


def _camera_problems(style: str | None, camera: Any, cameras: Iterable[str] | None) -> list[str]:
    if not isinstance(camera, str) or not camera:
        return [f"style {style!r} must name the camera feature it is grounded in"]
    if cameras is None:
        return []
    known = list(cameras)
    if camera not in known:
        listed = ", ".join(known) if known else "none"
        return [f"camera {camera!r} is not a camera of this dataset (its cameras: {listed})"]
    return []


def persistent_sort_key(row: Mapping[str, Any]) -> tuple[float, str, str]:
    """Order of `language_persistent`; use with a stable sort so ties keep emission order."""
    return (float(np.float32(row["timestamp"])), row.get("style") or "", row["role"])


def event_sort_key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    """Order of the events on one frame."""
    return (row.get("style") or "", row["role"], row.get("camera") or "")


def encode_tool_call(call: Mapping[str, Any]) -> str:
    """Canonical JSON text of one tool call (stable bytes across runs)."""
    return json.dumps(call, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def rows_to_struct_array(rows: Sequence[Mapping[str, Any]], column: str) -> pa.StructArray:
    """Rows of one column → a struct array of exactly the declared type (nothing inferred)."""
    row_type = ROW_TYPES[column]
    children: list[pa.Array] = []
    for field in row_type:
        if field.name == "tool_calls":
            children.append(_tool_calls_array(rows))
        elif field.name == "timestamp":
            values = np.array([row["timestamp"] for row in rows], dtype=np.float32)
            children.append(pa.array(values, type=pa.float32()))
        else:
            children.append(pa.array([row.get(field.name) for row in rows], type=field.type))
    return pa.StructArray.from_arrays(children, fields=list(row_type))


def _tool_calls_array(rows: Sequence[Mapping[str, Any]]) -> pa.Array:
    offsets = [0]
    texts: list[str] = []
    valid: list[bool] = []
    for row in rows:
        calls = row.get("tool_calls")
        valid.append(calls is not None)
        texts.extend(encode_tool_call(call) for call in calls or ())
        offsets.append(len(texts))
    storage = pa.array(texts, type=pa.string())
    values = pa.ExtensionArray.from_storage(JSON_TYPE, storage)
    mask = pa.array([not v for v in valid], type=pa.bool_())
    return pa.ListArray.from_arrays(
        pa.array(offsets, type=pa.int32()), values, type=TOOL_CALLS_TYPE, mask=mask
    )


def list_array(values: pa.StructArray, offsets: np.ndarray, column: str) -> pa.ListArray:
    """Wrap struct rows into the column's list type with the given int32 offsets."""
    return pa.ListArray.from_arrays(
        pa.array(np.asarray(offsets, dtype=np.int32), type=pa.int32()),
        values,
        type=COLUMN_TYPES[column],
    )


def persistent_struct(rows: Sequence[Mapping[str, Any]]) -> pa.StructArray:
    """An episode's persistent rows in their column order, once (one element per row)."""
    return rows_to_struct_array(sorted(rows, key=persistent_sort_key), PERSISTENT_COLUMN)


def persistent_column(rows: Sequence[Mapping[str, Any]], n_frames: int) -> pa.ListArray:
    """The same persistent list on every one of an episode's frames, built without a frame loop."""
    struct = persistent_struct(rows)
    return list_array(
        repeated(struct, n_frames), repeat_offsets(len(struct), n_frames), PERSISTENT_COLUMN
    )


def repeat_offsets(k: int, n_frames: int) -> np.ndarray:
    """List offsets giving each of `n_frames` frames the same `k` elements."""
    return np.arange(n_frames + 1, dtype=np.int64) * k


def repeated(array: pa.Array, times: int) -> pa.Array:
    """`array` concatenated `times` times, by doubling: a few large copies, no per-element take."""
    total = len(array) * times
    out = array
    while 0 < 2 * len(out) <= total:
        out = pa.concat_arrays([out, out])
    if len(out) > total:
        return out.slice(0, total)
    return pa.concat_arrays([out, out.slice(0, total - len(out))])


def events_column(
    rows: Sequence[Mapping[str, Any]], frame_positions: Sequence[int], n_frames: int
) -> pa.ListArray:
    """Event rows placed on their frames (position within the episode), empty elsewhere."""
    positions = np.asarray(frame_positions, dtype=np.int64)
    if len(positions) != len(rows):
        raise ValueError("each event row needs exactly one frame position")
    if len(positions) and (positions.min() < 0 or positions.max() >= n_frames):
        raise ValueError(f"event frame position outside the episode's {n_frames} frames")
    keyed = sorted(range(len(rows)), key=lambda i: (positions[i], *event_sort_key(rows[i])))
    struct = rows_to_struct_array([rows[i] for i in keyed], EVENTS_COLUMN)
    counts = np.bincount(positions, minlength=n_frames)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return list_array(struct, offsets, EVENTS_COLUMN)


def empty_column(column: str, n_frames: int) -> pa.ListArray:
    """An all-empty language column for frames with no annotation."""
    struct = rows_to_struct_array([], column)
    return list_array(struct, np.zeros(n_frames + 1, dtype=np.int32), column)


def rows_from_arrow(value: Sequence[Mapping[str, Any]] | None) -> list[Row]:
    """One cell read back (`to_pylist`) → rows with tool calls decoded from JSON text."""
    rows = []
    for item in value or ():
        row = dict(item)
        calls = row.get("tool_calls")
        if calls is not None:
            row["tool_calls"] = [json.loads(c) if isinstance(c, str) else c for c in calls]
        rows.append(row)
    return rows


def language_features() -> dict[str, dict[str, Any]]:
    """The `info.json` feature entries for both columns (fresh copies)."""
    return {column: copy.deepcopy(LANGUAGE_FEATURE) for column in LANGUAGE_COLUMNS}


def merge_tools(existing: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The user's tools plus ours, merged by function name; a user's definition wins."""
    merged: list[dict[str, Any]] = [copy.deepcopy(dict(tool)) for tool in existing or ()]
    names = {tool.get("function", {}).get("name") for tool in merged}
    for tool in DEFAULT_TOOLS:
        if tool["function"]["name"] not in names:
            merged.append(copy.deepcopy(tool))
    return merged
