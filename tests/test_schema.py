"""The language contract: styles, routing, row rules and exact Arrow types."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steerlang import schema


def subtask(ts: float, text: str = "grasp the cup", style: str = "subtask") -> dict:
    role = "user" if style == "task_aug" else "assistant"
    return {"role": role, "content": text, "style": style, "timestamp": ts, "camera": None}


def test_persistent_type_is_exact() -> None:
    row = schema.PERSISTENT_ROW_TYPE
    assert [f.name for f in row] == [
        "role",
        "content",
        "style",
        "timestamp",
        "camera",
        "tool_calls",
    ]
    assert [f.nullable for f in row] == [False, True, True, False, True, True]
    assert row.field("timestamp").type == pa.float32()
    assert row.field("tool_calls").type == pa.list_(pa.json_())
    assert pa.list_(row) == schema.PERSISTENT_TYPE


def test_events_type_is_exact() -> None:
    row = schema.EVENT_ROW_TYPE
    assert [f.name for f in row] == ["role", "content", "style", "camera", "tool_calls"]
    assert [f.nullable for f in row] == [False, True, True, True, True]
    assert isinstance(row.field("tool_calls").type.value_type, pa.JsonType)


@pytest.mark.parametrize(
    ("style", "column"),
    [
        ("subtask", "language_persistent"),
        ("plan", "language_persistent"),
        ("memory", "language_persistent"),
        ("motion", "language_persistent"),
        ("task_aug", "language_persistent"),
        ("interjection", "language_events"),
        ("vqa", "language_events"),
        ("trace", "language_events"),
        (None, "language_events"),
    ],
)
def test_column_for_style(style, column) -> None:
    assert schema.column_for_style(style) == column


def test_unknown_style_is_an_error_listing_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown language style 'chatter'.*subtask"):
        schema.column_for_style("chatter")


def test_speech_atom_shape() -> None:
    atom = schema.speech_atom("On it!")
    assert atom == {
        "role": "assistant",
        "content": None,
        "style": None,
        "camera": None,
        "tool_calls": [
            {"type": "function", "function": {"name": "say", "arguments": {"text": "On it!"}}}
        ],
    }
    assert schema.speech_text(atom) == "On it!"
    assert schema.row_problems(atom, "language_events") == []
    with pytest.raises(ValueError):
        schema.speech_atom("  ")


def test_row_rules() -> None:
    cams = ["observation.images.top"]
    vqa = {"role": "user", "content": "Where?", "style": "vqa", "camera": cams[0]}
    assert schema.row_problems(vqa, "language_events", cams) == []
    assert "must name" in schema.row_problems({**vqa, "camera": None}, "language_events")[0]
    wrong_cam = {**vqa, "camera": "observation.images.side"}
    assert (
        "not a camera of this dataset" in schema.row_problems(wrong_cam, "language_events", cams)[0]
    )
    cam_on_subtask = {**subtask(0.0), "camera": cams[0]}
    assert "camera null" in schema.row_problems(cam_on_subtask, "language_persistent")[0]
    misrouted = schema.row_problems(subtask(0.0), "language_events")
    assert any("belongs in language_persistent" in p for p in misrouted)
    empty = {"role": "assistant", "content": None, "style": "plan", "timestamp": 0.0}
    assert any(
        "needs content or tool_calls" in p
        for p in schema.row_problems(empty, "language_persistent")
    )
    tool_atom = {"role": "assistant", "content": "hi", "style": None, "camera": None}
    assert any("needs tool_calls" in p for p in schema.row_problems(tool_atom, "language_events"))
    bad_say = schema.speech_atom("x")
    bad_say["tool_calls"][0]["function"]["arguments"] = {"text": ""}
    assert any("speech atom" in p for p in schema.row_problems(bad_say, "language_events"))
    assert any(
        "timestamp" in p
        for p in schema.row_problems({**subtask(0.0), "timestamp": None}, "language_persistent")
    )


def test_persistent_column_repeats_sorted_rows_on_every_frame() -> None:
    rows = [
        subtask(1.0, "b"),
        {**subtask(0.0, "the task", "task_aug")},
        subtask(0.0, "a"),
        {**subtask(0.0, "paraphrase", "task_aug")},
    ]
    column = schema.persistent_column(rows, 4)
    assert column.type == schema.PERSISTENT_TYPE
    assert len(column) == 4
    first = column[0].as_py()
    assert all(column[i].as_py() == first for i in range(4))
    # sorted by (timestamp, style, role), ties keep emission order
    assert [r["content"] for r in first] == ["a", "the task", "paraphrase", "b"]
    assert all(isinstance(r["timestamp"], float) for r in first)


def test_events_column_places_rows_on_their_frames() -> None:
    atom = schema.speech_atom("sure")
    question = {"role": "user", "content": "Q", "style": "vqa", "camera": "observation.images.top"}
    column = schema.events_column([atom, question], [2, 0], 3)
    assert column.type == schema.EVENTS_TYPE
    values = column.to_pylist()
    assert values[0][0]["content"] == "Q" and values[1] == []
    assert schema.rows_from_arrow(values[2]) == [atom]
    with pytest.raises(ValueError, match=r"outside"):
        schema.events_column([atom], [3], 3)


def test_types_survive_a_parquet_round_trip(tmp_path) -> None:
    table = pa.table(
        {
            "language_persistent": schema.persistent_column([subtask(0.5)], 2),
            "language_events": schema.events_column([schema.speech_atom("ok")], [1], 2),
        }
    )
    pq.write_table(table, tmp_path / "x.parquet")
    back = pq.read_table(tmp_path / "x.parquet")
    persistent = back.schema.field("language_persistent").type.value_type
    assert persistent == schema.PERSISTENT_ROW_TYPE
    assert back.schema.field("language_events").type.value_type == schema.EVENT_ROW_TYPE
    call = back.column("language_events")[1].as_py()[0]["tool_calls"][0]
    assert json.loads(call)["function"]["name"] == "say"
    assert back.column("language_persistent")[0].as_py()[0]["timestamp"] == np.float32(0.5)


def test_empty_column_has_declared_type() -> None:
    for column in schema.LANGUAGE_COLUMNS:
        empty = schema.empty_column(column, 5)
        assert empty.type == schema.COLUMN_TYPES[column]
        assert empty.to_pylist() == [[]] * 5


def test_info_entries_and_tool_merge() -> None:
    assert schema.language_features() == {
        "language_persistent": {"dtype": "language", "shape": [1], "names": None},
        "language_events": {"dtype": "language", "shape": [1], "names": None},
    }
    mine = {"type": "function", "function": {"name": "say", "description": "my own"}}
    other = {"type": "function", "function": {"name": "wave"}}
    assert schema.merge_tools(None) == [schema.SAY_TOOL]
    assert schema.merge_tools([mine]) == [mine]
    assert schema.merge_tools([other]) == [other, schema.SAY_TOOL]
