"""Launch a distributed annotate job and wait for it: the `--executor.kind=local|slurm|ray` path.

The launcher does what an inline run does before its first model call (lock,
finish an interrupted write, pre-flight), then hands the work to datatrove's
executor as four chained steps (`steps`), waits — watching local ranks for a
silent death, Slurm's queue for a failed array task — and reports like an inline
run. It holds the dataset lock for the whole job, under a token its ranks check.

Resume: the job folder is named after what decides the work (module settings,
model, episodes, tasks), so the same command after a failure finds datatrove's
completion markers and skips finished ranks, while the staging skips finished
episodes and the response cache finished calls inside an unfinished rank. A job
that finished is started over by the next run (markers cleared).
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from steerlang.annotate.config.executor import ExecutorConfig
from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.executors.job import STEPS, JobSpec, load_report
from steerlang.annotate.executors.shares import episode_groups
from steerlang.annotate.executors.work import KEY_VARIABLE, job_run, save_spec
from steerlang.annotate.preflight import preflight
from steerlang.annotate.run import RunResult, chosen_episodes
from steerlang.annotate.scheduler import MODULE_PROMPTS
from steerlang.annotate.staging.store import StagingStore, fingerprint
from steerlang.annotate.vlm.redaction import shown_command_line
from steerlang.dataset import open_dataset
from steerlang.errors import SteerlangError
from steerlang.language.dataset_lock import dataset_lock
from steerlang.language.write.write_language import WriteSummary, finish_pending_write

JOBS_DIR = "jobs"


def maybe_distributed(config: AnnotateConfig, root: Path, log: TextIO) -> RunResult | None:
    """The run as a distributed job, or None when its executor is inline (small datasets
    under kind=auto). Blocks until the job ends; Ctrl-C stops it (Slurm jobs cancelled)."""
    dataset = open_dataset(root, check_videos=False)
    chosen = chosen_episodes(dataset, config.only_episodes)
    kind = config.executor.resolved_kind(len(chosen))
    if kind == "inline":
        return None
    with dataset_lock(root, shown_command_line([config.vlm.api_key]), job=(token := _token())):
        if finish_pending_write(root):
            print(f"finished an interrupted write in {root}", file=log)
        checked = preflight(dataset, config, chosen)
        checked.raise_if_blocked()
        runnable = checked.runnable
        tasks = config.executor.resolved_tasks(len(runnable), len(episode_groups(runnable)))
        store = StagingStore(root, staging_dir=config.staging_dir)
        job_dir = _job_dir(config, store.dir, [e.index for e in runnable], tasks)
        # tasks run elsewhere (another node, a Ray worker's folder): no relative paths
        staging_dir = None if config.staging_dir is None else Path(config.staging_dir).resolve()
        spec = JobSpec(
            config=dataclasses.replace(config, staging_dir=staging_dir),
            root=root.resolve(),
            job_dir=job_dir,
            token=token,
            tasks=tasks,
            kind=kind,
            episodes=[e.index for e in runnable],
            broken=dict(checked.broken),
            started=_started(job_dir),
        )
        save_spec(spec)
        os.environ[KEY_VARIABLE] = config.vlm.api_key
        shown = f"{tasks} task(s), {config.executor.workers or 'all'} at once"
        print(f"annotate job ({kind}, {shown}) in {job_dir}", file=log, flush=True)
        _run(kind, spec, config.executor, log)
        failed = _failure(spec)
        if failed is not None:
            raise SteerlangError(failed)
        return _result(spec, store)


def _token() -> str:
    return secrets.token_hex(8)


def _job_dir(config: AnnotateConfig, staging: Path, episodes: list[int], tasks: int) -> Path:
    """The job's folder: fixed by what decides the work, so the same command resumes it;
    a job that finished is cleared for a new one."""
    if config.executor.logging_dir is not None:
        job_dir = Path(config.executor.logging_dir).resolve()
    else:
        decided = {
            "modules": {m: dataclasses.asdict(getattr(config, m)) for m in MODULE_PROMPTS},
            "vlm": [config.vlm.model_id, config.vlm.camera_key, config.vlm.temperature],
            "tokens": config.vlm.max_new_tokens,
            "seed": config.seed,
            "episodes": episodes,
            "tasks": tasks,
            "skip_validation": config.skip_validation,
        }
        job_dir = staging.resolve() / JOBS_DIR / fingerprint(decided)[:16]
    finished = job_dir / "merge" / "completions"
    if finished.is_dir() and any(finished.iterdir()):
        for leftover in [*(job_dir / step / "completions" for step in STEPS), job_dir / "reports"]:
            shutil.rmtree(leftover, ignore_errors=True)
        (job_dir / "started").unlink(missing_ok=True)
    shutil.rmtree(job_dir / "pids", ignore_errors=True)  # a dead attempt's processes
    job_dir.mkdir(parents=True, exist_ok=True)
    return job_dir


def _started(job_dir: Path) -> float:
    """When the job first started (kept across resubmissions, for its run record)."""
    path = job_dir / "started"
    try:
        return float(path.read_text())
    except (OSError, ValueError):
        now = time.time()
        path.write_text(f"{now}\n")
        return now


def _run(kind: str, spec: JobSpec, executor: ExecutorConfig, log: TextIO) -> None:
    """Run the job to its end; SIGTERM stops it like Ctrl-C (the ranks, the Slurm jobs)."""
    from loguru import logger  # datatrove's; its lines here would repeat ours

    previous = signal.signal(signal.SIGTERM, _terminated)
    logger.disable("datatrove")
    try:
        _run_kind(kind, spec, executor, log)
    finally:
        logger.enable("datatrove")
        signal.signal(signal.SIGTERM, previous)


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _run_kind(kind: str, spec: JobSpec, executor: ExecutorConfig, log: TextIO) -> None:
    """Build the four executors, chained with `depends=`, and run them to the end."""
    if kind == "local":
        from steerlang.annotate.executors.local_watch import run_local

        run_local(spec, executor, log)
    elif kind == "slurm":
        from steerlang.annotate.executors.slurm_queue import run_slurm

        run_slurm(spec, executor, log)
    else:
        from steerlang.annotate.executors.ray_run import run_ray

        run_ray(spec, executor, log)


def _failure(spec: JobSpec) -> str | None:
    """What stopped the job, from datatrove's markers and the failed rank's log, or None."""
    for step in STEPS:
        missing = [r for r in range(spec.world_size(step)) if not spec.completed(step, r)]
        if not missing:
            continue
        reason = _logged_error(spec.step_dir(step) / "logs" / f"task_{missing[0]:05d}.log")
        return (
            f"the job stopped in its {step} step: rank(s) {missing} of "
            f"{spec.world_size(step)} did not finish ({reason}); finished work is kept — "
            f"rerun the same command to resume (logs: {spec.step_dir(step) / 'logs'})"
        )
    return None


ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception|Busy)): (.*)$")


def _logged_error(path: Path) -> str:
    """The last exception line of a rank's log, or why there is none."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "it left no log: killed before it started?"
    for line in reversed(lines):
        match = ERROR_LINE.match(line.strip())
        if match:
            return f"{match.group(1)}: {match.group(2)}"
    return "no error in its log: killed?"


def _result(spec: JobSpec, store: StagingStore) -> RunResult:
    """The finished job as an inline run's result (the same summary and exit code follow)."""
    run, _ = job_run(spec)
    plan = load_report(spec, "plan")
    result = load_report(spec, "result")
    written = None
    if plan["writes"]:
        written = WriteSummary(
            shards_rewritten=[spec.root / p for p in result["rewritten"]],
            shards_unchanged=[spec.root / p for p in result["unchanged"]],
            episodes_written=list(plan["succeeded"]),
        )
    record: dict[str, Any] = result["record"]
    return RunResult(
        spec.root,
        run.outcomes,
        staging=store.dir,
        written=written,
        left_out=list(plan["left_out"]),
        record=record,
        unanswered=bool(plan["unanswered"]),
    )


def run_command(argv: list[str], what: str) -> str:
    """Run a cluster command; its failure as one line."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SteerlangError(f"{what}: `{' '.join(argv)}` failed ({exc})") from None
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise SteerlangError(f"{what}: `{' '.join(argv)}` said {message[-1] if message else ''}")
    return done.stdout
