"""The openai backend against `steerlang sim-server` over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from steerlang.annotate.modules.answers import PlanAnswer
from steerlang.annotate.vlm.client import VlmClient
from steerlang.annotate.vlm.types import FailureKind, VlmResult
from steerlang.errors import SteerlangError
from steerlang.sim.server_process import SimServerProcess
from tests.vlm_fixtures import SIM_DATASET, fast_client, plan_request


@pytest.fixture
def dataset(synth_cache) -> Path:
    return synth_cache(**SIM_DATASET)


async def ask_all(client: VlmClient, n: int) -> list[VlmResult]:
    try:
        return await asyncio.gather(
            *(client.complete(plan_request(episode=i % 2, seed=i)) for i in range(n))
        )
    finally:
        await client.aclose()


def test_structured_output_is_used_when_the_server_takes_it(dataset: Path) -> None:
    with SimServerProcess(dataset, think_prob=1.0, prose_prob=1.0) as server:
        client = fast_client([server.api_base])
        results = asyncio.run(ask_all(client, 6))
        stats = server.stats()
    assert all(r.ok and r.attempts == 1 for r in results)
    assert all(isinstance(r.answer, PlanAnswer) and r.answer.steps for r in results)
    # Structured replies are pure JSON: the malforming knobs never fired.
    assert stats["injected"] == {} and stats["requests"] == 6
    assert client.backend.pool.replicas[0].accepts == {"response_format": True}


def test_a_server_refusing_response_format_gets_the_schema_in_the_prompt(dataset: Path) -> None:
    with SimServerProcess(dataset, reject_response_format=True) as server:
        client = fast_client([server.api_base], max_in_flight=1)
        results = asyncio.run(ask_all(client, 5))
        stats = server.stats()
    assert all(r.ok for r in results)
    # One refusal teaches the client; every later request goes prompt-only straight away.
    assert stats["rejected"] == {"response_format": 1}
    assert stats["requests"] == 5
    assert client.backend.pool.replicas[0].accepts == {"response_format": False}


def test_structured_output_can_be_turned_off(dataset: Path) -> None:
    with SimServerProcess(dataset, fence_prob=1.0) as server:
        client = fast_client([server.api_base], structured_output=False)
        results = asyncio.run(ask_all(client, 4))
        stats = server.stats()
    assert all(r.ok for r in results)
    assert stats["injected"] == {"fence": 4}


@pytest.mark.parametrize("knob", ["think_prob", "fence_prob", "prose_prob"])
def test_wrapped_json_is_extracted_without_a_repair(dataset: Path, knob: str) -> None:
    with SimServerProcess(dataset, reject_response_format=True, **{knob: 1.0}) as server:
        results = asyncio.run(ask_all(fast_client([server.api_base]), 6))
        stats = server.stats()
    assert all(r.ok and r.attempts == 1 for r in results)
    assert sum(stats["injected"].values()) == 6


@pytest.mark.parametrize(
    ("knob", "kind", "attempts"),
    [
        ("invalid_json_prob", FailureKind.UNPARSEABLE, 2),
        ("schema_invalid_prob", FailureKind.SCHEMA_INVALID, 2),
        ("empty_prob", FailureKind.EMPTY, 1),
    ],
)
def test_bad_replies_become_typed_failures(
    dataset: Path, knob: str, kind: FailureKind, attempts: int
) -> None:
    with SimServerProcess(dataset, reject_response_format=True, **{knob: 1.0}) as server:
        results = asyncio.run(ask_all(fast_client([server.api_base]), 4))
    for result in results:
        assert not result.ok
        assert result.failure is not None and result.failure.kind is kind
        assert result.attempts == attempts  # unparseable and schema-invalid get one repair
    if kind is not FailureKind.EMPTY:
        assert all(r.raw_text for r in results)


def test_the_repair_retry_rescues_some_replies(dataset: Path) -> None:
    with SimServerProcess(dataset, reject_response_format=True, invalid_json_prob=0.5) as server:
        results = asyncio.run(ask_all(fast_client([server.api_base]), 40))
    repaired = [r for r in results if r.ok and r.attempts == 2]
    assert repaired, "some first replies were invalid and their repair succeeded"
    failed = [r for r in results if not r.ok]
    assert all(r.failure.kind is FailureKind.UNPARSEABLE for r in failed)
    assert len(failed) < len(results) / 2


def test_bursts_of_5xx_are_retried(dataset: Path) -> None:
    with SimServerProcess(dataset, http_error_rate=0.4, seed=3) as server:
        results = asyncio.run(ask_all(fast_client([server.api_base], max_retries=8), 30))
        stats = server.stats()
    assert all(r.ok for r in results)
    assert stats["requests"] > 30  # the errors really happened and were retried


def test_a_server_that_keeps_failing_is_a_transport_failure(dataset: Path) -> None:
    with SimServerProcess(dataset, http_error_rate=1.0) as server:
        results = asyncio.run(ask_all(fast_client([server.api_base], max_retries=2), 2))
        stats = server.stats()
    assert [r.failure.kind for r in results] == [FailureKind.TRANSPORT] * 2
    assert "HTTP 5" in results[0].failure.message
    assert stats["requests"] == 2 * 3  # first try + 2 retries each


def test_timeouts_are_transport_failures(dataset: Path) -> None:
    with SimServerProcess(dataset, latency_ms=3000) as server:
        client = fast_client([server.api_base], timeout_s=0.2, max_retries=1)
        started = time.monotonic()
        results = asyncio.run(ask_all(client, 2))
        elapsed = time.monotonic() - started
    assert all(r.failure.kind is FailureKind.TRANSPORT for r in results)
    assert "timed out" in results[0].failure.message
    assert elapsed < 2.5


def test_a_model_the_server_lacks_is_a_user_error_listing_served_models(dataset: Path) -> None:
    with SimServerProcess(dataset) as server:
        client = fast_client([server.api_base], model_id="Qwen/Qwen2.5-VL-7B-Instruct")
        with pytest.raises(SteerlangError) as error:
            asyncio.run(ask_all(client, 1))
    message = str(error.value)
    assert "Qwen/Qwen2.5-VL-7B-Instruct" in message and "serves: steerlang-sim" in message


def test_a_replica_killed_mid_run_is_routed_around_and_brought_back(dataset: Path) -> None:
    with (
        SimServerProcess(dataset, latency_ms=20) as steady,
        SimServerProcess(dataset, latency_ms=20) as flaky,
    ):
        client = fast_client([steady.api_base, flaky.api_base], max_in_flight=4, max_retries=6)

        async def scenario() -> tuple[list[VlmResult], list[VlmResult], list[VlmResult]]:
            first = await asyncio.gather(
                *(client.complete(plan_request(seed=i)) for i in range(20))
            )
            flaky.stop()
            during = await asyncio.gather(
                *(client.complete(plan_request(seed=100 + i)) for i in range(20))
            )
            ejected = not client.backend.pool.replicas[1].healthy
            flaky.start()  # same port as before
            for _ in range(100):
                if client.backend.pool.replicas[1].healthy:
                    break
                await asyncio.sleep(0.05)
            after = await asyncio.gather(
                *(client.complete(plan_request(seed=200 + i)) for i in range(20))
            )
            await client.aclose()
            assert ejected
            return first, during, after

        first, during, after = asyncio.run(scenario())
        restarted_stats = flaky.stats()
    assert all(r.ok for r in first + during + after)
    assert restarted_stats["requests"] > 0  # back in rotation after the restart
