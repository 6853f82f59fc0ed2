"""Replicas of one model behind OpenAI-compatible URLs, with health-aware routing.

Requests go to the healthy replica with the fewest in flight. A replica that
refuses connections, or fails several requests in a row, is taken out and
probed in the background (`GET /v1/models`) until it answers again, so one
dead or restarting server slows a run down instead of failing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from dataclasses import dataclass, field

import httpx2

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0


@dataclass(eq=False)
class Replica:
    index: int
    base_url: str
    client: httpx2.AsyncClient
    healthy: bool = True
    in_flight: int = 0
    consecutive_failures: int = 0
    sent: int = 0
    # Whether this server takes an optional body field (`response_format`, the fps hint);
    # absent until a request tells.
    accepts: dict[str, bool] = field(default_factory=dict)
    served_models: list[str] | None = field(default=None, repr=False)


class ReplicaPool:
    """Picks a replica per request and keeps track of which ones are up."""

    def __init__(
        self,
        base_urls: list[str],
        api_key: str,
        timeout_s: float,
        failures_to_eject: int = 3,
        probe_interval_s: float = 1.0,
    ) -> None:
        self.timeout_s = timeout_s
        self.replicas = [
            Replica(i, url, http_client(url, api_key, timeout_s)) for i, url in enumerate(base_urls)
        ]
        self.failures_to_eject = failures_to_eject
        self.probe_interval_s = probe_interval_s
        self._turn = itertools.count()
        self._probes: dict[int, asyncio.Task[None]] = {}
        self._recovered = asyncio.Event()

    def healthy(self) -> list[Replica]:
        return [r for r in self.replicas if r.healthy]

    async def acquire(self, wait_s: float) -> Replica:
        """A replica to send to: the least busy healthy one.

        When none is healthy, wait up to `wait_s` for a probe to bring one back,
        then fall back to the least busy of all: the request itself is then the
        probe, and the caller's retry budget bounds the attempts.
        """
        candidates = self.healthy()
        if not candidates and wait_s > 0:
            self._recovered.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._recovered.wait(), wait_s)
            candidates = self.healthy()
        pool = candidates or self.replicas
        # Rotate the starting point so ties spread over replicas instead of piling on the first.
        start = next(self._turn) % len(pool)
        rotated = pool[start:] + pool[:start]
        replica = min(rotated, key=lambda r: r.in_flight)
        replica.in_flight += 1
        replica.sent += 1
        return replica

    def release(self, replica: Replica) -> None:
        replica.in_flight -= 1

    def succeeded(self, replica: Replica) -> None:
        replica.consecutive_failures = 0

    def failed(self, replica: Replica, unreachable: bool) -> None:
        """Count a transient failure; take the replica out when it looks down."""
        replica.consecutive_failures += 1
        if unreachable or replica.consecutive_failures >= self.failures_to_eject:
            self._eject(replica)

    def _eject(self, replica: Replica) -> None:
        if not replica.healthy:
            return
        replica.healthy = False
        log.warning("VLM server %s taken out of rotation; probing it", replica.base_url)
        self._probes[replica.index] = asyncio.create_task(self._probe(replica))

    async def _probe(self, replica: Replica) -> None:
        while True:
            await asyncio.sleep(self.probe_interval_s)
            try:
                # any HTTP answer will do: the process is up even if this route is unhappy
                await replica.client.get("models", timeout=PROBE_TIMEOUT_S)
            except httpx2.TransportError:
                continue
            replica.healthy = True
            replica.consecutive_failures = 0
            self._probes.pop(replica.index, None)
            self._recovered.set()
            log.warning("VLM server %s answers again; back in rotation", replica.base_url)
            return

    async def served_models(self, replica: Replica) -> list[str]:
        """The model ids the replica lists (memoised; empty when it will not say)."""
        if replica.served_models is None:
            try:
                response = await replica.client.get("models")
                response.raise_for_status()
                entries = response.json().get("data") or []
                replica.served_models = [str(e["id"]) for e in entries if isinstance(e, dict)]
            except (httpx2.HTTPError, ValueError, KeyError, AttributeError):
                replica.served_models = []
        return replica.served_models

    async def aclose(self) -> None:
        for task in self._probes.values():
            task.cancel()
        await asyncio.gather(*self._probes.values(), return_exceptions=True)
        self._probes.clear()
        for replica in self.replicas:
            await replica.client.aclose()


def http_client(base_url: str, api_key: str, timeout_s: float) -> httpx2.AsyncClient:
    """A keep-alive client for one replica; paths are relative to its `/v1` base."""
    return httpx2.AsyncClient(
        base_url=base_url.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=timeout_s,
        # every request in flight may need its own connection; the client bounds how many
        limits=httpx2.Limits(max_connections=None, max_keepalive_connections=64),
    )
