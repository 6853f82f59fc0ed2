"""Progress of a run: a rich live display on a terminal, periodic plain lines otherwise."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from steerlang.annotate.scheduler import EpisodeOutcome
from steerlang.annotate.vlm.client import VlmClient


class RunProgress:
    """Counts episodes and calls; `render()` is one status line, `watch()` keeps it shown."""

    def __init__(
        self, total: int, client: VlmClient, stream: TextIO | None = None, interval_s: float = 10.0
    ) -> None:
        self.total = total
        self.client = client
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()

    def episode_done(self, outcome: EpisodeOutcome) -> None:
        self.done += 1
        self.failed += 0 if outcome.ok else 1

    def calls(self) -> tuple[int, int]:
        stats = self.client.stats().values()
        return sum(s["calls"] for s in stats), sum(s["calls"] - s["ok"] for s in stats)

    def render(self) -> str:
        elapsed = time.monotonic() - self.started
        calls, failed_calls = self.calls()
        rate = calls / elapsed if elapsed > 0 else 0.0
        eta = "—"
        if 0 < self.done < self.total:
            eta = f"{elapsed / self.done * (self.total - self.done):.0f} s"
        return (
            f"episodes {self.done}/{self.total} (failed {self.failed}) · "
            f"calls in flight {self.client.in_flight} · done {calls} (failed {failed_calls}) · "
            f"{rate:.1f} calls/s · elapsed {elapsed:.0f} s · ETA {eta}"
        )

    async def watch(self) -> None:
        """Show progress until cancelled: live on a terminal, a line per interval otherwise."""
        if self.stream.isatty():
            console = Console(file=self.stream)
            with Live(self._table(), console=console, refresh_per_second=4) as live:
                while True:
                    await asyncio.sleep(0.25)
                    live.update(self._table())
        while True:
            await asyncio.sleep(self.interval_s)
            print(f"[annotate] {self.render()}", file=self.stream, flush=True)

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_row("[bold]steerlang annotate[/bold]", self.render())
        return table
