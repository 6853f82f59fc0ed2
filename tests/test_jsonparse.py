"""JSON extraction from model replies: examples of each wrapping, then properties."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from steerlang.annotate.vlm.jsonparse import (
    ExtractionError,
    extract_json_object,
    first_balanced_object,
    parse_answer,
    strip_reasoning,
)
from steerlang.annotate.vlm.types import FailureKind


class Span(BaseModel):
    label: str = Field(min_length=1)
    start: float


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('<think>maybe {"a": 0}?</think>{"a": 1}', {"a": 1}),
        ('<THINK>x</THINK>\n{"a": 1}', {"a": 1}),
        ('plan: first } then {"a": 1} done', {"a": 1}),
        ('all reasoning here</think> {"a": 1}', {"a": 1}),
        ('Sure! ```json\n{"a": 1}\n```\nHope that helps {"b": 2}', {"a": 1}),
        ('```\n{"a": {"b": [1, {"c": "}"}]}}\n```', {"a": {"b": [1, {"c": "}"}]}}),
        ('{"q": "she said \\"{\\" and left"} trailing', {"q": 'she said "{" and left'}),
        ('{"broken": } then {"a": 1}', {"a": 1}),
        ('[1, 2] and {"a": 1}', {"a": 1}),
    ],
)
def test_extracts_the_answer_object(reply: str, expected: dict) -> None:
    assert extract_json_object(reply) == expected


@pytest.mark.parametrize(
    "reply",
    ["no json here", '{"a": 1', '<think>{"a": 1}</think> nothing after', '{"a": tru}'],
)
def test_no_usable_object_is_an_extraction_error(reply: str) -> None:
    with pytest.raises(ExtractionError):
        extract_json_object(reply)


def test_unclosed_leading_think_hides_everything_after_it() -> None:
    assert strip_reasoning('  <think>{"a": 1} still thinking') == ""
    with pytest.raises(ExtractionError):
        extract_json_object('<think>{"a": 1} still thinking')


def test_think_tags_inside_answer_strings_are_kept() -> None:
    assert extract_json_object('{"a": "<think>", "b": "x</think>"}') == {
        "a": "<think>",
        "b": "x</think>",
    }


def test_parse_answer_failure_kinds() -> None:
    assert parse_answer("", Span).failure.kind is FailureKind.EMPTY
    assert parse_answer(None, Span).failure.kind is FailureKind.EMPTY
    assert parse_answer("<think>hmm</think>  ", Span).failure.kind is FailureKind.EMPTY
    unparseable = parse_answer("I cannot tell.", Span)
    assert unparseable.failure.kind is FailureKind.UNPARSEABLE
    assert unparseable.failure.raw_text == "I cannot tell."
    invalid = parse_answer('{"label": "", "start": "soon"}', Span)
    assert invalid.failure.kind is FailureKind.SCHEMA_INVALID
    assert "label" in invalid.failure.message and "start" in invalid.failure.message
    ok = parse_answer('```json\n{"label": "grasp", "start": 1.5}\n```', Span)
    assert ok.failure is None and ok.answer == Span(label="grasp", start=1.5)


# --- properties ---------------------------------------------------------------

# Answer strings may hold anything but a closing think tag (the one ambiguity: it
# could also close reasoning the chat template opened; see `answer_views`).
answer_text = st.text().filter(lambda s: "</think>" not in s.lower())
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | answer_text
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(answer_text, inner, max_size=4),
    max_leaves=12,
)
json_objects = st.dictionaries(answer_text, json_values, max_size=5)
# Prose a model puts around its answer: anything without braces, fences or think tags.
prose = st.text().filter(
    lambda s: not any(t in s.lower() for t in ("{", "```", "<think>", "</think>"))
)
# Reasoning may contain anything, braces and half-objects included, but not its closing tag.
reasoning = st.text().filter(lambda s: "</think>" not in s.lower())


@st.composite
def wrapped_replies(draw: st.DrawFn) -> tuple[str, dict]:
    obj = draw(json_objects)
    text = json.dumps(
        obj, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans())
    )
    if draw(st.booleans()):
        text = f"```{draw(st.sampled_from(['', 'json', 'JSON']))}\n{text}\n```"
    text = draw(prose) + text + draw(prose)
    if draw(st.booleans()):
        text = f"<think>{draw(reasoning)}</think>" + text
    return text, obj


@settings(max_examples=300, deadline=None)
@given(wrapped_replies())
def test_any_wrapped_object_comes_back_unchanged(case: tuple[str, dict]) -> None:
    reply, obj = case
    assert extract_json_object(reply) == obj


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_yields_an_object_or_an_extraction_error(text: str) -> None:
    with contextlib.suppress(ExtractionError):
        assert isinstance(extract_json_object(text), dict)


@settings(max_examples=300, deadline=None)
@given(prose, json_objects, st.text())
def test_first_balanced_object_is_the_first_object(before: str, obj: dict, after: str) -> None:
    encoded = json.dumps(obj)
    found = first_balanced_object(before + encoded + after)
    assert found == encoded
