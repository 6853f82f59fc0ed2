"""What the index page says about the dataset: coverage per style, runs, validation findings.

Coverage is counted from the same page data the episode pages show, so the index
and the pages cannot disagree. Run records come from `meta/steerlang_runs.jsonl`;
findings from the validator (of the written columns, and of the staging when the
dataset has one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from steerlang.annotate.staging.store import StagingStore
from steerlang.annotate.staging.validate import validate_staging
from steerlang.dataset.reader import LeRobotDataset
from steerlang.language.problems import Problem
from steerlang.language.run_records import read_run_records
from steerlang.language.validate import validate_dataset

PROMPT_HASH_CHARS = 12


def coverage(pages: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Per style, how much of the shown episodes is annotated."""
    pages = list(pages)
    vqa_per_camera: Counter[str] = Counter()
    for page in pages:
        vqa_per_camera.update(pair["camera"] for pair in page["vqa"])
    return {
        "episodes": len(pages),
        "with_subtasks": sum(bool(page["subtasks"]) for page in pages),
        "subtasks": sum(len(page["subtasks"]) for page in pages),
        "with_paraphrases": sum(bool(page["paraphrases"]) for page in pages),
        "plans": sum(len(page["changes"]["plan"]) for page in pages),
        "memories": sum(len(page["changes"]["memory"]) for page in pages),
        "reasoning": sum(len(page["changes"]["reasoning"]) for page in pages),
        "with_reasoning": sum(bool(page["changes"]["reasoning"]) for page in pages),
        "interjections": sum(len(page["interjections"]) for page in pages),
        "with_interjections": sum(bool(page["interjections"]) for page in pages),
        "vqa_per_camera": dict(sorted(vqa_per_camera.items())),
        "with_vqa": sum(bool(page["vqa"]) for page in pages),
    }


def episode_row(page: dict[str, Any]) -> dict[str, Any]:
    """One line of the index's episode table."""
    return {
        "episode": page["episode"],
        "task": page["task"],
        "seconds": round(page["duration"], 2),
        "subtasks": len(page["subtasks"]),
        "interjections": len(page["interjections"]),
        "vqa": len(page["vqa"]),
        "source": page["source"],
        "states": sorted({m["state"] for m in page["modules"]}),
        "accepted": page["accepted"],
    }


def run_summaries(root: Path) -> list[dict[str, Any]]:
    """Each annotate run, newest first: model, prompts, calls and failures, partial episodes."""
    summaries = []
    for record in reversed(read_run_records(root)):
        calls = record.get("calls") or {}
        per_kind = {
            kind: {"calls": int(stats.get("calls", 0)), "failed": _failures(stats)}
            for kind, stats in sorted(calls.items())
            if isinstance(stats, dict)
        }
        episodes = record.get("episodes") or {}
        summaries.append(
            {
                "started_at": record.get("started_at"),
                "tool": record.get("tool"),
                "model_id": record.get("model_id"),
                "backend": record.get("backend"),
                "simulated": bool(record.get("simulated")),
                "prompt_hashes": {
                    name: str(digest)[:PROMPT_HASH_CHARS]
                    for name, digest in sorted((record.get("prompt_hashes") or {}).items())
                },
                "calls": sum(kind["calls"] for kind in per_kind.values()),
                "failed": sum(kind["failed"] for kind in per_kind.values()),
                "per_kind": per_kind,
                "annotated": len(episodes.get("annotated") or []),
                "partial": list(episodes.get("partial") or []),
                "failed_episodes": [
                    item.get("episode") for item in episodes.get("failed") or [] if item
                ],
                "missing_items": int((record.get("missing") or {}).get("items", 0)),
            }
        )
    return summaries


def _failures(stats: dict[str, Any]) -> int:
    failures = stats.get("failures")
    if isinstance(failures, dict):
        return sum(int(n) for n in failures.values())
    return int(failures or 0)


def findings(dataset: LeRobotDataset, episodes: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Validation findings of the written columns and of the staging, for these episodes."""
    store = StagingStore(dataset.root)
    chosen = set(episodes)
    staged = [episode for episode in store.episodes() if episode in chosen]
    return {
        "dataset": _problems(validate_dataset(dataset, episodes)) if dataset.has_language else [],
        "staging": _problems(validate_staging(dataset, store, staged)) if staged else [],
    }


def _problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {
            "severity": p.severity,
            "where": p.where(),
            "episode": p.episode,
            "message": p.message,
        }
        for p in problems
    ]
