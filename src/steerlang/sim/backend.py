"""The in-process simulated backend (`--vlm.backend=sim`): no HTTP, same answers.

Replies are prompt-only JSON (no server-side schema), so every form knob
applies, and they go through the answer loop every generating backend shares
(`answering.answer_with_repair`: parse, validate, one repair retry). The
simulator reads the purpose and facts from the context part of the last user
message, exactly as the HTTP server does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from steerlang.annotate.vlm.answering import (
    TransportError,
    answer_with_repair,
    with_schema_instruction,
)
from steerlang.annotate.vlm.config import VlmConfig
from steerlang.annotate.vlm.types import (
    Message,
    TextPart,
    VideoPart,
    VlmRequest,
    VlmResult,
    parse_context,
)
from steerlang.errors import SteerlangError
from steerlang.sim.engine import SIM_MODEL_ID, SimEngine
from steerlang.sim.knobs import SimKnobs
from steerlang.sim.video_input import check_videos, part_video


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

    simulated = True

    async def complete(self, request: VlmRequest) -> VlmResult:
        sent = with_schema_instruction(request.with_context_part(), request.answer_model)
        return await answer_with_repair(request, sent, self._generate, self.repair_retries)

    async def _generate(self, messages: tuple[Message, ...]) -> str:
        context = last_user_context(messages)
        purpose = context.pop("purpose")
        videos = [part_video(p) for m in messages for p in m.parts if isinstance(p, VideoPart)]
        try:
            check_videos(context, videos)
        except SteerlangError as exc:
            raise TransportError(f"simulated HTTP 400: {exc}") from None
        reply = self.engine.reply(purpose, context, structured=False)
        await self.engine.take_time(reply)
        if reply.status != 200:
            raise TransportError(f"simulated HTTP {reply.status}")
        return reply.text

    async def aclose(self) -> None:
        """Nothing to release: the engine holds only parsed ground truth."""


def last_user_context(messages: tuple[Message, ...]) -> dict[str, Any]:
    """The context part of the last user message (what the server reads too)."""
    last = next((m for m in reversed(messages) if m.role == "user"), None)
    for part in reversed(last.parts if last else ()):
        if isinstance(part, TextPart) and (context := parse_context(part.text)) is not None:
            return context
    raise SteerlangError(
        "the simulated backend answers from the request context: give the VlmRequest a "
        "`context` with the facts its purpose needs (see steerlang.annotate.modules.answers)"
    )


def build_sim_backend(config: VlmConfig, dataset_root: Path | None) -> SimBackend:
    """The `--vlm.backend=sim` entry point (`steerlang.vlm_backends` in pyproject)."""
    if dataset_root is None:
        raise SteerlangError("--vlm.backend=sim answers from a synthetic dataset: pass its root")
    return SimBackend(dataset_root)
