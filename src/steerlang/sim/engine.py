"""The answer engine: (purpose, context) + ground truth + seeded knobs → reply text.

Shared by the in-process backend and the HTTP server, so both answer alike.
Randomness is derived from (seed, purpose, context, how many times this exact
request was asked): answers do not depend on the order requests arrive in,
and asking the same thing again (a retry) draws fresh noise.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Any

from steerlang.annotate.modules.answers import (
    PURPOSES,
    PlanAnswer,
    RelabelAnswer,
    SegmentAnswer,
)
from steerlang.annotate.vlm.types import SIMULATED_MODEL_PREFIX
from steerlang.dataset.groundtruth import EpisodeTruth, has_groundtruth, load_truth
from steerlang.errors import SteerlangError
from steerlang.language.vqa_shapes import Answer, KeypointAnswer, VqaBboxAnswer, VqaKeypointAnswer
from steerlang.sim import language, malform, noise, reasoning, timeline, vqa
from steerlang.sim.knobs import SimKnobs
from steerlang.sim.stats import SimStats
from steerlang.sim.vocabulary import within_vocabulary

SIM_MODEL_ID = SIMULATED_MODEL_PREFIX
HTTP_ERRORS = (500, 502, 503)


@dataclass(frozen=True)
class SimReply:
    """One simulated reply: its text ("" when empty or refused), HTTP status and delay."""

    purpose: str
    text: str
    status: int = 200
    latency_s: float = 0.0
    injected: tuple[str, ...] = ()


def request_key(purpose: str, context: Mapping[str, Any]) -> str:
    """What identifies a request for the random draws: its purpose and context."""
    return json.dumps([purpose, context], sort_keys=True, default=str)


class SimEngine:
    """Answers requests about the episodes of one synthetic dataset."""

    def __init__(self, root: Path, knobs: SimKnobs | None = None) -> None:
        self.root = Path(root)
        if not has_groundtruth(self.root):
            raise SteerlangError(
                f"{self.root} has no groundtruth/ folder; the simulated VLM answers from "
                "the ground truth of a dataset made by `steerlang synth`"
            )
        self.knobs = knobs or SimKnobs()
        self.stats = SimStats()
        self._truths: dict[int, EpisodeTruth] = {}
        self._asked: Counter[bytes] = Counter()

    def truth(self, episode_index: int) -> EpisodeTruth:
        if episode_index not in self._truths:
            self._truths[episode_index] = load_truth(self.root, episode_index)
        return self._truths[episode_index]

    def reply(self, purpose: str, context: Mapping[str, Any], structured: bool) -> SimReply:
        """The reply to one request; `structured`: the server enforces the JSON schema."""
        key = request_key(purpose, context)
        asked = blake2b(key.encode(), digest_size=16).digest()  # small, for long runs
        nth = self._asked[asked]
        self._asked[asked] += 1
        self.stats.requests += 1
        self.stats.by_purpose[purpose] += 1
        answer = self.answer(purpose, context)
        knobs = self.knobs
        if answer is not None and self._rng("off_image", key, nth).random() < knobs.off_image_prob:
            answer = malform.off_image(answer)
            self.stats.injected.update(("off_image",))
        form = self._rng("form", key, nth)
        latency = self._latency(self._rng("latency", key, nth))
        if self._rng("http", key, nth).random() < knobs.http_error_rate:
            return self._injected(purpose, "", latency, ("http_error",), form.choice(HTTP_ERRORS))
        if answer is None:
            return self._injected(purpose, "", latency, ("refused",))
        if form.random() < knobs.empty_prob:
            return self._injected(purpose, "", latency, ("empty",))
        text = answer.model_dump_json()
        if structured:
            return SimReply(purpose, text, latency_s=latency)
        return self._malformed(purpose, text, latency, form)

    def answer(self, purpose: str, context: Mapping[str, Any]) -> Answer | None:
        """The answer object, with content noise; None when there is nothing to answer from."""
        key = request_key(purpose, context)
        try:
            truth = self.truth(int(context["episode_index"]))
            exact = self._exact(purpose, context, truth, self._rng("choose", key))
        except KeyError as exc:
            raise SteerlangError(
                f"the context of a {purpose!r} request lacks {exc}; see steerlang.annotate.modules.answers "
                "for the facts each purpose must send"
            ) from None
        if exact is None:
            return None
        answer = self._noisy(purpose, exact, truth, key)
        labels = context.get("labels")
        return within_vocabulary(answer, labels) if labels else answer

    def _exact(
        self, purpose: str, ctx: Mapping[str, Any], truth: EpisodeTruth, choose: random.Random
    ) -> Answer | None:
        if purpose == "task":
            return language.task(truth)
        if purpose == "task_paraphrases":
            return language.paraphrases(ctx, truth)
        if purpose == "describe":
            return timeline.describe(ctx, truth)
        if purpose == "segment":
            return timeline.segment(ctx, truth)
        if purpose == "relabel":
            return timeline.relabel(ctx, truth)
        if purpose == "plan":
            return language.plan(truth)
        if purpose == "plan_refresh":
            return language.plan_refresh(ctx, truth)
        if purpose == "memory":
            return language.memory(ctx, truth)
        if purpose == "speech_initial":
            return language.speech_initial(ctx, truth)
        if purpose == "interjection":
            return language.interjection(ctx, truth, choose)
        if purpose == "vqa":
            return vqa.vqa(ctx, truth, self.knobs.coordinates, choose)
        if purpose == "reasoning":
            return reasoning.reasoning(ctx, truth, self.knobs.coordinates)
        raise SteerlangError(f"the simulator does not know purpose {purpose!r}; known: {PURPOSES}")

    def _noisy(self, purpose: str, answer: Answer, truth: EpisodeTruth, key: str) -> Answer:
        """Boundary jitter and label noise, for the purposes whose content they describe.

        Drawn from the request alone, not from how often it was asked: a model at
        temperature 0 says the same thing again, so a retried or cached call gives the
        same content as an answer that came at once.
        """
        p = self.knobs.label_noise
        labels = self._rng("labels", key)
        subtask_labels = [s.label for s in truth.subtasks]
        object_labels = [o["label"] for o in truth.objects]
        if isinstance(answer, SegmentAnswer):
            if self.knobs.boundary_jitter_s > 0:
                jitter = self._rng("jitter", key)
                answer = noise.jitter_boundaries(answer, self.knobs.boundary_jitter_s, jitter)
            new = noise.noisy_labels([s.label for s in answer.subtasks], subtask_labels, p, labels)
            for span, label in zip(answer.subtasks, new, strict=True):
                span.label = label
        elif purpose == "relabel" and isinstance(answer, RelabelAnswer):
            answer.label = noise.noisy_labels([answer.label], subtask_labels, p, labels)[0]
        elif purpose == "plan" and isinstance(answer, PlanAnswer):
            answer.steps = noise.noisy_labels(answer.steps, subtask_labels, p, labels)
        elif purpose == "vqa" and isinstance(answer, VqaBboxAnswer):
            new = noise.noisy_labels(
                [d.label for d in answer.answer.detections], object_labels, p, labels
            )
            for detection, label in zip(answer.answer.detections, new, strict=True):
                detection.label = label
        elif (
            purpose == "vqa"
            and isinstance(answer, VqaKeypointAnswer)
            and isinstance(answer.answer, KeypointAnswer)
        ):
            point = answer.answer
            point.label = noise.noisy_labels([point.label], object_labels, p, labels)[0]
        return answer

    def _malformed(self, purpose: str, text: str, latency: float, form: random.Random) -> SimReply:
        knobs = self.knobs
        injected = []
        if form.random() < knobs.invalid_json_prob:
            text, injected = malform.invalid_json(text), ["invalid_json"]
        elif form.random() < knobs.schema_invalid_prob:
            text, injected = malform.schema_invalid(text), ["schema_invalid"]
        for name, probability, wrap in (
            ("fence", knobs.fence_prob, malform.with_fence),
            ("prose", knobs.prose_prob, malform.with_prose),
            ("think", knobs.think_prob, malform.with_think),
        ):
            if form.random() < probability:
                text = wrap(text)
                injected.append(name)
        return self._injected(purpose, text, latency, tuple(injected))

    def _injected(
        self, purpose: str, text: str, latency: float, injected: tuple[str, ...], status: int = 200
    ) -> SimReply:
        self.stats.injected.update(injected)
        return SimReply(purpose, text, status, latency, injected)

    def _latency(self, rng: random.Random) -> float:
        mean, jitter = self.knobs.latency_ms, self.knobs.latency_jitter_ms
        return max(0.0, mean + rng.uniform(-jitter, jitter)) / 1000

    def _rng(self, concern: str, key: str, nth: int = 0) -> random.Random:
        """An independent stream per concern, so one knob's draws never shift another's."""
        material = f"{self.knobs.seed}|{concern}|{nth}|{key}".encode()
        return random.Random(int.from_bytes(blake2b(material, digest_size=8).digest(), "big"))
