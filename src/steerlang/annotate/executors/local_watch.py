"""Run the job on datatrove's local executor, in a child process this launcher watches.

datatrove's `LocalPipelineExecutor` runs ranks in a process pool; a rank killed
outright (SIGKILL, the OOM killer) never reports back and the pool waits for it
forever. Each rank says which process runs it (`job.mark_running`), so the
watcher here sees such a death: once every other rank of that step has finished,
it stops the executor, and the servers the dead rank had started, and the job
ends as failed — the same command resumes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

import dill
from dill import CONTENTS_FMODE

from steerlang.annotate.config.executor import ExecutorConfig
from steerlang.annotate.executors.chain import build_chain
from steerlang.annotate.executors.job import STEPS, JobSpec

POLL_S = 0.2
STOP_GRACE_S = 10.0


def run_local(spec: JobSpec, executor: ExecutorConfig, log: TextIO) -> None:
    """Run every step to its end (or to a rank's death); Ctrl-C stops the ranks."""
    chain = build_chain("local", spec, executor)
    pickled = spec.job_dir / "local_executor.pik"
    with open(pickled, "wb") as handle:
        dill.dump(chain[-1], handle, fmode=CONTENTS_FMODE)
    with open(spec.job_dir / "local_executor.log", "ab") as output:
        runner = subprocess.Popen(
            [sys.executable, "-m", "datatrove.tools.launch_pickled_pipeline", str(pickled)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: the ranks are stopped together
        )
    try:
        _watch(runner, spec, log)
    finally:
        _stop(runner)
        for pid in _orphaned_servers(spec):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


def _watch(runner: subprocess.Popen[bytes], spec: JobSpec, log: TextIO) -> None:
    shown: set[tuple[str, int]] = set()
    while runner.poll() is None:
        for step in STEPS:
            for rank in range(spec.world_size(step)):
                if (step, rank) not in shown and spec.completed(step, rank):
                    shown.add((step, rank))
                    done = sum(spec.completed(step, r) for r in range(spec.world_size(step)))
                    print(f"{step}: rank {rank} done ({done}/{spec.world_size(step)})", file=log)
            dead = dead_ranks(spec, step)
            if dead and _settled(spec, step, dead):
                print(f"{step}: rank(s) {dead} ended without finishing; stopping the job", file=log)
                return
        time.sleep(POLL_S)


def dead_ranks(spec: JobSpec, step: str) -> list[int]:
    """Ranks of `step` that started here, did not finish, and whose process is gone."""
    dead = []
    for rank in range(spec.world_size(step)):
        running = _running(spec.pid_path(step, rank))
        if running is not None and not spec.completed(step, rank):
            pid, _ = running
            if not _alive(pid):
                dead.append(rank)
    return dead


def _settled(spec: JobSpec, step: str, dead: list[int]) -> bool:
    """True when every rank of the step has finished or died: nothing more will come."""
    return all(r in dead or spec.completed(step, r) for r in range(spec.world_size(step)))


def _running(path: Path) -> tuple[int, list[int]] | None:
    """(pid, server pids) of a rank started on this machine, from its pid file."""
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if value.get("host") != socket.gethostname():
        return None
    return int(value["pid"]), [int(pid) for pid in value.get("servers", [])]


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped by its parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _orphaned_servers(spec: JobSpec) -> list[int]:
    """Model servers started by ranks that did not finish (a killed rank cannot stop its own)."""
    found = []
    for step in STEPS:
        for rank in range(spec.world_size(step)):
            running = _running(spec.pid_path(step, rank))
            if running is not None and not spec.completed(step, rank):
                found += running[1]
    return found


def _stop(runner: subprocess.Popen[bytes]) -> None:
    """SIGTERM the executor's process group (ranks stop their servers), then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(runner.pid, sig)
        try:
            runner.wait(timeout=STOP_GRACE_S)
            if sig == signal.SIGTERM:
                # the leader is gone; what it left in its group (idle pool workers) goes too
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(runner.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue
