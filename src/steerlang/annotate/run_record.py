"""Provenance: one JSON line per annotate run, appended to `meta/steerlang_runs.jsonl`.

Readers live in `steerlang.language.run_records`; this module builds and appends.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import shlex
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.modules.ledger import FAILED
from steerlang.annotate.prompts import prompt_hashes
from steerlang.annotate.scheduler import MODULE_PROMPTS, EpisodeOutcome
from steerlang.annotate.vlm.redaction import key_state, redacted_argv, scrub_json, secret_values
from steerlang.language.atomic_file import replace_atomically
from steerlang.language.run_records import RUNS_PATH

# the language style a missing item would have given (an interjection and its plan
# refresh are one interjection; a task derivation or paraphrase, the task_aug rows)
PURPOSE_STYLES = {
    "task": "task_aug",
    "task_paraphrases": "task_aug",
    "describe": "subtask",
    "segment": "subtask",
    "relabel": "subtask",
    "plan": "plan",
    "memory": "memory",
    "speech_initial": "speech",
    "interjection": "interjection",
    "plan_refresh": "interjection",
    "vqa": "vqa",
    "reasoning": "reasoning",
}
PACKAGES = ("steerlang", "pyarrow", "av", "httpx2", "pydantic", "numpy")


def build_run_record(
    config: AnnotateConfig,
    model_id: str,
    simulated: bool,
    outcomes: Sequence[EpisodeOutcome],
    call_stats: Mapping[str, Any],
    rows_by_episode: Mapping[int, Sequence[Mapping[str, Any]]],
    planned: Mapping[str, int],
    started: float,
) -> dict[str, Any]:
    styles = Counter(
        row.get("style") or "(tool call)" for rows in rows_by_episode.values() for row in rows
    )
    prompts = sorted({name for names in MODULE_PROMPTS.values() for name in names})
    record = {
        "tool": "steerlang annotate",
        "simulated": simulated,
        "model_id": model_id,
        "backend": config.vlm.backend,
        "seed": config.seed,
        "started_at": _iso(started),
        "finished_at": _iso(time.time()),
        "seconds": round(time.time() - started, 3),
        "prompt_hashes": prompt_hashes(tuple(prompts)),
        "config": _recorded_config(config),
        "episodes": {
            "requested": len(outcomes),
            "succeeded": sum(o.ok for o in outcomes),
            "annotated": sorted(o.index for o in outcomes if o.ok),
            "failed": [{"episode": o.index, "reason": o.failed} for o in outcomes if not o.ok],
            "partial": sorted(o.index for o in outcomes if o.ok and o.missing_items),
            "computed": Counter(m for o in outcomes for m in o.computed),
            "reused": Counter(m for o in outcomes for m in o.reused),
            "reused_disabled": Counter(m for o in outcomes for m in o.reused_disabled),
            "kept_edited": Counter(m for o in outcomes for m in o.kept_edited),
        },
        "calls": dict(call_stats),
        # what a complete run over the chosen episodes sends (the dry run's estimate)
        "planned": dict(planned),
        # what subtask segmentation was shown (--plan.visual_input)
        "segmentation_input": config.plan.visual_input,
        # images: contact sheets, frames (also those inside video blocks); bytes: every
        # image and video byte; videos: video blocks (frames or clips)
        "images": {
            "sent": sum(o.images_sent for o in outcomes),
            "bytes": sum(o.image_bytes for o in outcomes),
            "videos": sum(o.videos_sent for o in outcomes),
        },
        "missing": missing_summary(outcomes, rows_by_episode),
        "vqa_coordinates_clamped": sum(o.notes.get("clamped", 0) for o in outcomes),
        "rows_per_style": dict(sorted(styles.items())),
        "versions": {"python": platform.python_version(), **_versions()},
    }
    if config.reasoning.enabled:
        record["reasoning_coordinates_clamped"] = sum(
            o.notes.get("reasoning_clamped", 0) for o in outcomes
        )
    vocabulary = config.plan.vocabulary()
    if vocabulary is not None:
        # the labels themselves: the file may change or go, the record travels with the data
        record["subtask_labels"] = list(vocabulary)
    # the record is pushed with the dataset: no secret value may be in it, wherever it
    # came from (a failure reason that quotes a server's answer, say)
    scrubbed: dict[str, Any] = scrub_json(record, secret_values([config.vlm.api_key]))
    return scrubbed


def _recorded_config(config: AnnotateConfig) -> dict[str, Any]:
    """The config as plain JSON, with whether an API key was set instead of the key."""
    recorded: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(config), default=str))
    vlm = recorded["vlm"]
    vlm["api_key"] = key_state(config.vlm.api_key)
    if config.vlm.serve_command is not None:
        vlm["serve_command"] = shlex.join(redacted_argv(shlex.split(config.vlm.serve_command)))
    return recorded


def missing_summary(
    outcomes: Sequence[EpisodeOutcome], rows_by_episode: Mapping[int, Sequence[Mapping[str, Any]]]
) -> dict[str, Any]:
    """What the run could not get: items in all; per partial episode and style, the items
    present (rows; VQA pairs) and missing (calls); failed calls by kind."""
    per_episode: dict[str, dict[str, dict[str, int]]] = {}
    kinds: Counter[str] = Counter()
    total = 0
    for outcome in outcomes:
        items = outcome.missing_items
        total += len(items)
        kinds.update(i.reason.split(":", 1)[0] for i in items if i.outcome == FAILED)
        lacking: Counter[str] = Counter(
            style
            for style, _, _ in {
                (PURPOSE_STYLES.get(i.purpose, i.purpose), json.dumps(i.at), i.camera)
                for i in items
            }
        )
        if lacking:
            present = _items_per_style(rows_by_episode.get(outcome.index, ()))
            per_episode[str(outcome.index)] = {
                style: {"present": present[style], "missing": count}
                for style, count in sorted(lacking.items())
            }
    return {"items": total, "episodes": per_episode, "failed_by_kind": dict(sorted(kinds.items()))}


def _items_per_style(rows: Sequence[Mapping[str, Any]]) -> Counter[str]:
    """Rows counted the way items are: a VQA pair once, a speech atom as `speech`."""
    counted: Counter[str] = Counter()
    for row in rows:
        style = row.get("style")
        if style == "vqa" and row.get("role") != "assistant":
            continue
        counted[style if style is not None else "speech"] += 1
    return counted


def _versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def append_run_record(root: Path, record: Mapping[str, Any]) -> Path:
    """Append atomically: the file is always the old lines or the old lines plus this one."""
    path = root / RUNS_PATH
    old = path.read_bytes() if path.exists() else b""
    line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
    replace_atomically(path, old + line.encode(), root)
    return path
