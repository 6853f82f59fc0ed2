"""The body of each step of a distributed job: `annotate.run`'s functions on a rank's share.

Nothing here is a second pipeline: an annotate rank runs `annotate_episodes` (the
scheduler, staging per episode) on its episodes; the check step runs `plan_write`
(validation) over every outcome; a write rank runs `write_language_part` on its
shards; the merge step runs `write_info` and `run_record`. Each first checks that
the job's launcher still holds the dataset lock (`require_job_lock`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from steerlang.annotate.executors.job import (
    JobSpec,
    load_report,
    mark_running,
    merged_call_stats,
    outcome_from_json,
    outcome_json,
    save_report,
)
from steerlang.annotate.executors.shares import rank_episodes, rank_shards
from steerlang.annotate.run import (
    EpisodeRun,
    annotate_episodes,
    frame_workers,
    plan_write,
    run_record,
)
from steerlang.annotate.run_record import append_run_record
from steerlang.annotate.scheduler import EpisodeOutcome
from steerlang.annotate.staging.store import StagingStore
from steerlang.annotate.vlm.factory import build_client
from steerlang.annotate.vlm.serve import ServerFleet
from steerlang.dataset import open_dataset
from steerlang.language.atomic_file import replace_atomically
from steerlang.language.dataset_lock import require_job_lock
from steerlang.language.run_records import read_run_records
from steerlang.language.write.write_language import write_info, write_language_part

SPEC_NAME = "job.pickle"
# The API key travels to the ranks in the environment, never in a file of the job folder
# (the name says "key", so every log line scrubs its value: `redaction.secret_values`).
KEY_VARIABLE = "STEERLANG_JOB_API_KEY"


def save_spec(spec: JobSpec) -> None:
    """Write the spec the steps load (the API key left out: see KEY_VARIABLE)."""
    vlm = dataclasses.replace(spec.config.vlm, api_key="")
    stored = dataclasses.replace(spec, config=dataclasses.replace(spec.config, vlm=vlm))
    path = spec.job_dir / SPEC_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, pickle.dumps(stored), path.parent)


def load_spec(job_dir: str | Path) -> JobSpec:
    with open(Path(job_dir) / SPEC_NAME, "rb") as handle:
        spec: JobSpec = pickle.load(handle)
    key = os.environ.get(KEY_VARIABLE, "EMPTY")
    spec.config = dataclasses.replace(
        spec.config, vlm=dataclasses.replace(spec.config.vlm, api_key=key)
    )
    return spec


def annotate_rank(spec: JobSpec, rank: int, world_size: int, log: TextIO = sys.stderr) -> None:
    """Run the modules over this rank's episodes (whole video files), staging each as it
    finishes; staged work of an earlier, interrupted attempt is reused, not redone."""
    require_job_lock(spec.root, spec.token)
    started = time.time()
    # two ranks on one node must not race for one port: auto-served ports are free ones
    config = dataclasses.replace(
        spec.config, vlm=dataclasses.replace(spec.config.vlm, serve_port=0)
    )
    with frame_workers(config) as (workers, sizing):
        dataset = open_dataset(spec.root, check_videos=False)
        runnable = [dataset.episode(index) for index in spec.episodes]
        mine = [dataset.episode(i) for i in rank_episodes(runnable, rank, world_size)]
        store = StagingStore(spec.root, staging_dir=config.staging_dir)
        print(f"rank {rank}/{world_size}: episodes {[e.index for e in mine]}", file=log)
        mark_running(spec, "annotate", rank)
        # no episodes here: no client, no server (and no say in which model answered)
        run = EpisodeRun([], {}, config.vlm.model_id, False)
        if mine:
            client = build_client(config.vlm, store.dir, spec.root, log)
            servers = client.servers.pids() if isinstance(client.servers, ServerFleet) else []
            mark_running(spec, "annotate", rank, servers)
            print(sizing.describe(), file=log)
            episodes_run = annotate_episodes(config, dataset, mine, store, workers, client, log)
            run = asyncio.run(episodes_run)
    save_report(
        spec,
        f"annotate_{rank:05d}",
        {
            "rank": rank,
            "episodes": [e.index for e in mine],
            "outcomes": [outcome_json(o) for o in run.outcomes],
            "calls": run.call_stats,
            "model_id": run.model_id if mine else None,
            "simulated": run.simulated,
            "seconds": round(time.time() - started, 3),
            "host": os.uname().nodename,
        },
    )


def job_run(spec: JobSpec) -> tuple[EpisodeRun, list[dict[str, Any]]]:
    """Every rank's outcomes and counters as one run's (pre-flight failures included), and
    the per-rank reports."""
    reports = [load_report(spec, f"annotate_{rank:05d}") for rank in range(spec.tasks)]
    outcomes = [outcome_from_json(o) for report in reports for o in report["outcomes"]]
    outcomes += [EpisodeOutcome(index, failed=why) for index, why in spec.broken.items()]
    outcomes.sort(key=lambda outcome: outcome.index)
    # the model as the ranks' clients named it (a rank with no episodes built none)
    asked = [report for report in reports if report["model_id"] is not None]
    model_id = str(asked[0]["model_id"]) if asked else spec.config.vlm.model_id
    simulated = bool(asked[0]["simulated"]) if asked else False
    calls = merged_call_stats(report["calls"] for report in reports)
    return EpisodeRun(outcomes, calls, model_id, simulated), reports


def check_job(spec: JobSpec) -> None:
    """Decide the write once, over every rank's outcome: validation errors stop the job here,
    before any rank writes (as an inline run writes nothing then)."""
    require_job_lock(spec.root, spec.token)
    run, _ = job_run(spec)
    dataset = open_dataset(spec.root, check_videos=False)
    store = StagingStore(spec.root, staging_dir=spec.config.staging_dir)
    plan = plan_write(spec.config, dataset, store, run.outcomes, run.call_stats)
    save_report(
        spec,
        "plan",
        {
            "succeeded": plan.succeeded,
            "only_episodes": plan.only_episodes,
            "unanswered": plan.unanswered,
            "left_out": plan.left_out,
            "writes": plan.writes,
        },
    )


def write_rank(spec: JobSpec, rank: int, world_size: int) -> None:
    """Rewrite this rank's shards from the staging and commit them (its own journal)."""
    require_job_lock(spec.root, spec.token)
    mark_running(spec, "write", rank)
    plan = load_report(spec, "plan")
    report: dict[str, Any] = {"rank": rank, "rewritten": [], "unchanged": []}
    if plan["writes"]:
        dataset = open_dataset(spec.root, check_videos=False)
        shards = rank_shards(dataset.data_files(), rank, world_size)
        here = {ep.index for shard in shards for ep in dataset.episodes_in(shard)}
        store = StagingStore(spec.root, staging_dir=spec.config.staging_dir)
        rows = store.collect([ep for ep in plan["succeeded"] if ep in here]).rows_by_episode
        written = write_language_part(
            dataset, rows, plan["only_episodes"], shards, f"rank-{rank:05d}"
        )
        root = dataset.root
        report["rewritten"] = [str(p.relative_to(root)) for p in written.shards_rewritten]
        report["unchanged"] = [str(p.relative_to(root)) for p in written.shards_unchanged]
        report["resumed_interrupted_write"] = written.resumed_interrupted_write
    save_report(spec, f"write_{rank:05d}", report)


def merge_job(spec: JobSpec) -> None:
    """info.json (language features, the `say` tool) once every shard is in, then the run
    record of the whole job, with each rank's share and call statistics."""
    require_job_lock(spec.root, spec.token)
    plan = load_report(spec, "plan")
    run, reports = job_run(spec)
    dataset = open_dataset(spec.root, check_videos=False)
    if plan["writes"]:
        write_info(dataset)
    store = StagingStore(spec.root, staging_dir=spec.config.staging_dir)
    rows = store.collect(plan["succeeded"]).rows_by_episode
    runnable = [dataset.episode(index) for index in spec.episodes]
    record = run_record(spec.config, dataset, runnable, run, rows, spec.started)
    record["executor"] = {
        "job": spec.job_dir.name,
        "kind": spec.kind,
        "tasks": spec.tasks,
        "ranks": [
            {
                "rank": report["rank"],
                "host": report["host"],
                "episodes": report["episodes"],
                "seconds": report["seconds"],
                "calls": report["calls"],
            }
            for report in reports
        ],
    }
    if not _recorded_already(dataset.root, record):
        append_run_record(dataset.root, record)
    writes = [load_report(spec, f"write_{rank:05d}") for rank in range(spec.tasks)]
    save_report(
        spec,
        "result",
        {
            "record": record,
            "rewritten": sorted(p for w in writes for p in w["rewritten"]),
            "unchanged": sorted(p for w in writes for p in w["unchanged"]),
        },
    )


def _recorded_already(root: Path, record: dict[str, Any]) -> bool:
    """True when a merge of this very job appended its record and then stopped before its
    completion marker (a rerun of the step must not record the job twice)."""
    records = read_run_records(root)
    last = records[-1] if records else {}
    same_job = (last.get("executor") or {}).get("job") == record["executor"]["job"]
    return bool(same_job and last.get("started_at") == record["started_at"])
