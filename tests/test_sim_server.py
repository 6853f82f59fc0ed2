"""`steerlang sim-server` over real HTTP on 127.0.0.1, driven by the `openai` package's client."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from steerlang.annotate.modules.answers import PlanAnswer, SegmentAnswer
from steerlang.annotate.vlm.types import context_text
from steerlang.commands.sim_server import COMMAND, knobs_from
from steerlang.dataset.groundtruth import load_truth
from steerlang.dataset.synth import SynthConfig
from steerlang.sim.engine import SimEngine
from steerlang.sim.knobs import SimKnobs
from steerlang.sim.server import SimServerThread
from steerlang.sim.truth_only import write_truth_only


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "dataset"
    return write_truth_only(SynthConfig(out=out, episodes=2, seconds=(3.0, 4.0)))


def serve(root: Path, **knobs) -> SimServerThread:
    return SimServerThread(SimEngine(root, SimKnobs(**knobs)))


@pytest.fixture
def server(root: Path) -> Iterator[SimServerThread]:
    with serve(root) as running:
        yield running


def client(running: SimServerThread) -> openai.OpenAI:
    return openai.OpenAI(base_url=running.server.base_url, api_key="sim", max_retries=0, timeout=10)


def messages(purpose: str, **context) -> list[dict]:
    """A chat.completions body's messages, context part last (as `with_context_part` sends)."""
    parts = [
        {"type": "text", "text": "Answer with JSON."},
        {"type": "text", "text": context_text(purpose, {"episode_index": 0, **context})},
    ]
    return [
        {"role": "system", "content": "You annotate robot videos."},
        {"role": "user", "content": parts},
    ]


def schema_format(model: type) -> dict:
    return {
        "type": "json_schema",
        "json_schema": {"name": model.__name__, "schema": model.model_json_schema()},
    }


def stats(running: SimServerThread) -> dict:
    url = running.server.base_url.removesuffix("/v1") + "/sim/stats"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_models_lists_the_simulated_model(server: SimServerThread) -> None:
    assert [m.id for m in client(server).models.list().data] == ["steerlang-sim"]


def test_chat_completion_with_response_format_is_pure_valid_json(
    root: Path, server: SimServerThread
) -> None:
    completion = client(server).chat.completions.create(
        model="steerlang-sim",
        messages=messages("plan", task="t"),
        response_format=schema_format(PlanAnswer),
    )
    assert "sim" in completion.model
    text = completion.choices[0].message.content
    assert PlanAnswer.model_validate_json(text).steps == [
        s.label for s in load_truth(root, 0).subtasks
    ]


def test_without_response_format_the_form_knobs_apply(root: Path) -> None:
    with serve(root, fence_prob=1.0) as running:
        fenced = client(running).chat.completions.create(
            model="steerlang-sim", messages=messages("plan", task="t")
        )
        structured = client(running).chat.completions.create(
            model="steerlang-sim",
            messages=messages("plan", task="t"),
            response_format=schema_format(PlanAnswer),
        )
        as_text = client(running).chat.completions.create(
            model="steerlang-sim",
            messages=messages("plan", task="t"),
            response_format={"type": "text"},
        )
    assert fenced.choices[0].message.content.startswith("```json")
    assert structured.choices[0].message.content.startswith("{")
    assert as_text.choices[0].message.content.startswith("```json")


def test_response_format_is_refused_with_422_when_asked_to(root: Path) -> None:
    with serve(root, reject_response_format=True) as running:
        api = client(running)
        with pytest.raises(openai.UnprocessableEntityError):
            api.chat.completions.create(
                model="steerlang-sim",
                messages=messages("plan", task="t"),
                response_format=schema_format(PlanAnswer),
            )
        plain = api.chat.completions.create(
            model="steerlang-sim", messages=messages("plan", task="t")
        )
        assert PlanAnswer.model_validate_json(plain.choices[0].message.content)
        assert stats(running)["rejected"] == {"response_format": 1}


def test_injected_http_errors_are_5xx(root: Path) -> None:
    with serve(root, http_error_rate=1.0) as running:
        with pytest.raises(openai.InternalServerError):
            client(running).chat.completions.create(
                model="steerlang-sim", messages=messages("plan", task="t")
            )
        assert stats(running)["injected"] == {"http_error": 1}


def test_unknown_models_and_missing_context_are_client_errors(server: SimServerThread) -> None:
    api = client(server)
    with pytest.raises(openai.NotFoundError, match="Served models: steerlang-sim"):
        api.chat.completions.create(model="Qwen/Qwen3-VL-8B-Instruct", messages=messages("plan"))
    with pytest.raises(openai.BadRequestError, match="Context"):
        api.chat.completions.create(
            model="steerlang-sim", messages=[{"role": "user", "content": "hi"}]
        )


def test_stats_count_requests_per_purpose(server: SimServerThread) -> None:
    api = client(server)
    window = {"window": [0.0, 2.0], "tile_times": [0.0, 1.0], "episode_duration": 3.0}
    for _ in range(3):
        api.chat.completions.create(model="steerlang-sim", messages=messages("segment", **window))
    api.chat.completions.create(model="steerlang-sim", messages=messages("plan", task="t"))
    counted = stats(server)
    assert counted["requests"] == 4
    assert counted["by_purpose"] == {"plan": 1, "segment": 3}


def test_concurrent_requests_overlap_their_latency(root: Path) -> None:
    with serve(root, latency_ms=200) as running:
        api = openai.AsyncOpenAI(base_url=running.server.base_url, api_key="sim", max_retries=0)

        async def burst() -> float:
            start = time.monotonic()
            window = {"window": [0.0, 3.0], "tile_times": [0.0], "episode_duration": 3.0}
            replies = await asyncio.gather(
                *(
                    api.chat.completions.create(
                        model="steerlang-sim", messages=messages("segment", **window)
                    )
                    for _ in range(16)
                )
            )
            assert all(
                SegmentAnswer.model_validate_json(r.choices[0].message.content) for r in replies
            )
            await api.close()
            return time.monotonic() - start

        assert 0.19 < asyncio.run(burst()) < 1.6  # 16 requests in series would take 3.2 s


def test_a_stopped_server_refuses_connections_and_restarts_on_its_port(root: Path) -> None:
    running = serve(root)
    running.start()
    port = running.server.port
    running.stop()
    with pytest.raises(openai.APIConnectionError):
        client(running).models.list()
    running.start(port)
    try:
        assert running.server.port == port and client(running).models.list().data
    finally:
        running.stop()


def test_cli_prints_its_address_and_stops_on_sigterm(root: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "steerlang.commands.cli",
        "sim-server",
        f"--dataset={root}",
        "--port=0",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("sim-server listening on http://127.0.0.1:")
        api = openai.OpenAI(base_url=line.rsplit(" ", 1)[1] + "/v1", api_key="sim", max_retries=0)
        assert [m.id for m in api.models.list().data] == ["steerlang-sim"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_knob_flags_accept_kebab_and_snake_case(tmp_path: Path) -> None:
    args = COMMAND.parse(
        [
            f"--dataset={tmp_path}",
            "--label-noise=0.25",
            "--latency_ms=120",
            "--coordinates=norm1000",
            "--reject-response-format",
            "--seed=9",
        ]
    )
    assert knobs_from(args) == SimKnobs(
        label_noise=0.25,
        latency_ms=120.0,
        coordinates="norm1000",
        reject_response_format=True,
        seed=9,
    )
