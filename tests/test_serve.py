"""Auto-serve: servers started when api_base does not answer, and always stopped."""

from __future__ import annotations

import asyncio
import io
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from steerlang.annotate.frames.clips import remux_span
from steerlang.annotate.modules.answers import SegmentAnswer
from steerlang.annotate.vlm.config import VlmConfig
from steerlang.annotate.vlm.factory import build_client
from steerlang.annotate.vlm.serve import answers_http, free_port
from steerlang.annotate.vlm.server_command import replica_devices, server_argv
from steerlang.annotate.vlm.types import (
    FailureKind,
    Message,
    SamplingParams,
    TextPart,
    VideoPart,
    VlmRequest,
)
from steerlang.dataset.synth import CameraSpec
from steerlang.errors import SteerlangError
from tests.conftest import require_torch
from tests.tiny_idefics3 import build_tiny_idefics3
from tests.vlm_fixtures import SIM_DATASET, SIM_MODEL, jpeg, plan_request


@pytest.fixture
def dataset(synth_cache) -> Path:
    return synth_cache(**SIM_DATASET)


def sim_serve_command(dataset: Path) -> str:
    return (
        shlex.join(
            [
                sys.executable,
                "-m",
                "steerlang.commands.cli",
                "sim-server",
                "--dataset",
                str(dataset),
            ]
        )
        + " --port {port}"
    )


def test_server_argv_substitutes_the_port_without_a_shell() -> None:
    argv = server_argv("m", 8123, "serve --model 'my model' --port {port} ; rm -rf /")
    assert argv == ["serve", "--model", "my model", "--port", "8123", ";", "rm", "-rf", "/"]


def test_default_server_is_transformers_serve_pinned_to_the_model() -> None:
    argv = server_argv("org/model", 8123, None)
    assert Path(argv[0]).name in {"vllm", "transformers"}
    assert argv[1:3] == ["serve", "org/model"]
    assert argv[-4:] == ["--host", "127.0.0.1", "--port", "8123"]


def test_replicas_get_one_device_each() -> None:
    assert replica_devices(1, "0,1") == [None]
    assert replica_devices(2, None) == ["0", "1"]
    assert replica_devices(2, "4,6,7") == ["4", "6"]
    with pytest.raises(SteerlangError):
        replica_devices(3, "0,1")


def test_auto_serve_starts_replicas_and_stops_them_on_close(dataset: Path) -> None:
    log = io.StringIO()
    config = VlmConfig(
        model_id=SIM_MODEL,
        api_base=f"http://127.0.0.1:{free_port()}/v1",
        serve_command=sim_serve_command(dataset),
        serve_port=0,
        parallel_servers=2,
        cache=False,
    )
    client = build_client(config, server_log=log)
    fleet = client._servers
    assert fleet is not None and len(fleet.servers) == 2

    async def run() -> list:
        try:
            return await asyncio.gather(*(client.complete(plan_request(seed=i)) for i in range(8)))
        finally:
            await client.aclose()

    results = asyncio.run(run())
    assert all(r.ok for r in results)
    assert [r.sent > 0 for r in client.backend.pool.replicas] == [True, True]
    assert all(s.process.poll() is not None for s in fleet.servers)
    assert not any(answers_http(f"{base}/models") for base in fleet.api_bases)
    lines = log.getvalue().splitlines()
    assert any(line.startswith("[server-0] sim-server listening") for line in lines)
    assert any(line.startswith("[server-1] sim-server listening") for line in lines)


def test_a_server_dying_at_start_up_fails_at_once_with_its_log() -> None:
    crash = shlex.join([sys.executable, "-c", "import sys; print('no GPU for you'); sys.exit(3)"])
    config = VlmConfig(
        model_id="m",
        api_base=f"http://127.0.0.1:{free_port()}/v1",
        serve_command=crash + " {port}",
        serve_port=0,
    )
    started = time.monotonic()
    with pytest.raises(SteerlangError) as error:
        build_client(config, server_log=io.StringIO())
    assert time.monotonic() - started < 10
    assert "exited with code 3" in str(error.value) and "no GPU for you" in str(error.value)


def test_no_server_and_no_auto_serve_is_a_user_error() -> None:
    config = VlmConfig(api_base=f"http://127.0.0.1:{free_port()}/v1", auto_serve=False)
    with pytest.raises(SteerlangError, match="auto_serve"):
        build_client(config)


def test_sigterm_stops_the_servers_it_started(dataset: Path, tmp_path: Path) -> None:
    """A run killed with SIGTERM takes its model servers down with it."""
    pid_file = tmp_path / "server.pid"
    script = textwrap.dedent(
        f"""
        import io, sys, time
        from steerlang.annotate.vlm.config import VlmConfig
        from steerlang.annotate.vlm.factory import build_client
        config = VlmConfig(model_id={SIM_MODEL!r}, api_base="http://127.0.0.1:{free_port()}/v1",
                           serve_command={sim_serve_command(dataset)!r}, serve_port=0, cache=False)
        client = build_client(config, server_log=io.StringIO())
        open({str(pid_file)!r}, "w").write(str(client._servers.servers[0].process.pid))
        time.sleep(60)
        """
    )
    run = subprocess.Popen([sys.executable, "-c", script])
    try:
        for _ in range(300):
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.1)
        server_pid = int(pid_file.read_text())
        os.kill(run.pid, signal.SIGTERM)
        assert run.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(server_pid, 0)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_auto_serve_runs_transformers_serve_of_a_tiny_idefics3(tmp_path: Path, synth_cache) -> None:
    """A real server and a real (random) model: an image goes in, noise comes back as a
    failure; a video block (frames, or an mp4 clip) comes back as noise or a refusal."""
    require_torch()
    video_dataset = synth_cache(
        episodes=1, seconds=(2.0, 2.0), codec="h264", cameras=(CameraSpec("top", 64, 48),)
    )
    model_dir = build_tiny_idefics3(tmp_path / "tiny-idefics3")
    hub = tmp_path / "hub"
    hub.mkdir()
    os.environ.update({"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(hub)})
    port = free_port()
    config = VlmConfig(
        model_id=str(model_dir),
        api_base=f"http://127.0.0.1:{port}/v1",
        serve_port=port,
        max_new_tokens=24,
        timeout_s=120,
        max_retries=1,  # a refused video is not worth four more tries here
        cache=False,
    )
    log = io.StringIO()
    try:
        client = build_client(config, server_log=log)
    finally:
        for key in ("HF_HUB_OFFLINE", "HF_HUB_CACHE"):
            os.environ.pop(key, None)
    fleet = client._servers
    assert fleet is not None
    assert Path(fleet.servers[0].argv[0]).name == "transformers"

    clip = remux_span(next((video_dataset / "videos").rglob("*.mp4")), 0.4, 1.6)
    videos = [
        video_request(VideoPart(2.0, frames=(jpeg(),) * 4)),
        video_request(VideoPart(1.0, mp4=clip.data)),
    ]

    async def run():
        try:
            plans = await asyncio.gather(
                client.complete(plan_request()), client.complete(plan_request(seed=1))
            )
            return plans, [await client.complete(request) for request in videos]
        finally:
            await client.aclose()

    results, video_results = asyncio.run(run())
    for result in results:
        assert not result.ok
        assert result.failure.kind in {
            FailureKind.UNPARSEABLE,
            FailureKind.SCHEMA_INVALID,
            FailureKind.EMPTY,
        }
        assert result.attempts >= 1
    assert any(r.raw_text for r in results), "the model answered (with noise)"
    # a video (frames or a clip) is answered, with noise, or refused: either way one
    # recorded failure, never an exception
    for result in video_results:
        assert not result.ok and result.failure is not None
        assert "\n" not in result.failure.message
    # transformers serve refuses fields it does not know (422): the fps hint was learnt
    # once and then left out
    assert client.backend.pool.replicas[0].accepts["mm_processor_kwargs"] is False
    assert fleet.servers[0].process.poll() is not None
    assert "POST /v1/chat/completions" in log.getvalue()


def video_request(video: VideoPart) -> VlmRequest:
    """A segment request with one video block, as the plan module sends one."""
    text = TextPart("Split what the robot does into subtasks.")
    return VlmRequest(
        purpose="segment",
        messages=(Message("user", (text, video)),),
        answer_model=SegmentAnswer,
        sampling=SamplingParams(max_new_tokens=24),
        context={"episode_index": 0, "window": [0.0, 1.2]},
    )
