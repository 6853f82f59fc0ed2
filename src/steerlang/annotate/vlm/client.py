"""The one VLM client every pipeline module calls: `await client.complete(request)`.

It owns what must be global across modules and episodes: the bound on
requests in flight (sized to keep the servers saturated, not flooded), the
response cache, per-purpose counters for the run record, and the lifetime of
auto-served model servers.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from steerlang.annotate.vlm.cache import ResponseCache, request_key
from steerlang.annotate.vlm.priority_slots import PrioritySlots
from steerlang.annotate.vlm.types import VlmBackend, VlmRequest, VlmResult


class Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass
class PurposeStats:
    """Counters of one purpose; `latency_*` cover calls that reached the backend."""

    calls: int = 0
    ok: int = 0
    cached: int = 0
    attempts: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    latency_total_s: float = 0.0
    latency_max_s: float = 0.0

    def record(self, result: VlmResult) -> None:
        self.calls += 1
        self.ok += result.ok
        if result.failure is not None:
            self.failures[result.failure.kind.value] += 1
        if result.cached:
            self.cached += 1
            return
        self.attempts += result.attempts
        self.latency_total_s += result.latency_s
        self.latency_max_s = max(self.latency_max_s, result.latency_s)

    def as_dict(self) -> dict[str, Any]:
        asked = self.calls - self.cached
        return {
            "calls": self.calls,
            "ok": self.ok,
            "cached": self.cached,
            "attempts": self.attempts,
            "failures": dict(sorted(self.failures.items())),
            "latency_mean_s": round(self.latency_total_s / asked, 6) if asked else 0.0,
            "latency_max_s": round(self.latency_max_s, 6),
        }


class VlmClient:
    """Bounds in-flight requests, consults the cache, counts outcomes per purpose."""

    def __init__(
        self,
        backend: VlmBackend,
        max_in_flight: int,
        cache: ResponseCache | None = None,
        servers: Stoppable | None = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.backend = backend
        self.max_in_flight = max_in_flight
        self.cache = cache
        self._servers = servers
        self._slots = PrioritySlots(max_in_flight)
        self._stats: dict[str, PurposeStats] = {}
        self.in_flight = 0
        self.peak_in_flight = 0

    @property
    def model_id(self) -> str:
        return self.backend.model_id

    @property
    def simulated(self) -> bool:
        return self.backend.simulated

    async def complete(self, request: VlmRequest, priority: float = 0.0) -> VlmResult:
        """The validated answer or a typed failure; never raises for a bad reply.

        When calls wait for a slot, the lowest `priority` value goes first.
        """
        key = request_key(self.model_id, request) if self.cache is not None else None
        if self.cache is not None and key is not None:
            hit = self.cache.get(key, request.answer_model)
            if hit is not None:
                result = VlmResult(
                    request.purpose, hit.answer, raw_text=hit.raw_text, attempts=0, cached=True
                )
                self._record(result)
                return result
        async with self._slots.slot(priority):
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            started = time.monotonic()
            try:
                result = await self.backend.complete(request)
            finally:
                self.in_flight -= 1
        if result.latency_s == 0.0:
            result = replace(result, latency_s=time.monotonic() - started)
        if self.cache is not None and key is not None and result.answer is not None:
            self.cache.put(key, request.purpose, result.answer, result.raw_text)
        self._record(result)
        return result

    def _record(self, result: VlmResult) -> None:
        self._stats.setdefault(result.purpose, PurposeStats()).record(result)

    @property
    def servers(self) -> Stoppable | None:
        """The model servers this client started (and stops when it closes), if any."""
        return self._servers

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per-purpose counters, for the run record."""
        return {purpose: s.as_dict() for purpose, s in sorted(self._stats.items())}

    async def aclose(self) -> None:
        """Release the backend, the cache and any servers this client started."""
        try:
            await self.backend.aclose()
        finally:
            if self.cache is not None:
                self.cache.close()
            if self._servers is not None:
                await asyncio.to_thread(self._servers.stop)

    async def __aenter__(self) -> VlmClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
