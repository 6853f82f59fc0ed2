"""Helpers for the VLM client tests: requests the simulator can answer, fast clients."""

from __future__ import annotations

import io

from PIL import Image

from steerlang.annotate.modules.answers import PlanAnswer
from steerlang.annotate.vlm.client import VlmClient
from steerlang.annotate.vlm.openai_backend import OpenAIBackend
from steerlang.annotate.vlm.replicas import ReplicaPool
from steerlang.annotate.vlm.types import (
    ImagePart,
    Message,
    SamplingParams,
    TextPart,
    VlmRequest,
)

SIM_MODEL = "steerlang-sim"
# The synthetic dataset the simulator answers from (`synth_cache(**SIM_DATASET)`).
SIM_DATASET = {"episodes": 2, "seconds": (3.0, 4.0), "video": False}


def jpeg(color: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (48, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def plan_request(
    episode: int = 0, seed: int | None = None, color: tuple[int, int, int] = (200, 40, 40)
) -> VlmRequest:
    """A `plan` request with one image, as a pipeline module would send it."""
    image = ImagePart(jpeg(color), 48, 32, camera="top", source_width=160, source_height=120)
    user = Message("user", (image, TextPart("List the steps still to do for this task.")))
    return VlmRequest(
        purpose="plan",
        messages=(Message("system", (TextPart("You plan robot tasks."),)), user),
        answer_model=PlanAnswer,
        sampling=SamplingParams(seed=seed, max_new_tokens=256),
        context={"episode_index": episode, "task": "tidy the table"},
    )


def fast_client(
    api_bases: list[str],
    *,
    max_in_flight: int = 8,
    timeout_s: float = 10.0,
    max_retries: int = 3,
    model_id: str = SIM_MODEL,
    **backend_options: object,
) -> VlmClient:
    """An openai-backend client with millisecond backoff, so retry tests stay quick."""
    pool = ReplicaPool(api_bases, "EMPTY", timeout_s, probe_interval_s=0.1)
    backend = OpenAIBackend(
        model_id,
        pool,
        max_retries=max_retries,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
        **backend_options,  # type: ignore[arg-type]
    )
    return VlmClient(backend, max_in_flight)
