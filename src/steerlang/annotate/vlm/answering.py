"""The answer loop every generating backend shares: ask, parse, one repair retry.

Backends differ only in how they turn messages into reply text (HTTP, local
`generate`); prompting for JSON without a server-side schema, re-asking with
the parse error, and the failure taxonomy are the same everywhere.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from steerlang.annotate.vlm.jsonparse import parse_answer
from steerlang.annotate.vlm.types import (
    FailureKind,
    Message,
    TextPart,
    VlmFailure,
    VlmRequest,
    VlmResult,
    context_text,
)

REPAIRABLE = (
    FailureKind.UNPARSEABLE,
    FailureKind.SCHEMA_INVALID,
    FailureKind.OUT_OF_IMAGE,
    FailureKind.UNUSABLE,
)
MAX_ECHOED_CHARS = 4000


class TransportError(Exception):
    """The reply never arrived (connection, timeout, HTTP status) after all retries."""


Generate = Callable[[tuple[Message, ...]], Awaitable[str | None]]


@functools.lru_cache(maxsize=256)
def schema_instruction(answer_model: type[BaseModel]) -> str:
    schema = json.dumps(answer_model.model_json_schema(), separators=(",", ":"))
    return (
        "Reply with exactly one JSON object and nothing else (no prose, no code fences). "
        f"It must match this JSON schema: {schema}"
    )


def with_schema_instruction(
    messages: tuple[Message, ...], answer_model: type[BaseModel]
) -> tuple[Message, ...]:
    """The messages with the JSON-schema instruction in the system message (made if absent)."""
    part = TextPart(schema_instruction(answer_model))
    if messages and messages[0].role == "system":
        first = messages[0]
        return (Message("system", (*first.parts, part)), *messages[1:])
    return (Message("system", (part,)), *messages)


def repair_conversation(
    sent: tuple[Message, ...], reply: str, failure: VlmFailure, request: VlmRequest
) -> tuple[Message, ...]:
    """The conversation re-asking for a usable answer, with what was wrong with the last one.

    The request context goes with the new user turn too: it is the last user
    message that carries it (see `VlmRequest.with_context_part`).
    """
    echoed = reply if len(reply) <= MAX_ECHOED_CHARS else reply[:MAX_ECHOED_CHARS] + "…"
    ask = (
        f"Your reply could not be used: {failure.message}. "
        "Answer again with exactly one JSON object that matches the schema, and nothing else."
    )
    parts: list[TextPart] = [TextPart(ask), TextPart(schema_instruction(request.answer_model))]
    if request.context:
        parts.append(TextPart(context_text(request.purpose, request.context)))
    return (*sent, Message("assistant", (TextPart(echoed),)), Message("user", tuple(parts)))


async def answer_with_repair(
    request: VlmRequest,
    sent: tuple[Message, ...],
    generate: Generate,
    repair_retries: int = 1,
) -> VlmResult:
    """Ask with `sent`; on an unparseable or schema-invalid reply, re-ask with the error."""
    started = time.monotonic()
    conversation = sent
    attempts = 0
    text: str | None = None
    failure: VlmFailure | None
    while True:
        attempts += 1
        try:
            text = await generate(conversation)
        except TransportError as exc:
            failure = VlmFailure(FailureKind.TRANSPORT, str(exc), text)
            return _result(request, None, failure, text, attempts, started)
        parsed = parse_answer(text, request.answer_model)
        failure = parsed.failure
        if parsed.answer is not None:
            failure = request.judge(parsed.answer) if request.judge is not None else None
            if failure is None:
                return _result(request, parsed.answer, None, text, attempts, started)
        assert failure is not None
        if failure.kind not in REPAIRABLE or attempts > repair_retries:
            return _result(request, None, failure, text, attempts, started)
        conversation = repair_conversation(sent, text or "", failure, request)


def _result(
    request: VlmRequest,
    answer: BaseModel | None,
    failure: VlmFailure | None,
    text: str | None,
    attempts: int,
    started: float,
) -> VlmResult:
    return VlmResult(
        purpose=request.purpose,
        answer=answer,
        failure=failure,
        raw_text=text,
        attempts=attempts,
        latency_s=time.monotonic() - started,
    )
