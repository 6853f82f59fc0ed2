"""The client's concurrency limit: never more than the limit, lowest priority value first."""

from __future__ import annotations

import asyncio

import pytest

from steerlang.annotate.vlm.priority_slots import PrioritySlots


def test_waiters_are_admitted_by_priority_then_arrival() -> None:
    async def scenario() -> list[str]:
        slots = PrioritySlots(1)
        order: list[str] = []
        release = asyncio.Event()

        async def holder() -> None:
            async with slots.slot(0):
                await release.wait()

        async def waiter(name: str, priority: float) -> None:
            async with slots.slot(priority):
                order.append(name)

        first = asyncio.create_task(holder())
        await asyncio.sleep(0)
        tasks = [
            asyncio.create_task(waiter(name, priority))
            for name, priority in (("young", 9), ("old", 1), ("old-later", 1), ("middle", 5))
        ]
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(first, *tasks)
        return order

    assert asyncio.run(scenario()) == ["old", "old-later", "middle", "young"]


def test_never_more_than_the_limit_and_cancelled_waiters_free_nothing() -> None:
    async def scenario() -> int:
        slots = PrioritySlots(3)
        busy = peak = 0

        async def work(priority: int) -> None:
            nonlocal busy, peak
            async with slots.slot(priority):
                busy += 1
                peak = max(peak, busy)
                await asyncio.sleep(0.001)
                busy -= 1

        tasks = [asyncio.create_task(work(i % 4)) for i in range(40)]
        await asyncio.sleep(0)
        for task in tasks[10:15]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

        async def all_three() -> None:  # hangs if a cancelled waiter kept or lost a slot
            async with slots.slot(), slots.slot(), slots.slot():
                pass

        await asyncio.wait_for(all_three(), timeout=5)
        return peak

    assert asyncio.run(scenario()) == 3


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        PrioritySlots(0)
