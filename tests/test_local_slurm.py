"""The local SLURM cluster really runs array jobs, in this interpreter's environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.slurm_cluster import SlurmCluster

# each task prints its index, the interpreter it found and a variable set only by the test:
# SLURM runs the job in the submitter's environment (sbatch --export=ALL, the default)
TASK = (
    "import os, sys; "
    "print(os.environ['SLURM_ARRAY_TASK_ID'], sys.executable, os.environ['STEERLANG_PROBE'])"
)


def _submit(cluster: SlurmCluster, out: Path, tasks: int) -> str:
    """Submit an array of `tasks` one-CPU tasks running TASK; return its job id."""
    result = subprocess.run(
        [
            "sbatch",
            "--parsable",
            f"--array=0-{tasks - 1}",
            f"--partition={cluster.partition}",
            "--cpus-per-task=1",
            f"--output={out}/task_%a.out",
            "--wrap",
            f'{sys.executable} -c "{TASK}"',
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "STEERLANG_PROBE": out.name},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split(";")[0]


def _outputs(out: Path, tasks: int) -> list[str]:
    return [(out / f"task_{task}.out").read_text().strip() for task in range(tasks)]


def test_two_task_array_runs_both_tasks(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    slurm_cluster.wait(_submit(slurm_cluster, tmp_path, 2), timeout=60)
    assert _outputs(tmp_path, 2) == [f"{task} {sys.executable} {tmp_path.name}" for task in (0, 1)]


def test_more_tasks_than_cpus_all_run(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    """Tasks beyond the node's CPUs share cores or queue; either way every one runs."""
    tasks = 2 * (os.cpu_count() or 1) + 1
    slurm_cluster.wait(_submit(slurm_cluster, tmp_path, tasks), timeout=90)
    assert _outputs(tmp_path, tasks) == [
        f"{task} {sys.executable} {tmp_path.name}" for task in range(tasks)
    ]
