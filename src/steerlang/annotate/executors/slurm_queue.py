"""Submit the job to Slurm through datatrove and wait for it in the queue.

datatrove submits each step as an array job depending (`afterok`) on the one
before. A failed or cancelled array task (`scancel JOB_TASK`) leaves its step
incomplete and the steps after it pending forever, so the wait here ends when a
step has left the queue with ranks missing: the rest is cancelled and the job
reported failed; the same command resubmits only the missing ranks.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, TextIO

from steerlang.annotate.config.executor import ExecutorConfig
from steerlang.annotate.executors.chain import build_chain
from steerlang.annotate.executors.job import STEPS, JobSpec
from steerlang.annotate.executors.launch import run_command
from steerlang.errors import SteerlangError

POLL_S = 2.0


def run_slurm(spec: JobSpec, executor: ExecutorConfig, log: TextIO) -> None:
    chain = build_chain("slurm", spec, executor, executor.partition or default_partition())
    try:
        chain[-1].launch_job()  # launches its dependencies first
    except Exception as exc:  # sbatch refused a step (its message is printed above)
        launched = [str(ex.job_id) for ex in chain if ex.job_id not in (None, -1)]
        if launched:
            with contextlib.suppress(SteerlangError):
                run_command(["scancel", *launched], "cancelling the steps already submitted")
        raise SteerlangError(
            f"sbatch refused the job ({type(exc).__name__}; sbatch's reason is above): check "
            "--executor.partition, --executor.gpus_per_task (0 where the cluster has no GPUs), "
            "--executor.time and --executor.sbatch_args"
        ) from None
    jobs = {step: str(ex.job_id) for step, ex in zip(STEPS, chain, strict=True) if ex.job_id != -1}
    print(f"slurm jobs: {jobs}", file=log, flush=True)
    try:
        _wait(spec, jobs, log)
    finally:
        left = sorted(queued(jobs.values()))
        if left:
            with contextlib.suppress(SteerlangError):
                run_command(["scancel", *left], "cancelling the job's remaining steps")


def default_partition() -> str:
    """The cluster's default partition (`sinfo` marks it with a star)."""
    for line in run_command(["sinfo", "-h", "-o", "%P"], "finding the Slurm partition").split():
        if line.endswith("*"):
            return line.rstrip("*")
    raise SteerlangError("this cluster has no default partition; pass --executor.partition=NAME")


def queued(job_ids: Any) -> set[str]:
    """Which of these jobs are still in the queue (pending, running or completing). The
    whole queue is listed: `squeue --jobs` fails once a finished job is purged."""
    ids = {str(i) for i in job_ids}
    if not ids:
        return set()
    output = run_command(["squeue", "-h", "-o", "%F"], "reading the Slurm queue")
    return set(output.split()) & ids


def _wait(spec: JobSpec, jobs: dict[str, str], log: TextIO) -> None:
    done: dict[str, int] = {}
    while True:
        waiting = queued(jobs.values())
        for step in STEPS:
            count = sum(spec.completed(step, r) for r in range(spec.world_size(step)))
            if count != done.get(step, 0):
                done[step] = count
                print(f"{step}: {count}/{spec.world_size(step)} rank(s) done", file=log, flush=True)
            gone = step not in jobs or jobs[step] not in waiting
            if gone and count < spec.world_size(step):
                return  # failed (or cancelled): what waits behind it never runs
        if not waiting:
            return
        time.sleep(POLL_S)
