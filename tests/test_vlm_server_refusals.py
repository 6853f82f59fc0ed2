"""How the client takes a server's refusals: it waits as long as `Retry-After` asks,
and a request in flight while the client learns that the server refuses a field is
sent again without it.

The server is a plain `http.server` on 127.0.0.1 whose replies each test scripts;
the client's own backoff is milliseconds (`fast_client`), so only honouring the
header can make it wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from steerlang.annotate.vlm import openai_backend
from steerlang.annotate.vlm.types import VlmResult
from tests.vlm_fixtures import SIM_MODEL, fast_client, plan_request

PLAN_REPLY = {"choices": [{"message": {"content": json.dumps({"steps": ["pick up the cube"]})}}]}


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    retry_after: str | None = None
    delay_s: float = 0.0


class ScriptedServer(ThreadingHTTPServer):
    """Answers the n-th chat request (0-based) with `script(n, body)`; lists models."""

    def __init__(self, script: Callable[[int, dict[str, Any]], Reply]) -> None:
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.script = script
        self.chat_times: list[float] = []
        self._lock = threading.Lock()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.chat_times.append(time.monotonic())
            n = len(self.chat_times) - 1
        return self.script(n, body)


class ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def do_GET(self) -> None:
        self._send(Reply(body={"data": [{"id": SIM_MODEL}]}))

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        reply = self.server.next_reply(body)
        time.sleep(reply.delay_s)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        data = json.dumps(PLAN_REPLY if reply.body is None else reply.body).encode()
        self.send_response(reply.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if reply.retry_after is not None:
            self.send_header("retry-after", reply.retry_after)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(script: Callable[[int, dict[str, Any]], Reply]) -> Iterator[ScriptedServer]:
    server = ScriptedServer(script)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def ask(server: ScriptedServer, starts_s: list[float]) -> list[VlmResult]:
    """One plan request leaving at each of `starts_s` (seconds from now)."""
    client = fast_client([server.api_base], max_in_flight=len(starts_s))

    async def one(start_s: float, seed: int) -> VlmResult:
        await asyncio.sleep(start_s)
        return await client.complete(plan_request(seed=seed))

    async def run() -> list[VlmResult]:
        try:
            return await asyncio.gather(*(one(s, i) for i, s in enumerate(starts_s)))
        finally:
            await client.aclose()

    return asyncio.run(run())


def refused_first(status: int, retry_after: str) -> Callable[[int, dict[str, Any]], Reply]:
    return lambda n, _: Reply(status, {"error": "busy"}, retry_after) if n == 0 else Reply()


def gap_before_retry(server: ScriptedServer) -> float:
    assert all(r.ok for r in ask(server, [0.0]))
    assert len(server.chat_times) == 2
    return server.chat_times[1] - server.chat_times[0]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_waited_for(status: int) -> None:
    with serve(refused_first(status, "1")) as server:
        assert gap_before_retry(server) >= 0.95


def test_retry_after_as_an_http_date_is_waited_for() -> None:
    # An HTTP date has whole seconds: two seconds from now is at least one second away.
    with serve(refused_first(429, formatdate(time.time() + 2, usegmt=True))) as server:
        assert gap_before_retry(server) >= 0.95


def test_an_absurd_retry_after_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai_backend, "MAX_RETRY_AFTER_S", 0.3)
    with serve(refused_first(429, "3600")) as server:
        assert 0.25 <= gap_before_retry(server) < 5


def test_a_request_refused_after_the_field_was_learnt_goes_again_without_it() -> None:
    # Refusing response_format takes 0.3 s. The first request learns the refusal at
    # 0.3 s; the second left at 0.1 s, still with the field, and hears its refusal at
    # 0.4 s, when the field is no longer untested: it must go again without it.
    def script(n: int, body: dict[str, Any]) -> Reply:
        if "response_format" in body:
            return Reply(422, {"error": "response_format is not supported"}, delay_s=0.3)
        return Reply()

    with serve(script) as server:
        results = ask(server, [0.0, 0.1])
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert len(server.chat_times) == 4  # each request: refused once, answered once
