"""The in-process sim backend: replies go through parsing and validation like a real model's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from steerlang.annotate.modules.answers import PlanAnswer, answer_model
from steerlang.annotate.vlm.types import FailureKind, Message, TextPart, VlmRequest, VlmResult
from steerlang.dataset.groundtruth import load_truth
from steerlang.dataset.synth import SynthConfig
from steerlang.errors import SteerlangError
from steerlang.sim.backend import SimBackend
from steerlang.sim.knobs import SimKnobs
from steerlang.sim.truth_only import write_truth_only


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "dataset"
    return write_truth_only(SynthConfig(out=out, episodes=2, seconds=(3.0, 4.0)))


def plan_request(episode: int = 0) -> VlmRequest:
    return VlmRequest(
        purpose="plan",
        messages=(Message("user", (TextPart("Write the plan."),)),),
        answer_model=PlanAnswer,
        context={"episode_index": episode, "task": "whatever"},
    )


def complete(root: Path, request: VlmRequest, **knobs) -> VlmResult:
    return asyncio.run(SimBackend(root, SimKnobs(**knobs)).complete(request))


def test_a_clean_reply_is_the_validated_ground_truth(root: Path) -> None:
    result = complete(root, plan_request())
    assert result.ok and result.attempts == 1 and result.failure is None
    assert isinstance(result.answer, PlanAnswer)
    assert result.answer.steps == [s.label for s in load_truth(root, 0).subtasks]


def test_wrapped_replies_are_recovered(root: Path) -> None:
    clean = complete(root, plan_request()).answer
    wrapped = complete(root, plan_request(), think_prob=1.0, fence_prob=1.0, prose_prob=1.0)
    assert wrapped.ok and wrapped.answer == clean
    assert wrapped.raw_text.startswith("<think>")


@pytest.mark.parametrize(
    ("knob", "kind"),
    [
        ("invalid_json_prob", FailureKind.UNPARSEABLE),
        ("schema_invalid_prob", FailureKind.SCHEMA_INVALID),
        ("empty_prob", FailureKind.EMPTY),
        ("http_error_rate", FailureKind.TRANSPORT),
    ],
)
def test_broken_replies_become_typed_failures(root: Path, knob: str, kind: FailureKind) -> None:
    result = complete(root, plan_request(), **{knob: 1.0})
    assert not result.ok and result.failure.kind is kind
    assert result.attempts == (
        2 if kind in {FailureKind.UNPARSEABLE, FailureKind.SCHEMA_INVALID} else 1
    )


def test_the_repair_retry_draws_a_fresh_reply(root: Path) -> None:
    backend = SimBackend(root, SimKnobs(invalid_json_prob=0.5, seed=11))

    async def run() -> list[VlmResult]:
        return [await backend.complete(plan_request(e % 2)) for e in range(40)]

    results = asyncio.run(run())
    assert any(r.ok and r.attempts == 2 for r in results)
    assert backend.engine.stats.by_purpose["plan"] == sum(r.attempts for r in results)


def test_latency_is_slept_without_blocking_other_requests(root: Path) -> None:
    backend = SimBackend(root, SimKnobs(latency_ms=200))

    async def run() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.gather(*(backend.complete(plan_request()) for _ in range(10)))
        return loop.time() - start

    assert 0.19 < asyncio.run(run()) < 1.0


def test_a_request_without_context_is_a_clear_error(root: Path) -> None:
    request = VlmRequest("plan", (Message("user", (TextPart("Plan."),)),), PlanAnswer)
    with pytest.raises(SteerlangError, match="request context"):
        asyncio.run(SimBackend(root).complete(request))


def contexts(root: Path) -> dict[str, dict]:
    """A context for every purpose, at times inside episode 0."""
    truth = load_truth(root, 0)
    mid = (truth.subtasks[1].start + truth.subtasks[1].end) / 2
    frame = truth.frame_at(mid)
    return {
        "task": {"window": [0.0, mid]},
        "task_paraphrases": {"task": truth.task, "n": 3},
        "describe": {"window": [0.0, mid], "tile_times": [0.0, mid]},
        "segment": {"window": [0.0, mid], "tile_times": [0.0, mid], "episode_duration": 3.0},
        "relabel": {"span": [truth.subtasks[1].start, truth.subtasks[1].end]},
        "plan": {"task": truth.task},
        "plan_refresh": {"time": mid, "plan": [], "interjection": "Slower.", "subtasks_done": []},
        "memory": {"time": mid, "completed": [], "previous_memory": None},
        "speech_initial": {"task": truth.task},
        "interjection": {"time": mid, "subtask": truth.subtasks[1].label, "kind": "preference"},
        "vqa": {
            "time": mid,
            "frame_index": frame,
            "camera": "observation.images.top",
            "question_type": "count",
        },
    }


def test_every_purpose_survives_wrapping_through_the_shared_parsing_path(root: Path) -> None:
    backend = SimBackend(root, SimKnobs(think_prob=1.0, fence_prob=1.0, prose_prob=1.0))
    for purpose, context in contexts(root).items():
        context = {"episode_index": 0, **context}
        request = VlmRequest(
            purpose,
            (Message("user", (TextPart("Answer."),)),),
            answer_model(purpose, context),
            context=context,
        )
        result = asyncio.run(backend.complete(request))
        assert result.ok, (purpose, result.failure)
        assert result.raw_text.startswith("<think>") and "```json" in result.raw_text
        assert result.answer == backend.engine.answer(purpose, context), purpose
