"""The simulator as an OpenAI-compatible HTTP server on 127.0.0.1.

Routes: `POST /v1/chat/completions`, `GET /v1/models`, `GET /sim/stats`. The
purpose and grounding facts come from the "Context (JSON): ..." text part of
the last user message (see `VlmRequest.with_context_part`). `response_format`
is honoured (pure JSON replies), or refused with 422 (the `reject_response_format` knob);
vLLM's `mm_processor_kwargs` is taken (its fps counted), or refused with 422 like any
field outside OpenAI's chat.completions (the `reject_unknown_fields` knob). A video
block must match what the context says it shows (`video_input`), else 400.

An ASGI app (Starlette) served by uvicorn, the stack `transformers serve` and
vLLM use, so the client under test meets the HTTP behaviour of real servers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from steerlang.annotate.vlm.types import parse_context
from steerlang.errors import SteerlangError
from steerlang.sim.engine import SIM_MODEL_ID, SimEngine, SimReply
from steerlang.sim.video_input import check_videos, wire_videos

HOST = "127.0.0.1"
# the request fields of OpenAI's chat.completions, and those `transformers serve` adds
CHAT_FIELDS = frozenset(
    {
        "audio", "chat_template_kwargs", "frequency_penalty", "function_call", "functions",
        "generation_config", "logit_bias", "logprobs", "max_completion_tokens", "max_tokens",
        "messages", "metadata", "modalities", "model", "n", "parallel_tool_calls",
        "prediction", "presence_penalty", "reasoning_effort", "response_format", "seed",
        "service_tier", "stop", "store", "stream", "stream_options", "temperature",
        "tool_choice", "tools", "top_logprobs", "top_p", "user", "web_search_options",
    }
)  # fmt: skip


def error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status)


def reply_model_name(model_id: str) -> str:
    """The `model` of every answer: always says the answers are simulated."""
    return model_id if "sim" in model_id.lower() else f"{model_id} ({SIM_MODEL_ID})"


def request_context(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The context part of the last user message of a chat.completions body."""
    users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
    if not users:
        return None
    content = users[-1].get("content")
    parts = [content] if isinstance(content, str) else content or []
    for part in reversed(parts):
        text = part if isinstance(part, str) else part.get("text")
        if isinstance(text, str) and (context := parse_context(text)) is not None:
            return context
    return None


def wants_json(response_format: Any) -> bool:
    """Whether `response_format` asks for JSON (a json_schema or json_object format)."""
    return isinstance(response_format, dict) and response_format.get("type") in {
        "json_schema",
        "json_object",
    }


class SimServer:
    """Routes HTTP requests to a `SimEngine`; start with `start()`, stop with `close()`."""

    def __init__(self, engine: SimEngine, model_id: str = SIM_MODEL_ID) -> None:
        self.engine = engine
        self.model_id = model_id
        self.port: int | None = None
        self.app = Starlette(
            routes=[
                Route("/v1/models", self._models_route, methods=["GET"]),
                Route("/sim/stats", self._stats_route, methods=["GET"]),
                Route("/v1/chat/completions", self._chat_route, methods=["POST"]),
            ]
        )
        self.app.add_exception_handler(404, self._no_route)
        self.app.add_exception_handler(405, self._no_route)
        self._server: uvicorn.Server | None = None
        self._serving: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    async def start(self, port: int = 0) -> int:
        """Listen on `port` (0: a free one); returns the port once requests are taken."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            sock.close()
            raise
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30
        )
        self._server = uvicorn.Server(config)
        self.port = sock.getsockname()[1]
        self._serving = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._serving.done():
                self._serving.result()  # raises why it could not serve
            await asyncio.sleep(0.005)
        return self.port

    async def close(self) -> None:
        """Stop at once: open connections are dropped (clients see them fail, as on a crash)."""
        if self._server is None or self._serving is None:
            return
        self._server.should_exit = self._server.force_exit = True
        await self._serving
        self._server = self._serving = None

    async def _no_route(self, request: Request, exc: Exception) -> JSONResponse:
        return error(404, f"no route {request.method} {request.url.path}", "not_found_error")

    async def _models_route(self, request: Request) -> JSONResponse:
        return JSONResponse(self._models())

    async def _stats_route(self, request: Request) -> JSONResponse:
        return JSONResponse(self.engine.stats.snapshot())

    async def _chat_route(self, request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            return error(400, "the request body is not JSON")
        if not isinstance(body, dict):
            return error(400, "the request body must be a JSON object")
        return await self._chat(body)

    def _models(self) -> dict[str, Any]:
        entry = {"id": self.model_id, "object": "model", "created": 0, "owned_by": SIM_MODEL_ID}
        return {"object": "list", "data": [entry]}

    async def _chat(self, body: dict[str, Any]) -> JSONResponse:
        stats = self.engine.stats
        if body.get("model") != self.model_id:
            stats.rejected["unknown_model"] += 1
            return error(
                404,
                f"The model `{body.get('model')}` does not exist. Served models: {self.model_id}",
                "NotFoundError",
            )
        unknown = sorted(set(body) - CHAT_FIELDS)
        if unknown and self.engine.knobs.reject_unknown_fields:
            stats.rejected["unknown_fields"] += 1
            return JSONResponse({"detail": f"Unexpected fields in the request: {unknown}"}, 422)
        response_format = body.get("response_format")
        if response_format is not None and self.engine.knobs.reject_response_format:
            stats.rejected["response_format"] += 1
            return JSONResponse({"detail": "response_format is not supported by this server"}, 422)
        if body.get("stream"):
            stats.rejected["stream"] += 1
            return error(400, "the simulator does not stream; send stream=false")
        context = request_context(body)
        if context is None or "purpose" not in context:
            stats.rejected["no_context"] += 1
            return error(
                400,
                "the simulator answers from the request context: the last user message needs a "
                "'Context (JSON): {...}' text part with the purpose (VlmRequest.with_context_part)",
            )
        purpose = context.pop("purpose")
        try:
            videos = wire_videos(body)
            check_videos(context, videos)
        except SteerlangError as exc:
            stats.rejected["video"] += 1
            return error(400, str(exc))
        if videos:
            stats.videos[context["video"]["input"]] += 1
            stats.videos["fps_hint"] += "fps" in (body.get("mm_processor_kwargs") or {})
        try:
            reply = self.engine.reply(purpose, context, structured=wants_json(response_format))
        except (SteerlangError, ValueError) as exc:
            stats.rejected["bad_context"] += 1
            return error(400, str(exc))
        await self.engine.take_time(reply)
        if reply.status != 200:
            return error(reply.status, "simulated server error", "server_error")
        return JSONResponse(self._completion(reply, body))

    def _completion(self, reply: SimReply, body: Mapping[str, Any]) -> dict[str, Any]:
        prompt_chars = sum(len(str(m.get("content"))) for m in body.get("messages") or [])
        completion_tokens = max(1, len(reply.text) // 4)
        return {
            "id": f"chatcmpl-sim-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": reply_model_name(self.model_id),
            "system_fingerprint": SIM_MODEL_ID,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_chars // 4,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_chars // 4 + completion_tokens,
            },
        }


class SimServerThread:
    """A `SimServer` on its own event loop in a daemon thread, for tests and benchmarks.

    `start()` returns the base URL (…/v1); `stop()` shuts it down; `start(port)`
    again brings it back on the same port (a replica that died and restarted).
    """

    def __init__(self, engine: SimEngine, model_id: str = SIM_MODEL_ID) -> None:
        self.server = SimServer(engine, model_id)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, port: int = 0) -> str:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, daemon=True)
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self.server.start(port), loop)
        started.result(timeout=10)
        return self.server.base_url

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.server.close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> SimServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
