"""`--executor.kind=slurm` on a real single-node cluster (`slurm_cluster`): the job goes
through `sbatch` as array jobs of four tasks chained with `--dependency=afterok`, writes
exactly what an inline run writes, and after `scancel` of one array task the same command
resubmits only that task, which reuses what it had staged."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from steerlang.sim.server_process import SimServerProcess
from tests.annotate_harness import over_http
from tests.distributed_jobs import (
    annotate_command,
    assert_same_annotation,
    child_env,
    job_as_inline,
    run_annotate,
)

pytest.importorskip("datatrove", reason="pip install 'steerlang[distributed]'")

# the test node has 2 CPUs and no GPUs: one CPU per task, two tasks at once
SLURM = (
    "--executor.kind=slurm",
    "--executor.tasks=4",
    "--executor.gpus_per_task=0",
    "--executor.cpus_per_task=1",
    "--executor.mem_per_cpu_gb=1",
)


def test_slurm_job_writes_what_inline_writes(slurm_cluster, job_source, inline_reference, tmp_path):
    flags = (*SLURM, "--executor.job_name=same-as-inline")
    root, _, executor = job_as_inline(job_source, inline_reference, tmp_path, *flags)
    assert executor["kind"] == "slurm" and len(executor["ranks"]) == 4
    (job,) = (root / ".annotate_staging" / "jobs").iterdir()
    script = (job / "annotate" / "launch_script.slurm").read_text()
    assert "#SBATCH --array=0-3" in script and f"--partition={slurm_cluster.partition}" in script


def test_scancel_of_one_array_task_then_resubmit(
    slurm_cluster, job_source, inline_reference, tmp_path
):
    root = tmp_path / "dataset"
    shutil.copytree(job_source, root)
    name = f"resume-{tmp_path.name[-12:]}"
    with SimServerProcess(job_source, latency_ms=150) as server:
        flags = (
            *over_http(server.api_base),
            *SLURM,
            f"--executor.job_name={name}",
            "--vlm.client_concurrency=2",
        )
        launcher = subprocess.Popen(
            annotate_command(root, *flags),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        array_job = _task_mid_run(root, f"{name}-annotate", rank=2)
        subprocess.run(["scancel", f"{array_job}_2"], check=True)
        _, err = launcher.communicate(timeout=300)
        assert launcher.returncode == 1, err
        assert "stopped in its annotate step: rank(s) [2]" in err
        first = server.stats()["requests"]

        done = run_annotate(root, *flags)
        assert done.returncode == 0, done.stderr
        second = server.stats()["requests"] - first
    assert 0 < second < inline_reference[1] - first + 3
    assert first + second <= inline_reference[1] + 2
    (job,) = (root / ".annotate_staging" / "jobs").iterdir()
    assert json.loads((job / "annotate" / "ranks_to_run.json").read_text()) == [2]
    assert_same_annotation(inline_reference[0], root, same_record=False)


def _task_mid_run(root: Path, job_name: str, rank: int, timeout_s: float = 180) -> str:
    """The array job id of `job_name` once its task `rank` has staged a module output."""
    deadline = time.monotonic() + timeout_s
    staging = root / ".annotate_staging"
    while time.monotonic() < deadline:
        started = any(staging.glob(f"jobs/*/pids/annotate_{rank:05d}.json"))
        episodes = (2 * rank, 2 * rank + 1)
        if started and any(
            any((staging / f"episode_{e:06d}").glob("*.record.json")) for e in episodes
        ):
            queue = subprocess.run(
                ["squeue", "-h", "-n", job_name, "-o", "%F"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            if queue:
                return queue[0]
        time.sleep(0.05)
    raise AssertionError(f"task {rank} of {job_name} never got going")


def test_a_job_sbatch_refuses_is_one_line_and_leaves_nothing_queued(
    slurm_cluster, job_source, tmp_path
):
    root = tmp_path / "dataset"
    shutil.copytree(job_source, root)
    done = run_annotate(
        root, "--vlm.backend=sim", "--executor.kind=slurm", "--executor.job_name=nogpu"
    )
    assert done.returncode == 1  # one GPU per task by default; the test node has none
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("steerlang annotate: error: sbatch refused the job")
    )
    queue = subprocess.run(["squeue", "-h", "-o", "%j"], capture_output=True, text=True, check=True)
    assert not any(name.startswith("nogpu") for name in queue.stdout.split())
