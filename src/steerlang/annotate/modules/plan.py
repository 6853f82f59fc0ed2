"""The plan module: task, task paraphrases, subtasks, plan at t0, memory at boundaries."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel

from steerlang.annotate.config.modules import PlanConfig
from steerlang.annotate.modules.answers import (
    DescribeAnswer,
    MemoryAnswer,
    PlanAnswer,
    SegmentAnswer,
    TaskAnswer,
    TaskParaphrasesAnswer,
    relabel_answer_model,
    segment_answer_model,
)
from steerlang.annotate.modules.episode_job import (
    EpisodeJob,
    task_is_usable,
    text_row,
)
from steerlang.annotate.modules.ledger import ItemLedger, ModuleOutput
from steerlang.annotate.modules.segmentation import Segment, Span, clean_segmentation
from steerlang.annotate.modules.visual_input import (
    FRAGMENTS,
    VisualWindow,
    prompt_windows,
    segment_windows,
    sheet_config,
    sheet_images,
    span_visual,
)
from steerlang.annotate.modules.vocabulary import label_context, label_prompt
from steerlang.annotate.vlm.types import FailureKind, VlmFailure

PROMPTS = (
    "segment",
    "describe",
    "relabel",
    "task",
    "task_paraphrases",
    "plan",
    "memory",
    *FRAGMENTS.values(),
)


def plan_text(steps: list[str]) -> str:
    return "\n".join(f"{number}. {step}" for number, step in enumerate(steps, 1))


async def run_plan(job: EpisodeJob, kept: list[Segment] | None = None) -> ModuleOutput:
    """The plan module's staging rows for one episode, and what it could not get.

    Work that needs a missing answer is blocked, not asked with a stand-in: without
    the derived task nothing else is asked; without a complete segmentation (every
    window, description and relabel) no subtask, plan or memory row is written.
    `kept` (`--plan.keep_subtasks`): subtasks used as they are instead of segmenting;
    they are staged even when nothing else can be.
    """
    config = job.config.plan
    ledger = ItemLedger("plan")
    task, derived = await _effective_task(job, ledger)
    if task is None:
        for purpose in ("task_paraphrases", "segment", "plan", "memory"):
            if purpose != "segment" or not kept:
                ledger.blocked(purpose, "the task derived from the video")
        return ModuleOutput([text_row("subtask", s.label, s.timestamp) for s in kept or ()], ledger)
    # paraphrases need only the task: ask them while the episode is being segmented
    task_rows = asyncio.create_task(_task_rows(job, ledger, task, derived))
    try:
        segments = kept or await _episode_segments(job, ledger, task)
        if segments is None:
            for purpose, wanted in (("plan", config.emit_plan), ("memory", config.emit_memory)):
                if wanted:
                    ledger.blocked(purpose, "a complete subtask segmentation")
            segments = []
            plan_rows: list[dict[str, Any]] = []
            memory_rows: list[dict[str, Any]] = []
        else:
            plan_rows, memory_rows = await asyncio.gather(
                _plan_rows(job, ledger, task, segments) if config.emit_plan else _nothing(),
                _memory_rows(job, ledger, task, segments) if config.emit_memory else _nothing(),
            )
        paraphrases = await task_rows
    finally:
        task_rows.cancel()  # no-op once done; stops the paraphrase call if anything failed
    rows = [
        *paraphrases,
        *(text_row("subtask", s.label, s.timestamp) for s in segments),
        *plan_rows,
        *memory_rows,
    ]
    return ModuleOutput(rows, ledger)


async def _episode_segments(job: EpisodeJob, ledger: ItemLedger, task: str) -> list[Segment] | None:
    """The cleaned segmentation from the prompt camera, in `--plan.visual_input` ([] without
    cameras; None when a call it needs failed)."""
    if job.prompt_camera is None:
        return []
    return await _segments(job, ledger, task, await segment_windows(job))


async def _nothing() -> list[dict[str, Any]]:
    return []


async def _plan_rows(
    job: EpisodeJob, ledger: ItemLedger, task: str, segments: list[Segment]
) -> list[dict[str, Any]]:
    max_steps = job.config.plan.plan_max_steps
    answer = await job.ask(
        "plan",
        PlanAnswer,
        {"task": task, "max_steps": max_steps, "subtask_block": _subtask_block(segments)},
        {"task": task},
        ledger,
    )
    if answer is None:
        return []
    return [text_row("plan", plan_text(answer.steps[:max_steps]), job.t0)]


def derives_task(config: PlanConfig, stored_task: str) -> bool:
    """Whether the plan module works from a task derived from the video (when there are
    frames to derive it from)."""
    mode = config.derive_task_from_video
    usable = task_is_usable(stored_task, config.derive_task_min_words)
    return mode == "always" or (mode == "if_short" and not usable)


def overview_rate(config: PlanConfig, duration: float) -> float:
    """The sampling rate that fits a whole episode in one window (for deriving the task)."""
    return min(config.frames_per_second, max(config.window_frames() - 1, 1) / max(duration, 1e-6))


async def _effective_task(job: EpisodeJob, ledger: ItemLedger) -> tuple[str | None, bool]:
    """The task the module works from, and whether it was derived from the video (per
    `--plan.derive_task_from_video`: off, if_short — the stored task is not usable — or
    always); None when it had to be derived and the call failed."""
    stored = job.episode.task
    if not derives_task(job.config.plan, stored) or job.prompt_camera is None:
        return stored, False
    windows = await prompt_windows(
        job, sheet_config(job, overview_rate(job.config.plan, job.duration))
    )
    answer = await job.ask(
        "task",
        TaskAnswer,
        {"window_start": 0.0, "window_end": job.duration, "stored_task": stored},
        {"window": [0.0, job.duration]},
        ledger,
        sheet_images(job, windows[0].images),
    )
    return (answer.task.strip(), True) if answer is not None else (None, False)


async def _task_rows(
    job: EpisodeJob, ledger: ItemLedger, task: str, derived: bool
) -> list[dict[str, Any]]:
    wanted = job.config.plan.n_task_rephrasings
    if wanted <= 0 and not derived:
        return []
    texts = [task]
    if wanted > 0:
        answer = await job.ask(
            "task_paraphrases",
            TaskParaphrasesAnswer,
            {"task": task, "n": wanted},
            {"task": task, "n": wanted},
            ledger,
        )
        for text in answer.paraphrases if answer is not None else ():
            if text.strip() and text.strip() not in texts and len(texts) <= wanted:
                texts.append(text.strip())
    return [text_row("task_aug", text, job.t0, role="user") for text in texts]


async def _segments(
    job: EpisodeJob, ledger: ItemLedger, task: str, windows: list[VisualWindow]
) -> list[Segment] | None:
    config = job.config.plan
    bounds = [
        (window.start, windows[i + 1].start if i + 1 < len(windows) else job.duration)
        for i, window in enumerate(windows)
    ]
    # windows overlap by a few frames: each asks up to its last tile, the last to the end
    bounds = [
        (start, max(end, window.end) if i + 1 < len(windows) else job.duration)
        for i, ((start, end), window) in enumerate(zip(bounds, windows, strict=True))
    ]
    answers = await asyncio.gather(
        *(_segment_window(job, ledger, task, w, b) for w, b in zip(windows, bounds, strict=True))
    )
    if any(spans is None for spans in answers):
        return None
    spans = [span for spans in answers if spans is not None for span in spans]
    segments = clean_segmentation(
        spans, job.timestamps, job.duration, config.min_subtask_seconds, config.plan_max_steps
    )
    if config.subtask_seeded_relabel and segments:
        return await _relabelled(job, ledger, task, segments)
    return segments


async def _segment_window(
    job: EpisodeJob,
    ledger: ItemLedger,
    task: str,
    window: VisualWindow,
    bounds: tuple[float, float],
) -> list[Span] | None:
    """The spans of one window; None when its description or segmentation call failed."""
    start, end = bounds
    visual = window.prompt_text(start, end)
    context = {"window": [start, end], **window.facts, "episode_duration": job.duration}
    description_block = ""
    if job.config.plan.subtask_describe_first:
        described = await job.ask(
            "describe",
            DescribeAnswer,
            {"visual": visual, "times": window.times_text(), "task": task},
            {"window": [start, end], **window.facts},
            ledger,
            window.images,
            video=window.video,
        )
        if described is None:
            ledger.blocked("segment", "this window's description", [start, end])
            return None
        lines = "\n".join(f"- {o.time:.2f} s: {o.description}" for o in described.observations)
        description_block = f"\nWhat is seen at each time:\n{lines}\n"
    labels = job.config.plan.vocabulary()
    answer = await job.ask(
        "segment",
        segment_answer_model(labels),
        {
            "visual": visual,
            "window_start": start,
            "window_end": end,
            "duration": job.duration,
            "task": task,
            "description_block": description_block,
            "vocabulary_block": label_prompt(labels),
        },
        {**context, **label_context(labels)},
        ledger,
        window.images,
        video=window.video,
        judge=lambda answer: _no_span_inside(answer, start, end),
    )
    if answer is None:
        return None
    return [Span(s.label, s.start, s.end) for s in answer.subtasks]


def _no_span_inside(answer: BaseModel, start: float, end: float) -> VlmFailure | None:
    """A segmentation none of whose spans lies in the window says nothing usable (`answer`
    is the request's `SegmentAnswer`)."""
    spans = answer.subtasks if isinstance(answer, SegmentAnswer) else []
    if any(min(s.end, end) > max(s.start, start) and s.label.strip() for s in spans):
        return None
    return VlmFailure(
        FailureKind.UNUSABLE,
        f"no subtask span lies inside the window {start:.2f}–{end:.2f} s",
    )


async def _relabelled(
    job: EpisodeJob, ledger: ItemLedger, task: str, segments: list[Segment]
) -> list[Segment] | None:
    ends = [s.timestamp for s in segments[1:]] + [job.duration]
    labels = job.config.plan.vocabulary()

    async def relabel(segment: Segment, end: float) -> Segment | None:
        shown = await span_visual(job, segment.timestamp, end)
        answer = await job.ask(
            "relabel",
            relabel_answer_model(labels),
            {
                "visual": shown.prompt_text(segment.timestamp, end),
                "task": task,
                "label": segment.label,
                "vocabulary_block": label_prompt(labels),
            },
            {"span": [segment.timestamp, end], **shown.facts, **label_context(labels)},
            ledger,
            shown.images,
            video=shown.video,
        )
        if answer is None:
            return None
        return Segment(answer.label.strip(), segment.start_frame, segment.timestamp)

    relabelled = await asyncio.gather(*(relabel(s, e) for s, e in zip(segments, ends, strict=True)))
    if any(segment is None for segment in relabelled):
        return None
    return [segment for segment in relabelled if segment is not None]


async def _memory_rows(
    job: EpisodeJob, ledger: ItemLedger, task: str, segments: list[Segment]
) -> list[dict[str, Any]]:
    """Memory at each boundary, each written from the one before: after a failed one, the
    later boundaries wait for it."""
    rows = []
    memory: str | None = None
    for position in range(1, len(segments)):
        boundary = segments[position]
        completed = [s.label for s in segments[:position]]
        answer = await job.ask(
            "memory",
            MemoryAnswer,
            {
                "task": task,
                "time": boundary.timestamp,
                "completed": "; ".join(completed),
                "previous_memory": memory or "(nothing yet)",
            },
            {"time": boundary.timestamp, "completed": completed, "previous_memory": memory},
            ledger,
        )
        if answer is None:
            for later in segments[position + 1 :]:
                ledger.blocked(
                    "memory", f"the memory at {boundary.timestamp:.3f} s", later.timestamp
                )
            break
        memory = answer.memory.strip()
        rows.append(text_row("memory", memory, boundary.timestamp))
    return rows


def _subtask_block(segments: list[Segment]) -> str:
    if not segments:
        return ""
    labels = "\n".join(f"- {s.label} (from {s.timestamp:.2f} s)" for s in segments)
    return f"\nThe demonstration was segmented into these subtasks:\n{labels}\n"
