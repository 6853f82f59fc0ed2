"""`--vlm.*`: which model answers, where it runs and how the client talks to it.

Field names follow SPEC §5 (and `lerobot-annotate` where the concept is the
same), so `--vlm.model_id=... --vlm.api_base=...` reads the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from steerlang.errors import SteerlangError

BACKENDS = ("openai", "transformers", "sim")
REASONING_EFFORTS = ("minimal", "low", "medium", "high")


@dataclass
class VlmConfig:
    # openai: any OpenAI-compatible server (vLLM, transformers serve, sim-server);
    # transformers: the model in this process; sim: answers from a synthetic dataset's truth.
    backend: str = "openai"
    model_id: str = "Qwen/Qwen2.5-VL-7B-Instruct"
    # One URL, or several separated by commas (replicas of the same model).
    api_base: str = "http://localhost:8000/v1"
    api_key: str = "EMPTY"
    # Start servers when api_base does not answer: vllm if importable, else transformers serve.
    auto_serve: bool = True
    # Your own server command; "{port}" is replaced by each replica's port. Never run by a shell.
    serve_command: str | None = None
    # Port of the first auto-served replica (the others take the next ones); 0 picks free ports.
    serve_port: int = 8000
    parallel_servers: int = 1
    # Seconds to wait for auto-served replicas to load the model and answer.
    serve_timeout_s: float = 1800.0
    # Requests in flight across all servers together.
    client_concurrency: int = 16
    max_new_tokens: int = 1024
    temperature: float = 0.0
    # Camera whose frames the modules show (None: the dataset's first camera).
    camera_key: str | None = None
    # Sent to the server only when set, e.g. {"enable_thinking": false}.
    chat_template_kwargs: dict[str, Any] | None = None
    reasoning_effort: str | None = None
    # Ask for server-side JSON-schema output (response_format) where the server accepts it.
    structured_output: bool = True
    timeout_s: float = 120.0
    # Retries of one request on 429, 5xx, timeouts and connection errors.
    max_retries: int = 4
    # Reuse answers of identical earlier requests (SQLite in the staging dir).
    cache: bool = True
    # JPEG quality of the frames and contact sheets sent (used by annotate.frames).
    jpeg_quality: int = 90
    # transformers backend only: device ("auto", "cpu", "cuda", "cuda:1") and generate batch size.
    device: str = "auto"
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise SteerlangError(f"--vlm.backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.reasoning_effort is not None and self.reasoning_effort not in REASONING_EFFORTS:
            raise SteerlangError(
                f"--vlm.reasoning_effort must be one of {REASONING_EFFORTS}, "
                f"got {self.reasoning_effort!r}"
            )
        for name in ("parallel_servers", "client_concurrency", "max_new_tokens", "batch_size"):
            if getattr(self, name) < 1:
                raise SteerlangError(f"--vlm.{name} must be at least 1")
        if self.max_retries < 0 or self.timeout_s <= 0:
            raise SteerlangError("--vlm.max_retries must be >= 0 and --vlm.timeout_s > 0")
        if not 1 <= self.jpeg_quality <= 100:
            raise SteerlangError("--vlm.jpeg_quality must be in 1..100")
        if self.serve_command is not None and "{port}" not in self.serve_command:
            raise SteerlangError(
                "--vlm.serve_command must contain {port}, where each replica's port goes"
            )

    def api_bases(self) -> list[str]:
        """The api_base list, trailing slashes dropped."""
        bases = [b.strip().rstrip("/") for b in self.api_base.split(",") if b.strip()]
        if not bases:
            raise SteerlangError(
                "--vlm.api_base is empty; give a URL like http://localhost:8000/v1"
            )
        return bases
