"""The in-process simulated backend (`--vlm.backend=sim`): no HTTP, same answers.

Replies are prompt-only JSON (no server-side schema), so every form knob
applies, and they go through reply parsing and schema validation like a real
model's; a reply that fails either gets one repair retry (a fresh draw).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from steerlang.annotate.vlm.sim.engine import SIM_MODEL_ID, SimEngine
from steerlang.annotate.vlm.sim.knobs import SimKnobs
from steerlang.annotate.vlm.sim.reply_parsing import parse_reply
from steerlang.annotate.vlm.types import FailureKind, VlmFailure, VlmRequest, VlmResult


class SimBackend:
    """A `VlmBackend` answering from the ground truth of the dataset at `root`."""

    def __init__(
        self,
        root: Path,
        knobs: SimKnobs | None = None,
        model_id: str = SIM_MODEL_ID,
        repair_retries: int = 1,
    ) -> None:
        self.engine = SimEngine(root, knobs)
        self.model_id = model_id
        self.repair_retries = repair_retries

    async def complete(self, request: VlmRequest) -> VlmResult:
        started = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            reply = self.engine.reply(request.purpose, dict(request.context), structured=False)
            await asyncio.sleep(reply.latency_s)
            if reply.status != 200:
                failure = VlmFailure(FailureKind.TRANSPORT, f"simulated HTTP {reply.status}")
                answer = None
                break
            answer, failure = parse_reply(reply.text, request.answer_model)
            retry = failure is not None and failure.kind is not FailureKind.EMPTY
            if not retry or attempts > self.repair_retries:
                break
        return VlmResult(
            request.purpose,
            answer,
            failure=failure,
            raw_text=reply.text,
            attempts=attempts,
            latency_s=time.monotonic() - started,
        )

    async def aclose(self) -> None:
        """Nothing to release: the engine holds only parsed ground truth."""
