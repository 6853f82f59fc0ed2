"""The `slurm_cluster` fixture: a real single-node SLURM cluster for tests that submit jobs.

The cluster is `scripts/local_slurm.sh` (Debian's slurm-wlm and munge, started as root). The
fixture uses a cluster that already runs (CI starts one before the tests) and otherwise starts
one and stops it, by the PIDs the script recorded, at the end of the session. It skips, with
the script's reason and the daemons' log tails, only where the cluster cannot start: not root,
no apt to install the packages, or daemons that fail.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "local_slurm.sh"


@dataclass(frozen=True)
class SlurmCluster:
    """A running cluster: its configuration file and its default partition."""

    conf: Path
    partition: str

    def wait(self, job_id: str, timeout: float = 120.0) -> None:
        """Block until no task of job `job_id` (an array's id too) is queued or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # %F is a task's array job id (its own id outside arrays): squeue's "-j" fails
            # once a finished job is purged, listing everything does not
            queued = subprocess.run(
                ["squeue", "-h", "-o", "%F"], capture_output=True, text=True, check=True
            ).stdout.split()
            if job_id not in queued:
                return
            time.sleep(0.2)
        raise TimeoutError(f"SLURM job {job_id} still queued or running after {timeout:.0f} s")


def _script(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), action], capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    """A running single-node SLURM cluster; `SLURM_CONF` points the clients at it."""
    started = False
    status = _script("status")
    if status.returncode != 0:
        start = _script("start")
        if start.returncode != 0:
            tail = "\n".join((start.stdout + start.stderr).strip().splitlines()[-30:])
            pytest.skip(f"no local SLURM cluster (scripts/local_slurm.sh start failed):\n{tail}")
        started = True
        status = _script("status")
    conf = next(line[5:] for line in status.stdout.splitlines() if line.startswith("conf="))
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = conf
    try:
        # %R: partition names without the "*" that marks the default; the cluster has one
        sinfo = subprocess.run(
            ["sinfo", "-h", "-o", "%R"], capture_output=True, text=True, check=True
        )
        yield SlurmCluster(conf=Path(conf), partition=sinfo.stdout.split()[0])
    finally:
        if previous is None:
            del os.environ["SLURM_CONF"]
        else:
            os.environ["SLURM_CONF"] = previous
        if started:
            _script("stop")
