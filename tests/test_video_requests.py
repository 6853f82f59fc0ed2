"""Video blocks on the wire: vLLM's `video_url` forms, the fps hint sent once a server is
known to take it (and never again to one that refused it), and the simulator turning away
a video that does not show what its prompt says."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest

from steerlang.annotate.frames.clips import Clip, remux_span
from steerlang.annotate.modules.answers import DescribeAnswer
from steerlang.annotate.vlm.types import (
    FailureKind,
    Message,
    TextPart,
    VideoPart,
    VlmRequest,
    VlmResult,
)
from steerlang.dataset import open_dataset
from steerlang.dataset.synth import CameraSpec
from steerlang.sim.engine import SimEngine
from steerlang.sim.server import SimServerThread
from steerlang.sim.server_process import SimServerProcess
from tests.vlm_fixtures import fast_client, jpeg

DATASET = {
    "episodes": 1,
    "seconds": (3.0, 3.0),
    "codec": "h264",  # B-frames: decode times below presentation times
    "cameras": (CameraSpec("top", 64, 48),),
}
TIMES = [0.5, 1.0, 1.5, 2.0]


@pytest.fixture
def dataset(synth_cache) -> Path:
    return synth_cache(**DATASET)


def clip_of(root: Path, start: float, end: float) -> Clip:
    episode = open_dataset(root).episodes[0]
    span = episode.videos["observation.images.top"]
    return remux_span(span.path, span.from_timestamp + start, span.from_timestamp + end)


def describe(video: VideoPart, times: list[float], clip: list[float] | None = None) -> VlmRequest:
    """A describe request as the plan module sends one for a video window."""
    kind = "video_frames" if clip is None else "video_clip"
    facts: dict[str, Any] = {"input": kind, "fps": video.fps}
    if clip is not None:
        facts["clip"] = clip
    return VlmRequest(
        purpose="describe",
        messages=(Message("user", (TextPart("What happens at each time?"), video)),),
        answer_model=DescribeAnswer,
        context={
            "episode_index": 0,
            "window": [times[0], times[-1]],
            "frame_times": times,
            "video": facts,
        },
    )


def ask(api_base: str, *requests: VlmRequest, **options: Any) -> tuple[list[VlmResult], dict]:
    client = fast_client([api_base], max_in_flight=1, **options)

    async def run() -> list[VlmResult]:
        try:
            return [await client.complete(r) for r in requests]
        finally:
            await client.aclose()

    results = asyncio.run(run())
    return results, client.backend.pool.replicas[0].accepts


def recorded_bodies(dataset: Path, *requests: VlmRequest) -> tuple[list[VlmResult], list[dict]]:
    """The answers, and the bodies the server received."""
    thread = SimServerThread(SimEngine(dataset))
    bodies: list[dict] = []
    answer = thread.server._chat

    async def recording(body: dict) -> Any:
        bodies.append(body)
        return await answer(body)

    thread.server._chat = recording  # type: ignore[method-assign]
    with thread:
        results, _ = ask(thread.server.base_url, *requests)
    return results, bodies


def video_part(body: dict) -> dict:
    (user,) = [m for m in body["messages"] if m["role"] == "user"]
    (video,) = [p for p in user["content"] if p["type"] == "video_url"]
    return video


def test_frames_go_as_one_vllm_video_url_of_jpegs_with_their_rate(dataset: Path) -> None:
    frames = tuple(jpeg((40 * i, 90, 200)) for i in range(len(TIMES)))
    results, bodies = recorded_bodies(dataset, describe(VideoPart(2.0, frames=frames), TIMES))
    assert results[0].ok
    assert [o.time for o in results[0].answer.observations] == TIMES
    (body,) = bodies
    head, _, data = video_part(body)["video_url"]["url"].partition(",")
    assert head == "data:video/jpeg;base64"
    assert [base64.b64decode(f) for f in data.split(",")] == list(frames)
    assert body["mm_processor_kwargs"] == {"fps": 2.0}
    assert body["response_format"]["type"] == "json_schema"


def test_a_clip_goes_as_an_mp4_data_url_with_the_rate_to_read_it_at(dataset: Path) -> None:
    clip = clip_of(dataset, 1.2, 2.2)
    assert clip.start <= 1.2
    request = describe(VideoPart(1.0, mp4=clip.data), [1.2, 2.2], [clip.start, clip.end])
    results, bodies = recorded_bodies(dataset, request)
    assert results[0].ok
    (body,) = bodies
    url = video_part(body)["video_url"]["url"]
    assert url.startswith("data:video/mp4;base64,")
    assert base64.b64decode(url.partition(",")[2]) == clip.data
    assert body["mm_processor_kwargs"] == {"fps": 1.0}


def test_a_server_refusing_the_fps_hint_is_asked_without_it_from_then_on(dataset: Path) -> None:
    frames = tuple(jpeg() for _ in TIMES)
    requests = [describe(VideoPart(2.0, frames=frames), TIMES) for _ in range(3)]
    with SimServerProcess(dataset, reject_unknown_fields=True) as server:
        results, accepts = ask(server.api_base, *requests)
        stats = server.stats()
    assert all(r.ok and r.attempts == 1 for r in results)
    # one refusal teaches the client; the schema still goes as response_format
    assert stats["rejected"] == {"unknown_fields": 1}
    assert stats["videos"] == {"video_frames": 3, "fps_hint": 0}
    assert accepts == {"mm_processor_kwargs": False, "response_format": True}


def test_a_server_taking_the_fps_hint_gets_it_every_time(dataset: Path) -> None:
    clip = clip_of(dataset, 0.0, 1.0)
    video = VideoPart(2.0, mp4=clip.data)
    requests = [describe(video, [0.0, 0.5, 1.0], [clip.start, clip.end]) for _ in range(2)]
    with SimServerProcess(dataset) as server:
        results, accepts = ask(server.api_base, *requests)
        stats = server.stats()
    assert all(r.ok for r in results)
    assert stats["videos"] == {"video_clip": 2, "fps_hint": 2} and stats["rejected"] == {}
    assert accepts == {"mm_processor_kwargs": True, "response_format": True}


@pytest.mark.parametrize("lie", ["frames", "clip_span"])
def test_the_simulator_refuses_a_video_unlike_its_prompt(dataset: Path, lie: str) -> None:
    if lie == "frames":  # three frames, four times stated
        request = describe(VideoPart(2.0, frames=(jpeg(),) * 3), TIMES)
        says = "holds 3 frames but the prompt states 4 times"
    else:  # a one-second clip said to span two seconds
        clip = clip_of(dataset, 0.0, 1.0)
        request = describe(VideoPart(1.0, mp4=clip.data), [0.0, 1.0], [0.0, 2.0])
        says = "but the prompt says it spans"
    with SimServerThread(SimEngine(dataset)) as thread:
        results, accepts = ask(thread.server.base_url, request)
    (result,) = results
    assert not result.ok and result.failure is not None
    assert result.failure.kind is FailureKind.TRANSPORT
    assert says in result.failure.message and "\n" not in result.failure.message
    assert accepts == {}  # a refused video teaches nothing about the optional fields
