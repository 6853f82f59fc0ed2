"""An episode's rows turned into what its page shows: spans, changes, interjections, VQA.

Times are episode seconds (the rows' own timestamps, unchanged, so an edit can
name a row by them exactly). A subtask is in force from its timestamp until the
next subtask, the last one until the episode ends (`duration`: one frame period
after the last frame, where its video span ends).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import numpy as np

from steerlang.schema import speech_text
from steerlang.view.episode_rows import SourcedRows

# persistent styles shown as changes over time (motion and reasoning only when present)
CHANGE_STYLES = ("plan", "memory", "motion", "reasoning")


def episode_duration(frames: np.ndarray, fps: float) -> float:
    return float(frames[-1]) + 1.0 / fps if len(frames) else 0.0


def language_model(
    sourced: SourcedRows, frames: np.ndarray, fps: float, task: str
) -> dict[str, Any]:
    """The language part of an episode's page data (JSON-ready)."""
    rows = sourced.rows
    duration = episode_duration(frames, fps)
    return {
        "source": sourced.source,
        "modules": [module.to_json() for module in sourced.modules],
        "notes": list(sourced.notes),
        "task": task,
        "paraphrases": [row.get("content") for _, row in rows if row.get("style") == "task_aug"],
        "subtasks": subtask_spans(rows, duration),
        "changes": {
            style: [
                {"t": row["timestamp"], "content": row.get("content"), "module": module}
                for module, row in rows
                if row.get("style") == style
            ]
            for style in CHANGE_STYLES
        },
        **spoken(rows),
        "vqa": vqa_pairs(rows),
    }


def subtask_spans(rows: list[tuple[str, dict[str, Any]]], duration: float) -> list[dict[str, Any]]:
    subtasks = sorted(
        ((module, row) for module, row in rows if row.get("style") == "subtask"),
        key=lambda item: item[1]["timestamp"],
    )
    spans = []
    for i, (module, row) in enumerate(subtasks):
        end = subtasks[i + 1][1]["timestamp"] if i + 1 < len(subtasks) else duration
        spans.append(
            {"start": row["timestamp"], "end": end, "label": row.get("content"), "module": module}
        )
    return spans


def spoken(rows: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Interjections with the reply and plan refresh on their frame, and the other speech."""
    speech_at: dict[float, list[str]] = defaultdict(list)
    plan_at: dict[float, str | None] = {}
    for _, row in rows:
        text = speech_text(row)
        if text is not None:
            speech_at[row["timestamp"]].append(text)
        elif row.get("style") == "plan":
            plan_at[row["timestamp"]] = row.get("content")
    interjections = [
        {
            "t": row["timestamp"],
            "text": row.get("content"),
            "reply": " ".join(speech_at.get(row["timestamp"], [])) or None,
            "plan": plan_at.get(row["timestamp"]),
            "module": module,
        }
        for module, row in rows
        if row.get("style") == "interjection"
    ]
    answered = {item["t"] for item in interjections}
    speech = [
        {"t": t, "text": text}
        for t, texts in sorted(speech_at.items())
        if t not in answered
        for text in texts
    ]
    return {"interjections": interjections, "speech": speech}


def vqa_pairs(rows: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Question/answer pairs per (timestamp, camera), in time order; answers parsed from JSON."""
    pairs: dict[tuple[float, str], dict[str, Any]] = {}
    for module, row in rows:
        if row.get("style") != "vqa":
            continue
        key = (row["timestamp"], row.get("camera") or "")
        pair = pairs.setdefault(
            key,
            {"t": key[0], "camera": key[1], "question": None, "answer": None, "raw": None},
        )
        pair["module"] = module
        if row.get("role") == "user":
            pair["question"] = row.get("content")
        else:
            pair["raw"] = row.get("content")
            pair["answer"] = parsed_answer(row.get("content"))
    return [pairs[key] for key in sorted(pairs)]


def parsed_answer(content: str | None) -> dict[str, Any] | None:
    """The answer's JSON object (None when it is not one: the page then shows the raw text)."""
    try:
        value = json.loads(content or "")
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
