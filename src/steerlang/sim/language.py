"""Exact answers that are words: task, paraphrases, plans, memory, speech, interjections.

The synthetic ground truth holds the task and the subtask labels; everything
else is phrased from them with fixed templates, so an answer is a pure
function of (context, ground truth, seeded choice).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from steerlang.annotate.modules.answers import (
    InterjectionAnswer,
    MemoryAnswer,
    PlanAnswer,
    SpeechAnswer,
    TaskAnswer,
    TaskParaphrasesAnswer,
)
from steerlang.dataset.groundtruth import EpisodeTruth, Subtask

PARAPHRASE_TEMPLATES = (
    "Please {core}.",
    "Could you {core}?",
    "I need you to {core}.",
    "Go ahead and {core}.",
    "Can you {core} for me?",
    "Your job is to {core}.",
    "{Core}, please.",
    "Time to {core}.",
)
SIDES = ("left", "right")


def task_core(task: str) -> str:
    """`Put the red block on the plate.` → `put the red block on the plate`."""
    core = task.strip().rstrip(".!?")
    return core[:1].lower() + core[1:]


def task(truth: EpisodeTruth) -> TaskAnswer:
    return TaskAnswer(task=truth.task)


def paraphrases(context: Mapping[str, Any], truth: EpisodeTruth) -> TaskParaphrasesAnswer:
    """Up to `n` rewordings (at most one per template, so they are all distinct)."""
    core = task_core(str(context.get("task") or truth.task))
    n = max(1, min(int(context.get("n", 3)), len(PARAPHRASE_TEMPLATES)))
    texts = [t.format(core=core, Core=core[:1].upper() + core[1:]) for t in PARAPHRASE_TEMPLATES]
    return TaskParaphrasesAnswer(paraphrases=texts[:n])


def plan(truth: EpisodeTruth) -> PlanAnswer:
    return PlanAnswer(steps=[s.label for s in truth.subtasks])


def remaining_at(truth: EpisodeTruth, time: float) -> list[Subtask]:
    """The subtask in force at `time` and every later one."""
    current = truth.subtask_at_frame(truth.frame_at(time))
    return [s for s in truth.subtasks if s.start >= current.start]


def completed_at(truth: EpisodeTruth, time: float) -> list[Subtask]:
    return [s for s in truth.subtasks if s.end <= time + 0.5 / truth.fps]


def plan_refresh(context: Mapping[str, Any], truth: EpisodeTruth) -> PlanAnswer:
    """The remaining steps, led by one that quotes the interjection it answers."""
    said = str(context.get("interjection") or "").strip()
    steps = [s.label for s in remaining_at(truth, float(context["time"]))]
    if said:
        steps.insert(0, f'follow the user\'s request: "{said}"')
    return PlanAnswer(steps=steps)


def memory(context: Mapping[str, Any], truth: EpisodeTruth) -> MemoryAnswer:
    """MEM-style: what is done and what comes next, without the how."""
    time = float(context["time"])
    done = completed_at(truth, time)
    left = [s for s in truth.subtasks if s not in done]
    total = len(truth.subtasks)
    if not done:
        text = f"Nothing done yet; {total} steps to go, starting with: {truth.subtasks[0].label}."
    else:
        text = f"Done {len(done)} of {total} steps, last: {done[-1].label}."
        text += f" Next: {left[0].label}." if left else " The task is complete."
    return MemoryAnswer(memory=text)


def speech_initial(context: Mapping[str, Any], truth: EpisodeTruth) -> SpeechAnswer:
    return SpeechAnswer(text=f"Sure, I will {task_core(str(context.get('task') or truth.task))}.")


def interjection(
    context: Mapping[str, Any], truth: EpisodeTruth, choose: random.Random
) -> InterjectionAnswer:
    """A user utterance of the asked kind about this scene, and a spoken reply."""
    time = float(context["time"])
    subtask = str(context.get("subtask") or truth.subtask_at_frame(truth.frame_at(time)).label)
    target = truth.objects[0]["label"]
    other = truth.objects[-1]["label"]
    side = choose.choice(SIDES)
    kind = str(context["kind"])
    if kind == "negative_task":
        said, reply = f"Don't touch the {other}.", f"Understood, I will leave the {other} alone."
    elif kind == "situated_correction":
        said = f"You are drifting, shift a bit to the {side} while you {subtask}."
        reply = f"Thanks, I am correcting to the {side}."
    elif kind == "specific_constraint":
        said = f"Keep the {target} level and move it slowly."
        reply = f"Okay, I will keep the {target} level and go slowly."
    elif kind == "preference":
        said = f"I'd rather you approach the {target} from the {side}."
        reply = f"Sure, I will come at the {target} from the {side}."
    else:
        raise ValueError(f"unknown interjection kind {kind!r}")
    return InterjectionAnswer(interjection=said, reply=reply)
