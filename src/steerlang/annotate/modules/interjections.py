"""The interjections module: spoken acknowledgement at t0, user interjections mid-episode
with the robot's spoken reply and a plan refresh that follows what the user said."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection
from typing import Any

import numpy as np

from steerlang.annotate.frames import worker as frame_worker
from steerlang.annotate.modules.answers import InterjectionAnswer, PlanAnswer, SpeechAnswer
from steerlang.annotate.modules.episode_job import EpisodeJob, PromptImage, text_row
from steerlang.annotate.modules.ledger import ItemLedger, MissingItem, ModuleOutput
from steerlang.annotate.modules.plan import plan_text
from steerlang.schema import speech_atom

PROMPTS = ("speech_initial", "interjection", "plan_refresh")
KIND_HINTS = {
    "negative_task": "the user rules something out, e.g. not to touch or use an object",
    "situated_correction": "the user corrects what the robot is doing right now",
    "specific_constraint": "the user adds a constraint on how or where to do the task",
    "preference": "the user states a preference about the order or manner",
}


def speech_row(text: str, timestamp: float) -> dict[str, Any]:
    return {"timestamp": timestamp, **speech_atom(text)}


def interjection_frames(job: EpisodeJob) -> list[int]:
    """Up to N distinct frames at or after `interjection_min_t`, drawn from the run's seed."""
    config = job.config.interjections
    stamps = job.timestamps
    allowed = np.flatnonzero((stamps >= config.interjection_min_t) & (np.arange(len(stamps)) > 0))
    # leave the last half second alone: an interjection needs something left to change
    allowed = allowed[stamps[allowed] <= stamps[-1] - 0.5]
    count = min(config.max_interjections_per_episode, len(allowed))
    if count <= 0:
        return []
    return sorted(int(f) for f in job.seed(2).choice(allowed, size=count, replace=False))


# what each part of this module needs from the plan module's output
TASK_PURPOSES = frozenset({"task"})
SUBTASK_PURPOSES = frozenset({"task", "segment", "describe", "relabel"})


async def run_interjections(
    job: EpisodeJob, plan_rows: list[dict[str, Any]], plan_missing: Collection[MissingItem] = ()
) -> ModuleOutput:
    """Rows for one episode, given the plan module's rows (subtasks, plan, task) and what the
    plan module could not get: work that needs a missing plan answer is blocked, never
    asked with a stand-in (a rerun would have to ask it again, see `ledger`)."""
    config = job.config.interjections
    ledger = ItemLedger("interjections")
    missing = {item.purpose for item in plan_missing}
    task = next((r["content"] for r in plan_rows if r["style"] == "task_aug"), job.episode.task)
    subtasks = [r for r in plan_rows if r["style"] == "subtask"]
    plan = next((r["content"] for r in plan_rows if r["style"] == "plan"), None)
    frames = interjection_frames(job)
    rows: list[dict[str, Any]] = []
    if missing & TASK_PURPOSES:
        if config.initial_speech:
            ledger.blocked("speech_initial", "the task from the plan module", job.t0)
        for frame in frames:
            _block_interjection(job, ledger, frame, "the task from the plan module")
        return ModuleOutput(rows, ledger)
    if config.initial_speech:
        answer = await job.ask(
            "speech_initial", SpeechAnswer, {"task": task}, {"task": task}, ledger
        )
        if answer is not None:
            rows.append(speech_row(answer.text.strip(), job.t0))
    waits_for = None
    if missing & SUBTASK_PURPOSES:
        waits_for = "the subtasks from the plan module"
    elif "plan" in missing:
        waits_for = "the plan from the plan module"
    kinds = config.kinds
    for number, frame in enumerate(frames):
        if waits_for is not None:
            _block_interjection(job, ledger, frame, waits_for)
            continue
        kind = kinds[int(job.seed(3, number).integers(len(kinds)))]
        produced = await _interjection(job, ledger, task, subtasks, plan, frame, kind)
        if isinstance(produced, str):
            # the next plan refresh starts from this one's plan: without it, it must wait
            waits_for = produced
            continue
        new_rows, plan = produced
        rows += new_rows
    return ModuleOutput(rows, ledger)


def _block_interjection(job: EpisodeJob, ledger: ItemLedger, frame: int, waits_for: str) -> None:
    time = job.stored_time(frame)
    ledger.blocked("interjection", waits_for, time)
    ledger.blocked("plan_refresh", waits_for, time)


async def _interjection(
    job: EpisodeJob,
    ledger: ItemLedger,
    task: str,
    subtasks: list[dict[str, Any]],
    plan: str | None,
    frame: int,
    kind: str,
) -> tuple[list[dict[str, Any]], str] | str:
    """The interjection, its spoken reply and the refreshed plan, or — when a call failed —
    what later refreshes now wait for (an interjection without its reply and refreshed
    plan would be invalid, so none of its rows are kept)."""
    time = job.stored_time(frame)
    starts = [row["timestamp"] for row in subtasks]
    position = bisect_right(starts, time) - 1
    current = subtasks[position]["content"] if position >= 0 else "starting the task"
    done = [row["content"] for row in subtasks[: max(position, 0)]]
    answer = await job.ask(
        "interjection",
        InterjectionAnswer,
        {
            "task": task,
            "time": time,
            "subtask": current,
            "kind": kind,
            "kind_hint": KIND_HINTS[kind],
        },
        {"time": time, "subtask": current, "kind": kind},
        ledger,
        await _images_around(job, frame),
    )
    if answer is None:
        ledger.blocked("plan_refresh", f"the interjection at {time:.3f} s", time)
        return f"the interjection at {time:.3f} s"
    old_steps = _steps(plan) if plan else [current]
    refreshed = await job.ask(
        "plan_refresh",
        PlanAnswer,
        {
            "task": task,
            "old_plan": plan or plan_text(old_steps),
            "time": time,
            "done": "; ".join(done) or "nothing yet",
            "interjection": answer.interjection,
            "max_steps": job.config.plan.plan_max_steps,
        },
        {
            "time": time,
            "plan": old_steps,
            "interjection": answer.interjection,
            "subtasks_done": done,
        },
        ledger,
    )
    if refreshed is None:
        return f"the plan refresh at {time:.3f} s"
    new_plan = plan_text(refreshed.steps[: job.config.plan.plan_max_steps])
    rows = [
        text_row("interjection", answer.interjection.strip(), time, role="user"),
        speech_row(answer.reply.strip(), time),
        text_row("plan", new_plan, time),
    ]
    return rows, new_plan


def _steps(plan: str) -> list[str]:
    return [line.split(". ", 1)[-1] for line in plan.splitlines() if line.strip()]


async def _images_around(job: EpisodeJob, frame: int) -> list[PromptImage]:
    camera = job.prompt_camera
    if camera is None:
        return []
    config = job.config.interjections
    half = config.interjection_window_seconds / 2
    time = job.stored_time(frame)
    times = np.linspace(
        max(time - half, job.t0),
        min(time + half, float(job.timestamps[-1])),
        config.interjection_window_frames,
    )
    cam = job.dataset.cameras[camera]
    images = await job.frame_work(
        frame_worker.encoded_frames,
        camera,
        [float(t) for t in times],
        job.config.vlm.jpeg_quality,
        job.config.vqa.max_side or None,
    )
    return [(image, camera, cam.width, cam.height) for image in images]
