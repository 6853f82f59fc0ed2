"""Resolver edges: ties, ambiguity messages, offsets, tolerance, filters."""

from __future__ import annotations

import pytest

from steerlang import schema
from steerlang.errors import SteerlangError
from steerlang.render import EpisodeLanguage
from steerlang.render.language_index import float32
from steerlang.render.resolver_spec import parse_resolver_spec
from steerlang.render.resolvers import make_resolver
from tests.render_fixtures import FRONT, WRIST, erow, frame_time, prow, vqa_pair

SUBTASKS = [prow("subtask", f"s{k}", float(k)) for k in range(4)]  # at 0, 1, 2, 3 s


def resolve(spec: str, persistent=(), events=(), t=0.0):
    resolver = make_resolver("b", parse_resolver_spec(spec))
    return resolver(EpisodeLanguage(persistent), list(events), float32(t), 0, None, None)


def content(row):
    return None if row is None else row["content"]


@pytest.mark.parametrize(
    ("t", "expected"),
    [(-0.5, None), (0.0, "s0"), (0.99, "s0"), (1.0, "s1"), (2.5, "s2"), (3.0, "s3"), (99.0, "s3")],
)
def test_active_at_latest_row_at_or_before_t(t, expected):
    assert content(resolve("active_at(t, style=subtask)", SUBTASKS, t=t)) == expected


def test_active_at_ignores_other_styles_and_roles():
    rows = [*SUBTASKS, prow("plan", "p", 0.5), prow("subtask", "user view", 1.5, role="user")]
    assert content(resolve("active_at(t, style=subtask, role=assistant)", rows, t=1.7)) == "s1"
    assert content(resolve("active_at(t, style=subtask, role=user)", rows, t=1.7)) == "user view"
    assert content(resolve("active_at(t, style=subtask, role=user)", rows, t=1.0)) is None


def test_active_at_tie_is_ambiguous_and_names_the_filter_to_add():
    rows = [*SUBTASKS, prow("subtask", "same time, other role", 1.0, role="user")]
    with pytest.raises(SteerlangError) as info:
        resolve("active_at(t, style=subtask)", rows, t=1.2)
    message = str(info.value)
    assert "binding 'b'" in message and "2 rows match" in message
    assert "add role=... (one of: assistant, user)" in message
    # the filter it suggests resolves the tie
    assert content(resolve("active_at(t, style=subtask, role=assistant)", rows, t=1.2)) == "s1"
    # a tie in the past no longer matters once a later row is active
    assert content(resolve("active_at(t, style=subtask)", rows, t=2.0)) == "s2"


def test_identical_duplicates_say_the_data_is_wrong():
    rows = [prow("plan", "a", 1.0), prow("plan", "b", 1.0)]
    with pytest.raises(SteerlangError, match="duplicate annotations"):
        resolve("active_at(t, style=plan)", rows, t=1.0)


@pytest.mark.parametrize(
    ("spec", "t", "expected"),
    [
        ("nth_prev(style=subtask, offset=1)", 2.5, "s1"),
        ("nth_prev(style=subtask, offset=2)", 2.5, "s0"),
        ("nth_prev(style=subtask, offset=3)", 2.5, None),  # past the start
        ("nth_prev(style=subtask, offset=1)", 0.0, None),
        ("nth_prev(style=subtask, offset=1)", -1.0, None),  # no active row
        ("nth_next(style=subtask, offset=1)", 2.5, "s3"),
        ("nth_next(style=subtask, offset=2)", 2.5, None),  # past the end
        ("nth_next(style=subtask, offset=1)", -1.0, "s0"),  # no active row: the offset-th row
        ("nth_next(style=subtask, offset=4)", -1.0, "s3"),
        ("nth_next(style=subtask, offset=5)", -1.0, None),
        ("nth_next(t, style=subtask)", 0.0, "s1"),
    ],
)
def test_nth_prev_and_next(spec, t, expected):
    assert content(resolve(spec, SUBTASKS, t=t)) == expected


def test_nth_walks_rows_in_timestamp_style_role_order():
    # stored out of order; the walk follows (ts, style, role)
    rows = [prow("memory", "m2", 2.0), prow("memory", "m0", 0.0), prow("memory", "m1", 1.0)]
    assert content(resolve("nth_prev(style=memory, offset=1)", rows, t=2.0)) == "m1"
    assert content(resolve("nth_next(style=memory, offset=1)", rows, t=0.5)) == "m1"


@pytest.mark.parametrize(
    ("t", "found"), [(1.0, True), (1.09, True), (0.91, True), (1.11, False), (0.89, False)]
)
def test_emitted_at_persistent_uses_a_tenth_of_a_second_tolerance(t, found):
    rows = [prow("plan", "p0", 0.0), prow("plan", "refresh", 1.0)]
    assert content(resolve("emitted_at(t, style=plan)", rows, t=t)) == (
        "refresh" if found else None
    )


def test_emitted_at_persistent_two_rows_within_tolerance_is_ambiguous():
    rows = [prow("plan", "a", 1.0), prow("plan", "b", 1.05)]
    with pytest.raises(SteerlangError, match="2 rows match"):
        resolve("emitted_at(t, style=plan)", rows, t=1.02)


def test_float64_frame_time_finds_float32_stamped_rows():
    fps = 30
    frame = 7
    rows = [prow("subtask", "first", 0.0), prow("subtask", "second", frame_time(frame, fps))]
    # frame / fps in float64 is above or below the stored float32 value; either way it resolves
    assert content(resolve("active_at(t, style=subtask)", rows, t=frame / fps)) == "second"


def test_emitted_at_events_filters_by_camera_role_and_tool_name():
    events = [
        *vqa_pair(FRONT, "q front", {"label": "cube", "count": 1}),
        *vqa_pair(WRIST, "q wrist", {"label": "cube", "count": 2}),
        erow("interjection", "stop", "user"),
        schema.speech_atom("ok"),
    ]
    assert (
        content(resolve(f"emitted_at(t, style=vqa, role=user, camera={WRIST})", events=events))
        == "q wrist"
    )
    assert content(
        resolve(f"emitted_at(t, style=vqa, role=assistant, camera={FRONT})", events=events)
    ) == ('{"label": "cube", "count": 1}')
    assert content(resolve("emitted_at(t, style=interjection)", events=events)) == "stop"
    speech = resolve("emitted_at(t, role=assistant, tool_name=say)", events=events)
    assert speech["tool_calls"][0]["function"]["arguments"] == {"text": "ok"}
    assert resolve("emitted_at(t, role=assistant, tool_name=wave)", events=events) is None
    assert resolve("emitted_at(t, style=trace)", events=events) is None


def test_tool_name_filter_reads_json_text_tool_calls():
    stored = schema.events_column([schema.speech_atom("hello")], [0], 1).to_pylist()[0]
    assert isinstance(stored[0]["tool_calls"][0], str)
    assert resolve("emitted_at(t, role=assistant, tool_name=say)", events=stored) is stored[0]


def test_multi_camera_vqa_without_camera_filter_names_camera():
    events = [
        *vqa_pair(FRONT, "q1", {"label": "a", "count": 1}),
        *vqa_pair(WRIST, "q2", {"label": "a", "count": 1}),
    ]
    with pytest.raises(SteerlangError) as info:
        resolve("emitted_at(t, style=vqa, role=assistant)", events=events)
    message = str(info.value)
    assert f"add camera=... (one of: {FRONT}, {WRIST})" in message
    assert "camera=${camera}" in message


def test_events_never_read_from_persistent_and_vice_versa():
    rows = [prow("plan", "p", 0.0)]
    events = [erow("interjection", "hey", "user")]
    assert resolve("emitted_at(t, style=interjection)", rows, (), t=0.0) is None
    assert resolve("emitted_at(t, style=plan)", (), events, t=0.0) is None
