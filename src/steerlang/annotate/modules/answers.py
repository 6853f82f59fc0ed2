"""The answer schemas of every VLM request the pipeline makes, one per purpose.

Each model is both the JSON schema sent to the server (structured output) and
the validator of what comes back. Every docstring lists the `context` facts the
pipeline must send with that purpose (`VlmRequest.context`): they tell a real
model the exact source times of what it sees, and let the simulated backend
answer from ground truth. Every context also carries `episode_index`. Times are
seconds of episode time; coordinates in VQA answers are in the model's own
convention (the pipeline converts them to source pixels).
"""

from __future__ import annotations

from functools import cache
from types import GenericAlias
from typing import Any, Literal

from pydantic import Field, create_model, model_validator

from steerlang.language.reasoning_shape import ReasoningThought
from steerlang.language.vqa_shapes import (
    Answer,
    NonEmpty,
    vqa_answer_model,
)

INTERJECTION_KINDS = (
    "negative_task",
    "situated_correction",
    "specific_constraint",
    "preference",
)

InterjectionKind = Literal[
    "negative_task", "situated_correction", "specific_constraint", "preference"
]


class TaskAnswer(Answer):
    """purpose `task`: the task derived from the video when the stored one is unusable.

    context: episode_index, window [t0, t1] (the span the frames cover).
    """

    task: NonEmpty


class TaskParaphrasesAnswer(Answer):
    """purpose `task_paraphrases`: `task_aug` rewordings of the task.

    context: episode_index, task, n (how many paraphrases to write).
    """

    paraphrases: list[NonEmpty] = Field(min_length=1)


class Observation(Answer):
    time: float = Field(ge=0)
    description: NonEmpty


class DescribeAnswer(Answer):
    """purpose `describe`: what each contact-sheet tile shows, before segmenting.

    context: episode_index, window [t0, t1], tile_times (source time of each tile).
    """

    observations: list[Observation] = Field(min_length=1)


class SubtaskSpan(Answer):
    label: NonEmpty
    start: float = Field(ge=0)
    end: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> SubtaskSpan:
        if self.end < self.start:
            raise ValueError(f"subtask ends ({self.end}) before it starts ({self.start})")
        return self


class SegmentAnswer(Answer):
    """purpose `segment`: subtask spans of a window, in seconds of episode time.

    context: episode_index, window [t0, t1], tile_times, episode_duration; labels (the
    closed vocabulary, only with `--plan.subtask_labels`).
    """

    subtasks: list[SubtaskSpan] = Field(min_length=1)


class RelabelAnswer(Answer):
    """purpose `relabel`: a better label for one segmented span.

    context: episode_index, span [start, end]; labels (as for `segment`).
    """

    label: NonEmpty


@cache
def segment_answer_model(labels: tuple[str, ...] | None) -> type[SegmentAnswer]:
    """`SegmentAnswer`, or with a closed vocabulary one whose labels are an enum of it (so
    a server with structured output can only answer labels from it). Cached: the same
    vocabulary gives the same class, so its schema is built once."""
    if labels is None:
        return SegmentAnswer
    span = create_model("SubtaskSpan", __base__=SubtaskSpan, label=(vocabulary_type(labels), ...))
    spans: Any = GenericAlias(list, (span,))  # list[span]: no static type form for it
    return create_model(
        "SegmentAnswer", __base__=SegmentAnswer, subtasks=(spans, Field(min_length=1))
    )


@cache
def relabel_answer_model(labels: tuple[str, ...] | None) -> type[RelabelAnswer]:
    """`RelabelAnswer`, with the label an enum of the vocabulary when there is one."""
    if labels is None:
        return RelabelAnswer
    return create_model(
        "RelabelAnswer", __base__=RelabelAnswer, label=(vocabulary_type(labels), ...)
    )


def vocabulary_type(labels: tuple[str, ...]) -> Any:
    """`Literal[labels]`: the label field's type, an enum in the JSON schema. Typed `Any`
    because a Literal built at run time has no static type form (pydantic 2.14 checks one)."""
    return Literal[labels]


class PlanAnswer(Answer):
    """purposes `plan` and `plan_refresh`: the ordered steps still to do.

    `plan` context: episode_index, task.
    `plan_refresh` context: episode_index, time, plan (the old steps), interjection
    (the user's words), subtasks_done (labels finished by `time`). The new steps
    must reflect the interjection.
    """

    steps: list[NonEmpty] = Field(min_length=1)


class MemoryAnswer(Answer):
    """purpose `memory`: what matters for the rest of the task, at a subtask boundary.

    context: episode_index, time, completed (subtask labels done by `time`),
    previous_memory (null at the first boundary).
    """

    memory: NonEmpty


class SpeechAnswer(Answer):
    """purpose `speech_initial`: the robot's spoken acknowledgement at t0.

    context: episode_index, task.
    """

    text: NonEmpty


class InterjectionAnswer(Answer):
    """purpose `interjection`: a user utterance mid-episode and the robot's spoken reply.

    context: episode_index, time, subtask (the label in force at `time`), kind (one
    of INTERJECTION_KINDS).
    """

    interjection: NonEmpty
    reply: NonEmpty


ANSWER_MODELS: dict[str, type[Answer]] = {
    "task": TaskAnswer,
    "task_paraphrases": TaskParaphrasesAnswer,
    "describe": DescribeAnswer,
    "segment": SegmentAnswer,
    "relabel": RelabelAnswer,
    "plan": PlanAnswer,
    "plan_refresh": PlanAnswer,
    "memory": MemoryAnswer,
    "speech_initial": SpeechAnswer,
    "interjection": InterjectionAnswer,
    "reasoning": ReasoningThought,
}

PURPOSES = (*ANSWER_MODELS, "vqa")


def answer_model(purpose: str, context: dict[str, Any] | None = None) -> type[Answer]:
    """The answer model of a purpose (VQA needs the context's question_type)."""
    if purpose == "vqa":
        return vqa_answer_model(str((context or {}).get("question_type")))
    try:
        return ANSWER_MODELS[purpose]
    except KeyError:
        raise ValueError(f"unknown purpose {purpose!r}; expected one of {PURPOSES}") from None
