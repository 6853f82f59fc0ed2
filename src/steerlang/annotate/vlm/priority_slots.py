"""A concurrency limit that admits waiting callers lowest priority value first.

The annotate scheduler keeps many episodes active so the servers never starve,
but with a first-come limit a young episode's burst of VQA calls queues ahead
of an older episode's serial chain (plan → memory, interjection → refresh) and
every episode finishes late. Serving the oldest episode first keeps chains
short while younger episodes fill whatever slots are free.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class PrioritySlots:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the limit must be at least 1")
        self._free = limit
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def slot(self, priority: float = 0.0) -> AsyncIterator[None]:
        """Hold one slot for the block; ties keep arrival order."""
        if self._free > 0 and not self._waiting:
            self._free -= 1
        else:
            waiter = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (priority, next(self._order), waiter))
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._release()  # granted just as we were cancelled: pass it on
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, waiter = heapq.heappop(self._waiting)
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
