"""The simulator's knobs: how far its answers stray from ground truth, and how.

All zero (the default) means exact, instant, well-formed answers; each knob
turns on one kind of realism so a test can check the client copes with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from steerlang.errors import SteerlangError

COORDINATES = ("pixels", "qwen2.5", "norm1000")
PROBABILITIES = (
    "label_noise",
    "think_prob",
    "fence_prob",
    "prose_prob",
    "invalid_json_prob",
    "schema_invalid_prob",
    "empty_prob",
    "http_error_rate",
    "off_image_prob",
)


@dataclass(frozen=True)
class SimKnobs:
    boundary_jitter_s: float = 0.0  # std-dev of the shift of inner subtask boundaries
    label_noise: float = 0.0  # probability a label is replaced or perturbed
    think_prob: float = 0.0  # <think>…</think> before the JSON
    fence_prob: float = 0.0  # ```json fences around the JSON
    prose_prob: float = 0.0  # chatter before and after the JSON
    invalid_json_prob: float = 0.0  # a reply that is not JSON at all
    schema_invalid_prob: float = 0.0  # valid JSON the answer schema rejects
    empty_prob: float = 0.0  # an empty reply
    latency_ms: float = 0.0  # mean time to answer
    latency_jitter_ms: float = 0.0  # latency is uniform in mean ± jitter
    slots: int = 0  # requests answered at once, like a GPU server's batch (0: no limit)
    http_error_rate: float = 0.0  # 5xx answers (a transport failure in-process)
    off_image_prob: float = 0.0  # VQA boxes and points moved far outside the image
    coordinates: str = "pixels"  # pixels | qwen2.5 | norm1000
    reject_response_format: bool = False  # 422 on response_format (a server without the field)
    # 422 on fields outside OpenAI's chat.completions, such as vLLM's mm_processor_kwargs
    # (as `transformers serve` answers)
    reject_unknown_fields: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name in PROBABILITIES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise SteerlangError(
                    f"sim knob {name} must be a probability in [0, 1], got {value}"
                )
        for name in ("boundary_jitter_s", "latency_ms", "latency_jitter_ms"):
            if getattr(self, name) < 0:
                raise SteerlangError(f"sim knob {name} must not be negative")
        if self.slots < 0:
            raise SteerlangError(f"sim knob slots must be 0 (no limit) or more, got {self.slots}")
        if self.coordinates not in COORDINATES:
            raise SteerlangError(
                f"sim knob coordinates must be one of {COORDINATES}, got {self.coordinates!r}"
            )
