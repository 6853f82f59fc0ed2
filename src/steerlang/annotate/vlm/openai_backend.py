"""The backend for any OpenAI-compatible server (vLLM, `transformers serve`, sim-server).

Structured output is asked for with `response_format` json_schema, and a video's
frame rate with vLLM's `mm_processor_kwargs` (`{"fps": ...}`: the rate frames were
sampled at, or the rate to read a clip at). Either is dropped, per server, when the
server refuses it (`transformers serve` answers 422 to fields it does not know): the
request goes again without it, and that server never gets it again (the schema then
goes in the prompt).

Videos go as vLLM's `video_url` part: sampled frames as one `data:video/jpeg;base64,`
URL of comma-separated base64 JPEGs (vLLM's frame-list form), a clip as a
`data:video/mp4;base64,` URL. `transformers serve` maps `video_url` to its video
loader, which reads http(s) URLs and local paths only, so it refuses both: such a
call is a failed call like any other refusal.

Transient failures (429, 5xx, timeouts, refused connections) are retried with
exponential backoff and jitter — or after the server's `Retry-After`, when it
says — on whichever replica is healthy.

It speaks HTTP through `httpx2` (which huggingface_hub already brings), not the
`openai` SDK: the backend needs one POST and one GET, and the SDK cost 1.3–1.8 s of
every `steerlang` start-up in imports (`python -X importtime`).
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import functools
import random
import time
from typing import Any

import httpx2
from pydantic import BaseModel

from steerlang.annotate.vlm.answering import (
    TransportError,
    answer_with_repair,
    with_schema_instruction,
)
from steerlang.annotate.vlm.replicas import Replica, ReplicaPool
from steerlang.annotate.vlm.types import (
    SIMULATED_MODEL_PREFIX,
    ImagePart,
    Message,
    VideoPart,
    VlmRequest,
    VlmResult,
)
from steerlang.errors import RunStopped

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
FIELD_REJECTION_STATUSES = frozenset({400, 422})
RESPONSE_FORMAT, FPS_HINT = "response_format", "mm_processor_kwargs"
MAX_RETRY_AFTER_S = 120.0  # a server asking for longer is treated as asking for this


class HttpStatus(Exception):
    """A reply with an error status: its code, what the server said, and its Retry-After."""

    def __init__(self, status: int, detail: str, retry_after_s: float | None) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail
        self.retry_after_s = retry_after_s


def image_data_url(image: ImagePart) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(image.jpeg).decode("ascii")


def video_data_url(video: VideoPart) -> str:
    """A clip as one mp4 data URL; frames as vLLM's `video/jpeg` list (base64 JPEGs joined by
    commas)."""
    if video.mp4 is not None:
        return "data:video/mp4;base64," + base64.b64encode(video.mp4).decode("ascii")
    frames = ",".join(base64.b64encode(frame).decode("ascii") for frame in video.frames)
    return "data:video/jpeg;base64," + frames


def wire_messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """Messages in chat.completions form: text parts, JPEG data-URL image parts and
    `video_url` video parts."""
    out: list[dict[str, Any]] = []
    for message in messages:
        content: list[dict[str, Any]] = []
        for part in message.parts:
            if isinstance(part, ImagePart):
                content.append({"type": "image_url", "image_url": {"url": image_data_url(part)}})
            elif isinstance(part, VideoPart):
                content.append({"type": "video_url", "video_url": {"url": video_data_url(part)}})
            else:
                content.append({"type": "text", "text": part.text})
        out.append({"role": message.role, "content": content})
    return out


def fps_hint(messages: tuple[Message, ...]) -> dict[str, Any] | None:
    """vLLM's `mm_processor_kwargs` telling the rate of the videos sent (None: no video)."""
    rates = [p.fps for m in messages for p in m.parts if isinstance(p, VideoPart)]
    if not rates:
        return None
    return {"fps": rates[0] if len(rates) == 1 else rates}


@functools.lru_cache(maxsize=256)
def json_schema_format(answer_model: type[BaseModel]) -> dict[str, Any]:
    """`response_format` for an answer model (built once: pydantic's schema is not free)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": answer_model.__name__, "schema": answer_model.model_json_schema()},
    }


class OpenAIBackend:
    """Answers requests through `chat.completions` on a pool of replicas."""

    def __init__(
        self,
        model_id: str,
        pool: ReplicaPool,
        *,
        structured_output: bool = True,
        chat_template_kwargs: dict[str, Any] | None = None,
        reasoning_effort: str | None = None,
        max_retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 20.0,
        repair_retries: int = 1,
    ) -> None:
        self.model_id = model_id
        self.pool = pool
        self.structured_output = structured_output
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.repair_retries = repair_retries
        self._extra_body: dict[str, Any] = {}
        if chat_template_kwargs:
            self._extra_body["chat_template_kwargs"] = dict(chat_template_kwargs)
        if reasoning_effort:
            self._extra_body["reasoning_effort"] = reasoning_effort

    @property
    def simulated(self) -> bool:
        return self.model_id.startswith(SIMULATED_MODEL_PREFIX)

    async def complete(self, request: VlmRequest) -> VlmResult:
        async def generate(conversation: tuple[Message, ...]) -> str | None:
            return await self._generate(request, conversation)

        sent = request.with_context_part()
        return await answer_with_repair(request, sent, generate, self.repair_retries)

    def backoff_s(self, retry: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, capped."""
        ceiling: float = min(self.backoff_max_s, self.backoff_base_s * 2**retry)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    async def _generate(self, request: VlmRequest, conversation: tuple[Message, ...]) -> str | None:
        last_error = "no attempt made"
        wait_s = 0.0
        for retry in range(self.max_retries + 1):
            if retry:
                await asyncio.sleep(max(self.backoff_s(retry - 1), wait_s))
            wait_s = 0.0
            replica = await self.pool.acquire(wait_s=self.backoff_s(retry))
            try:
                text = await self._send(replica, request, conversation)
            except HttpStatus as exc:
                if exc.status not in RETRY_STATUSES:
                    raise await self._refusal(replica, exc) from None
                self.pool.failed(replica, unreachable=False)
                last_error = f"HTTP {exc.status} from {replica.base_url}: {exc.detail}"
                wait_s = min(exc.retry_after_s or 0.0, MAX_RETRY_AFTER_S)
            except httpx2.TimeoutException:
                self.pool.failed(replica, unreachable=False)
                last_error = (
                    f"timed out after {self.pool.timeout_s:g} s waiting for {replica.base_url}; "
                    "raise --vlm.timeout_s"
                )
            except httpx2.TransportError as exc:
                self.pool.failed(replica, unreachable=True)
                last_error = f"cannot reach {replica.base_url}: {type(exc).__name__} {exc}"
            else:
                self.pool.succeeded(replica)
                return text
            finally:
                self.pool.release(replica)
        raise TransportError(f"{last_error} (after {self.max_retries + 1} attempts)")

    def _optional_fields(
        self, request: VlmRequest, conversation: tuple[Message, ...]
    ) -> dict[str, Any]:
        """The body fields a server may refuse, in the order they are given up."""
        fields: dict[str, Any] = {}
        hint = fps_hint(conversation)
        if hint is not None:
            fields[FPS_HINT] = hint
        if self.structured_output:
            fields[RESPONSE_FORMAT] = json_schema_format(request.answer_model)
        return fields

    async def _send(
        self, replica: Replica, request: VlmRequest, conversation: tuple[Message, ...]
    ) -> str | None:
        """One request with the optional fields this server has not refused.

        Refused with a field whose fate on this server is not known yet, the request
        goes again without one such field at a time; the field whose removal lets it
        through (or turns the refusal into another error) is the one the server lacks,
        and it is never sent there again.
        """
        fields = {
            name: value
            for name, value in self._optional_fields(request, conversation).items()
            if replica.accepts.get(name) is not False
        }
        dropped = None
        while True:
            try:
                text = await self._post(replica, request, conversation, fields)
            except HttpStatus as exc:
                untested = [name for name in fields if name not in replica.accepts]
                if exc.status not in FIELD_REJECTION_STATUSES:
                    if dropped is not None:
                        replica.accepts.setdefault(dropped, False)
                    raise
                # A request in flight while another one learnt what this server refuses.
                learnt = [name for name in fields if replica.accepts.get(name) is False]
                if learnt:
                    fields = {k: v for k, v in fields.items() if k not in learnt}
                    continue
                if not untested:
                    raise
                dropped = untested[0]
                del fields[dropped]
                continue
            for name in fields:
                replica.accepts[name] = True
            if dropped is not None:
                replica.accepts.setdefault(dropped, False)
            return text

    async def _post(
        self,
        replica: Replica,
        request: VlmRequest,
        conversation: tuple[Message, ...],
        fields: dict[str, Any],
    ) -> str | None:
        sampling = request.sampling
        messages = (
            conversation
            if RESPONSE_FORMAT in fields
            else with_schema_instruction(conversation, request.answer_model)
        )
        body: dict[str, Any] = {
            "model": self.model_id,
            "messages": wire_messages(messages),
            "max_tokens": sampling.max_new_tokens,
            "temperature": sampling.temperature,
        }
        if sampling.top_p is not None:
            body["top_p"] = sampling.top_p
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        body.update(fields)
        body.update(self._extra_body)
        response = await replica.client.post("chat/completions", json=body)
        if response.status_code >= 400:
            raise HttpStatus(response.status_code, _detail(response), _retry_after_s(response))
        return reply_text(response)

    async def _refusal(self, replica: Replica, exc: HttpStatus) -> Exception:
        """The error for a non-transient refusal: a model this server lacks is the user's to fix."""
        served = await self.pool.served_models(replica)
        if served and self.model_id not in served:
            return RunStopped(
                f"the VLM server at {replica.base_url} refused the request "
                f"(HTTP {exc.status}: {exc.detail}) and does not serve "
                f"--vlm.model_id={self.model_id!r}; it serves: {', '.join(served)}. "
                "Set --vlm.model_id to one of those, or start a server for that model."
            )
        return TransportError(
            f"HTTP {exc.status} from {replica.base_url}: {exc.detail} (not retried)"
        )

    async def aclose(self) -> None:
        await self.pool.aclose()


def reply_text(response: httpx2.Response) -> str | None:
    """The first choice's message content of a chat.completions reply (None when absent)."""
    try:
        choices = response.json().get("choices") or []
        return choices[0]["message"].get("content") if choices else None
    except (ValueError, AttributeError, KeyError, IndexError, TypeError):
        raise TransportError(
            f"the reply of {response.request.url} is not a chat.completions object: "
            f"{response.text[:200]!r}"
        ) from None


def _detail(response: httpx2.Response) -> str:
    """What the server said about an error: OpenAI's `error.message`, FastAPI's `detail`."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("detail") or inner)
        return str(inner)
    return str(body)


def _retry_after_s(response: httpx2.Response) -> float | None:
    """Seconds the server asks to wait (`Retry-After`: delta-seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
