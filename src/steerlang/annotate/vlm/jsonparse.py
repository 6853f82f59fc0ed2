"""Reply text → validated answer, or a typed failure.

Models wrap JSON in reasoning (`<think>…</think>`), markdown fences and prose,
or stop mid-object. Every backend funnels replies through `parse_answer`, so
what counts as a usable answer is decided in one place.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from steerlang.annotate.vlm.types import FailureKind, VlmFailure

LEADING_THINK = re.compile(r"\A\s*<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)
FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)


def strip_reasoning(text: str) -> str:
    """The reply without the reasoning blocks it opens with (an unclosed one runs to the end)."""
    while (match := LEADING_THINK.match(text)) is not None:
        text = text[match.end() :]
    return text


def answer_views(text: str) -> list[str]:
    """Where to look for the answer, best first.

    Reasoning comes first in a reply: leading `<think>` blocks are dropped. Some
    chat templates open the block in the prompt, so the reply only closes it:
    then what follows the last `</think>` is looked at first, the whole reply
    after that (the tag might sit inside the answer's own strings).
    """
    if LEADING_THINK.match(text) is not None:
        return [strip_reasoning(text)]
    closes = list(THINK_CLOSE.finditer(text))
    if closes:
        return [text[closes[-1].end() :], text]
    return [text]


def fenced_blocks(text: str) -> list[str]:
    """The contents of the markdown code fences in `text`, in order."""
    return FENCE.findall(text)


def balanced_objects(text: str) -> Iterator[str]:
    """Every top-level `{...}` whose braces balance, in order, skipping braces in JSON strings.

    An opening brace that never closes is skipped, so an object after it is still found.
    """
    start = text.find("{")
    while start >= 0:
        end = _object_end(text, start)
        if end is None:
            start = text.find("{", start + 1)
        else:
            yield text[start:end]
            start = text.find("{", end)


def first_balanced_object(text: str) -> str | None:
    return next(balanced_objects(text), None)


def _object_end(text: str, start: int) -> int | None:
    depth = 0
    in_string = escaped = False
    for i in range(start, len(text)):
        char = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


class ExtractionError(ValueError):
    """No JSON object could be read from a reply."""


def extract_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a reply: reasoning stripped, fences preferred, then any object.

    Raises `ExtractionError` when no candidate parses as a JSON object.
    """
    candidates = itertools.chain.from_iterable(
        itertools.chain(*(balanced_objects(b) for b in fenced_blocks(view)), balanced_objects(view))
        for view in answer_views(text)
    )
    errors: list[str] = []
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError as exc:
            errors.append(str(exc))
            continue
        if isinstance(value, dict):
            return value
    if errors:
        raise ExtractionError(f"the JSON object in the reply does not parse: {errors[0]}")
    raise ExtractionError("the reply holds no JSON object")


@dataclass(frozen=True)
class ParsedReply:
    """Exactly one of `answer` and `failure` is set."""

    answer: BaseModel | None
    failure: VlmFailure | None


def parse_answer(text: str | None, answer_model: type[BaseModel]) -> ParsedReply:
    """Validate a reply against the answer model; say precisely why it is unusable if so."""
    if text is None or not answer_views(text)[0].strip():
        return ParsedReply(None, VlmFailure(FailureKind.EMPTY, "the reply is empty", text))
    try:
        payload = extract_json_object(text)
    except ExtractionError as exc:
        return ParsedReply(None, VlmFailure(FailureKind.UNPARSEABLE, str(exc), text))
    try:
        return ParsedReply(answer_model.model_validate(payload), None)
    except ValidationError as exc:
        message = f"the JSON does not match the schema: {_short_errors(exc)}"
        return ParsedReply(None, VlmFailure(FailureKind.SCHEMA_INVALID, message, text))


def _short_errors(exc: ValidationError, limit: int = 5) -> str:
    """Pydantic's errors as `path: message` lines a model can act on."""
    lines = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "(root)"
        lines.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)
