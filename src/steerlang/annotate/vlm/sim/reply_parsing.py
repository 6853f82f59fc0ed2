"""Reply text → validated answer or typed failure, for the in-process sim backend.

A minimal version of the robust extraction SPEC §5 asks of every client (strip
`<think>` blocks, take the first balanced JSON object, validate), until the
shared `steerlang.annotate.vlm.jsonparse` lands and replaces it.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ValidationError

from steerlang.annotate.vlm.types import FailureKind, VlmFailure

THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


def first_object(text: str) -> str | None:
    """The first balanced `{...}` in `text`, honouring JSON strings and escapes."""
    start = text.find("{")
    if start < 0:
        return None
    depth, in_string, escaped = 0, False, False
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
                return text[start : i + 1]
    return None


def parse_reply(text: str, model: type[BaseModel]) -> tuple[BaseModel | None, VlmFailure | None]:
    """(answer, None) when the reply holds a valid answer, else (None, failure)."""
    visible = THINK.sub("", text).strip()
    if not visible:
        return None, VlmFailure(FailureKind.EMPTY, "empty reply", text)
    candidate = first_object(visible)
    if candidate is None:
        return None, VlmFailure(FailureKind.UNPARSEABLE, "no JSON object in the reply", text)
    try:
        payload = json.loads(candidate)
    except json.JSONDecodeError as exc:
        return None, VlmFailure(FailureKind.UNPARSEABLE, f"invalid JSON: {exc}", text)
    try:
        return model.model_validate(payload), None
    except ValidationError as exc:
        return None, VlmFailure(FailureKind.SCHEMA_INVALID, str(exc), text)
