"""The request/result vocabulary every VLM backend and pipeline module shares.

A request carries messages (text, JPEG image and video parts), a pydantic answer model
(its JSON schema goes to the server; the reply is validated against it),
sampling parameters, a purpose tag and a small `context` of grounding facts
(episode, camera, times). The context is sent as the last text part of the
request ("Context (JSON): {...}"): it tells a real model the exact source times
of what it sees, and lets the simulated backend answer from ground truth.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

CONTEXT_PREFIX = "Context (JSON): "
# A model id starting with this names a simulated model (steerlang's sim server or backend):
# runs against it are labelled simulated in their run record and summary.
SIMULATED_MODEL_PREFIX = "steerlang-sim"


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ImagePart:
    """A JPEG image and what it shows: camera, source size and the size sent."""

    jpeg: bytes
    width: int
    height: int
    camera: str | None = None
    source_width: int | None = None
    source_height: int | None = None


@dataclass(frozen=True)
class VideoPart:
    """One video block: JPEG `frames` sampled `fps` apart, or an `mp4` clip for the server to
    read at `fps` (exactly one of the two is given)."""

    fps: float
    frames: tuple[bytes, ...] = ()
    mp4: bytes | None = None
    camera: str | None = None

    def __post_init__(self) -> None:
        if (self.mp4 is None) == (not self.frames):
            raise ValueError("a VideoPart holds either JPEG frames or an mp4 clip")

    @property
    def media_type(self) -> str:
        return "video/jpeg" if self.mp4 is None else "video/mp4"

    @property
    def size(self) -> int:
        """Bytes of media it carries."""
        return len(self.mp4) if self.mp4 is not None else sum(len(f) for f in self.frames)


Part = TextPart | ImagePart | VideoPart


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.0
    max_new_tokens: int = 1024
    top_p: float | None = None
    seed: int | None = None


@dataclass(frozen=True)
class VlmRequest:
    """One question. `judge` looks at an answer that passed the schema and may still turn it
    down (e.g. a box outside the image): a judged-out answer is a failed, retried call that
    is never cached. It is not part of what identifies the request."""

    purpose: str
    messages: tuple[Message, ...]
    answer_model: type[BaseModel]
    sampling: SamplingParams = field(default_factory=SamplingParams)
    context: Mapping[str, Any] = field(default_factory=dict)
    judge: Callable[[BaseModel], VlmFailure | None] | None = field(default=None, compare=False)

    def with_context_part(self) -> tuple[Message, ...]:
        """The messages as sent: the context appended to the last user message."""
        if not self.context:
            return self.messages
        *head, last = self.messages
        block = TextPart(context_text(self.purpose, self.context))
        return (*head, Message(last.role, (*last.parts, block)))


class FailureKind(str, enum.Enum):
    UNPARSEABLE = "unparseable"  # no JSON object could be extracted
    SCHEMA_INVALID = "schema_invalid"  # JSON, but not what the answer model requires
    EMPTY = "empty"  # empty reply or a refusal
    TRANSPORT = "transport"  # HTTP/connection/timeout failure after retries
    OUT_OF_IMAGE = "out_of_image"  # a box or point outside the image it was asked about
    UNUSABLE = "unusable"  # fits the schema but says nothing usable (e.g. no span in the window)


@dataclass(frozen=True)
class VlmFailure:
    kind: FailureKind
    message: str
    raw_text: str | None = None


@dataclass(frozen=True)
class VlmResult:
    """The validated answer, or a typed failure keeping the raw text for diagnostics."""

    purpose: str
    answer: BaseModel | None
    failure: VlmFailure | None = None
    raw_text: str | None = None
    attempts: int = 1
    cached: bool = False
    latency_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.answer is not None


class VlmBackend(Protocol):
    """Anything that can answer a request: openai-compatible HTTP, transformers, sim."""

    model_id: str

    @property
    def simulated(self) -> bool:
        """True when the answers come from a simulator, not a model."""
        ...

    async def complete(self, request: VlmRequest) -> VlmResult: ...

    async def aclose(self) -> None: ...


def context_text(purpose: str, context: Mapping[str, Any]) -> str:
    payload = {"purpose": purpose, **context}
    return CONTEXT_PREFIX + json.dumps(payload, sort_keys=True, separators=(",", ":"))


def parse_context(text: str) -> dict[str, Any] | None:
    """The context a request carried in one of its text parts, if any."""
    for line in reversed(text.splitlines()):
        if line.startswith(CONTEXT_PREFIX):
            context: dict[str, Any] = json.loads(line[len(CONTEXT_PREFIX) :])
            return context
    return None
