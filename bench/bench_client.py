"""VLM client overhead: how close the client keeps a slow server to full occupancy.

A `steerlang sim-server` child process answers every request after 200 ms,
with no errors and no malformed output. The client (openai backend, the
factory's defaults, cache off) sends small text-only `speech_initial`
requests with 32 in flight. With zero client overhead the throughput would be
32 / 0.2 s = 160 requests/s. Printed figures (`name: value`):

- client_throughput_rps: completed requests per second of wall time
- client_ideal_rps: in-flight limit / server latency
- client_efficiency: throughput / ideal (target >= 0.9)
- client_cpu_ms_per_request: CPU time of this process (client + event loop) per request

Usage: python bench/bench_client.py [--quick]   (--quick: 200 requests, under 30 s)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from steerlang.annotate.modules.answers import SpeechAnswer
from steerlang.annotate.vlm.config import VlmConfig
from steerlang.annotate.vlm.factory import build_client, sampling_params
from steerlang.annotate.vlm.types import Message, TextPart, VlmRequest, VlmResult
from steerlang.dataset.synth import SynthConfig, synthesize
from steerlang.sim.server_process import SimServerProcess

LATENCY_MS = 200.0
CONCURRENCY = 32


def small_request(i: int, config: VlmConfig) -> VlmRequest:
    ask = Message("user", (TextPart("Acknowledge the task in one short spoken sentence."),))
    return VlmRequest(
        purpose="speech_initial",
        messages=(ask,),
        answer_model=SpeechAnswer,
        sampling=sampling_params(config, seed=i),
        context={"episode_index": i % 2, "task": "tidy the table"},
    )


async def drive(config: VlmConfig, n: int) -> tuple[list[VlmResult], float, float]:
    client = build_client(config)
    try:
        await client.complete(small_request(-1, config))  # connections and imports warm
        wall, cpu = time.perf_counter(), time.process_time()
        results = await asyncio.gather(
            *(client.complete(small_request(i, config)) for i in range(n))
        )
        return results, time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 requests instead of 2,000")
    args = parser.parse_args()
    n = 200 if args.quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        dataset = synthesize(
            SynthConfig(out=Path(tmp) / "ds", episodes=2, seconds=(3, 4), video=False)
        )
        with SimServerProcess(dataset, latency_ms=LATENCY_MS) as server:
            config = VlmConfig(
                model_id="steerlang-sim",
                api_base=server.api_base,
                auto_serve=False,
                client_concurrency=CONCURRENCY,
                cache=False,
                max_new_tokens=64,
            )
            results, wall_s, cpu_s = asyncio.run(drive(config, n))
    failed = sum(not r.ok for r in results)
    if failed:
        print(f"bench_client: {failed} of {n} requests failed", file=sys.stderr)
        return 1
    throughput = n / wall_s
    ideal = CONCURRENCY / (LATENCY_MS / 1000)
    print(f"client_requests: {n}")
    print(f"client_throughput_rps: {throughput:.1f}")
    print(f"client_ideal_rps: {ideal:.1f}")
    print(f"client_efficiency: {throughput / ideal:.3f}")
    print(f"client_cpu_ms_per_request: {1000 * cpu_s / n:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
