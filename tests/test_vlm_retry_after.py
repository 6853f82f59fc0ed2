"""A server that says "slow down" (HTTP 429/503 with `Retry-After`) is waited for, not hammered.

The server is a plain `http.server` on 127.0.0.1 that refuses the first request
with `Retry-After` and answers the next; the client's own backoff is milliseconds
(`fast_client`), so only honouring the header can make it wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from steerlang.annotate.vlm import openai_backend
from tests.vlm_fixtures import SIM_MODEL, fast_client, plan_request

PLAN_REPLY = {"choices": [{"message": {"content": json.dumps({"steps": ["pick up the cube"]})}}]}


class SlowDownServer(ThreadingHTTPServer):
    """Refuses the first chat request with `status` and `Retry-After: <retry_after>`."""

    def __init__(self, status: int, retry_after: str) -> None:
        super().__init__(("127.0.0.1", 0), SlowDownHandler)
        self.status = status
        self.retry_after = retry_after
        self.chat_times: list[float] = []

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class SlowDownHandler(BaseHTTPRequestHandler):
    server: SlowDownServer

    def do_GET(self) -> None:
        self._reply(200, {"data": [{"id": SIM_MODEL}]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.chat_times.append(time.monotonic())
        if len(self.server.chat_times) == 1:
            self._reply(self.server.status, {"error": "busy"}, self.server.retry_after)
        else:
            self._reply(200, PLAN_REPLY)

    def _reply(self, status: int, body: dict, retry_after: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if retry_after is not None:
            self.send_header("retry-after", retry_after)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(status: int, retry_after: str) -> Iterator[SlowDownServer]:
    server = SlowDownServer(status, retry_after)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def gap_before_retry(server: SlowDownServer) -> float:
    client = fast_client([server.api_base], max_in_flight=1)

    async def ask() -> None:
        try:
            result = await client.complete(plan_request())
        finally:
            await client.aclose()
        assert result.ok, result

    asyncio.run(ask())
    assert len(server.chat_times) == 2
    return server.chat_times[1] - server.chat_times[0]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_waited_for(status: int) -> None:
    with serve(status, "1") as server:
        assert gap_before_retry(server) >= 0.95


def test_retry_after_as_an_http_date_is_waited_for() -> None:
    # An HTTP date has whole seconds: two seconds from now is at least one second away.
    with serve(429, formatdate(time.time() + 2, usegmt=True)) as server:
        assert gap_before_retry(server) >= 0.95


def test_an_absurd_retry_after_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai_backend, "MAX_RETRY_AFTER_S", 0.3)
    with serve(429, "3600") as server:
        assert 0.25 <= gap_before_retry(server) < 5
