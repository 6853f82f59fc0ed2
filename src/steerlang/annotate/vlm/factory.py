"""`VlmConfig` → a ready `VlmClient`: the one place that decides which backend runs.

For the openai backend this is also where auto-serve happens: when no URL in
`--vlm.api_base` answers and `--vlm.auto_serve` is on, replicas are started
and the client owns them (they stop when it closes).
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import TextIO

from steerlang.annotate.vlm.cache import ResponseCache
from steerlang.annotate.vlm.client import VlmClient
from steerlang.annotate.vlm.config import VlmConfig
from steerlang.annotate.vlm.openai_backend import OpenAIBackend
from steerlang.annotate.vlm.replicas import ReplicaPool
from steerlang.annotate.vlm.serve import ServerFleet, answers_http, auto_serve
from steerlang.annotate.vlm.server_command import ServeOptions
from steerlang.annotate.vlm.types import SamplingParams, VlmBackend
from steerlang.errors import SteerlangError

BACKEND_ENTRY_POINTS = "steerlang.vlm_backends"


def sampling_params(config: VlmConfig, seed: int | None = None) -> SamplingParams:
    """The sampling params modules put on their requests."""
    return SamplingParams(
        temperature=config.temperature, max_new_tokens=config.max_new_tokens, seed=seed
    )


def build_client(
    config: VlmConfig,
    staging_dir: Path | None = None,
    dataset_root: Path | None = None,
    server_log: TextIO | None = None,
) -> VlmClient:
    """The client for a run; close it (`await client.aclose()`) to stop what it started.

    `staging_dir` holds the response cache (none without it, or with
    `cache=False`); `dataset_root` is the dataset whose ground truth the sim
    backend answers from.
    """
    fleet: ServerFleet | None = None
    backend: VlmBackend
    if config.backend not in {"openai", "vllm", "transformers"}:
        backend = _plugin_backend(config, dataset_root)
    elif config.backend == "transformers":
        from steerlang.annotate.vlm.transformers_backend import TransformersBackend

        backend = TransformersBackend(
            config.model_id,
            device=config.device,
            batch_size=config.batch_size,
            trust_remote_code=config.trust_remote_code,
        )
    else:
        bases = config.api_bases()
        if not any(answers_http(f"{base}/models") for base in bases):
            if not config.auto_serve:
                raise SteerlangError(
                    f"no VLM server answers at {config.api_base}: start one (e.g. "
                    f"`vllm serve {config.model_id}`) or pass --vlm.auto_serve=true"
                )
            fleet = auto_serve(
                config.model_id,
                config.parallel_servers,
                config.serve_port,
                config.serve_command,
                config.serve_ready_timeout_s,
                log_stream=server_log,
                options=serve_options(config),
            )
            bases = fleet.api_bases
        backend = OpenAIBackend(
            config.model_id,
            ReplicaPool(bases, config.api_key, config.timeout_s),
            structured_output=config.structured_output,
            chat_template_kwargs=config.chat_template_kwargs,
            reasoning_effort=config.reasoning_effort,
            max_retries=config.max_retries,
        )
    cache = ResponseCache(staging_dir) if config.cache and staging_dir is not None else None
    return VlmClient(backend, config.client_concurrency, cache=cache, servers=fleet)


def serve_options(config: VlmConfig) -> ServeOptions:
    return ServeOptions(
        tensor_parallel_size=config.tensor_parallel_size,
        max_model_len=config.max_model_len,
        gpu_memory_utilization=config.gpu_memory_utilization,
        trust_remote_code=config.trust_remote_code,
        num_gpus=config.num_gpus,
        only_vllm=config.backend == "vllm",
    )


def _plugin_backend(config: VlmConfig, dataset_root: Path | None) -> VlmBackend:
    """A backend another package provides through the `steerlang.vlm_backends` entry points
    (steerlang's own simulator is one: `--vlm.backend=sim`), so this layer imports none."""
    found = entry_points(group=BACKEND_ENTRY_POINTS, name=config.backend)
    if not found:
        known = sorted(
            {"openai", "vllm", "transformers"} | set(entry_points(group=BACKEND_ENTRY_POINTS).names)
        )
        raise SteerlangError(f"--vlm.backend={config.backend!r} is unknown; choose one of {known}")
    build = next(iter(found)).load()
    backend: VlmBackend = build(config, dataset_root)
    return backend
