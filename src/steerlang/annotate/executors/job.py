"""What the steps of one distributed job share: its spec, and the reports ranks leave.

Everything lives in the job folder (`--executor.logging_dir`, by default under the
staging folder, named by a fingerprint of the job so the same command resumes it):

    <job>/annotate/ check/ write/ merge/    datatrove's logs, stats and completions per step
    <job>/reports/annotate_00003.json       one rank's outcomes and call statistics
    <job>/reports/plan.json                 what the write step writes (the check step's verdict)
    <job>/reports/write_00001.json          one write rank's shards
    <job>/reports/result.json               the run record and what was written (merge)
    <job>/pids/annotate_00003.json          the process running a rank (local watcher)

Reports are written atomically; a step reads only what finished steps wrote.
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.modules.ledger import MissingItem
from steerlang.annotate.scheduler import EpisodeOutcome
from steerlang.errors import SteerlangError
from steerlang.language.atomic_file import replace_atomically

STEPS = ("annotate", "check", "write", "merge")


@dataclass
class JobSpec:
    """One launch of a job: pickled into every step (by datatrove), so plain data only."""

    config: AnnotateConfig
    root: Path
    job_dir: Path
    token: str  # the launcher's hold on the dataset lock (`dataset_lock.require_job_lock`)
    tasks: int
    kind: str
    episodes: list[int]  # the runnable episodes (pre-flight passed)
    broken: dict[int, str] = field(default_factory=dict)  # failed at pre-flight
    started: float = 0.0

    def step_dir(self, step: str) -> Path:
        return self.job_dir / step

    def report_path(self, name: str) -> Path:
        return self.job_dir / "reports" / f"{name}.json"

    def pid_path(self, step: str, rank: int) -> Path:
        return self.job_dir / "pids" / f"{step}_{rank:05d}.json"

    def completed(self, step: str, rank: int) -> bool:
        """datatrove's completion marker of a rank."""
        return (self.step_dir(step) / "completions" / f"{rank:05d}").exists()

    def world_size(self, step: str) -> int:
        return self.tasks if step in ("annotate", "write") else 1


def save_report(spec: JobSpec, name: str, value: Mapping[str, Any]) -> None:
    path = spec.report_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    replace_atomically(path, text.encode(), path.parent)


def load_report(spec: JobSpec, name: str) -> dict[str, Any]:
    path = spec.report_path(name)
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SteerlangError(
            f"{path} cannot be read ({exc}); the step that writes it did not finish — "
            f"delete {spec.job_dir} and rerun to start the job over"
        ) from None
    if not isinstance(value, dict):
        raise SteerlangError(f"{path} is not a report of this job; delete {spec.job_dir}")
    return value


def mark_running(spec: JobSpec, step: str, rank: int, servers: Iterable[int] = ()) -> None:
    """Say which process runs a rank (and the servers it started), so a watcher can tell a
    rank that died without a word (SIGKILL) from one still working."""
    save_report_at(
        spec.pid_path(step, rank),
        {"pid": os.getpid(), "host": socket.gethostname(), "servers": sorted(servers)},
    )


def save_report_at(path: Path, value: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, (json.dumps(value) + "\n").encode(), path.parent)


def outcome_json(outcome: EpisodeOutcome) -> dict[str, Any]:
    return {
        "index": outcome.index,
        "computed": outcome.computed,
        "reused": outcome.reused,
        "reused_disabled": outcome.reused_disabled,
        "kept_edited": outcome.kept_edited,
        "failed": outcome.failed,
        "missing": {m: [i.as_json() for i in items] for m, items in outcome.missing.items()},
        "notes": dict(outcome.notes),
        "images_sent": outcome.images_sent,
        "image_bytes": outcome.image_bytes,
    }


def outcome_from_json(value: Mapping[str, Any]) -> EpisodeOutcome:
    return EpisodeOutcome(
        index=int(value["index"]),
        computed=list(value["computed"]),
        reused=list(value["reused"]),
        reused_disabled=list(value["reused_disabled"]),
        kept_edited=list(value["kept_edited"]),
        failed=value["failed"],
        missing={
            m: [MissingItem.from_json(i) for i in items] for m, items in value["missing"].items()
        },
        notes=Counter(value["notes"]),
        images_sent=int(value["images_sent"]),
        image_bytes=int(value["image_bytes"]),
    )


def merged_call_stats(per_rank: Iterable[Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The client counters of many ranks as one client's (`VlmClient.stats` form): counts
    summed, the mean latency weighted by calls asked, the maximum the largest."""
    merged: dict[str, dict[str, Any]] = {}
    for stats in per_rank:
        for purpose, s in stats.items():
            into = merged.setdefault(
                purpose,
                {
                    "calls": 0,
                    "ok": 0,
                    "cached": 0,
                    "attempts": 0,
                    "failures": Counter(),
                    "latency_total_s": 0.0,
                    "latency_max_s": 0.0,
                },
            )
            for key in ("calls", "ok", "cached", "attempts"):
                into[key] += s[key]
            into["failures"].update(s["failures"])
            into["latency_total_s"] += s["latency_mean_s"] * (s["calls"] - s["cached"])
            into["latency_max_s"] = max(into["latency_max_s"], s["latency_max_s"])
    result: dict[str, Any] = {}
    for purpose, s in sorted(merged.items()):
        asked = s["calls"] - s["cached"]
        result[purpose] = {
            "calls": s["calls"],
            "ok": s["ok"],
            "cached": s["cached"],
            "attempts": s["attempts"],
            "failures": dict(sorted(s.pop("failures").items())),
            "latency_mean_s": round(s["latency_total_s"] / asked, 6) if asked else 0.0,
            "latency_max_s": round(s["latency_max_s"], 6),
        }
    return result
