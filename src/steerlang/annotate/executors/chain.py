"""The job as datatrove executors: one per step, each `depends=` on the one before.

datatrove runs a local or Ray dependency first and waits for it, and submits a
Slurm one first with `--dependency=afterok:<its job>`; completion markers
(`<step>/completions/`) make finished ranks skip when the job is run again.
"""

from __future__ import annotations

from typing import Any

from datatrove.executor import LocalPipelineExecutor, RayPipelineExecutor, SlurmPipelineExecutor

from steerlang.annotate.config.executor import ExecutorConfig
from steerlang.annotate.executors.job import STEPS, JobSpec
from steerlang.annotate.executors.steps import STEP_CLASSES


class StepsOnSlurm(SlurmPipelineExecutor):  # type: ignore[misc]  # datatrove has no hints
    """datatrove's Slurm executor without its stats-merging job: the merge step reports,
    and a stats job left pending behind a failed step would wait in the queue forever."""

    def launch_merge_stats(self) -> None:
        return None


def build_chain(
    kind: str, spec: JobSpec, executor: ExecutorConfig, partition: str = ""
) -> list[Any]:
    """The four executors of `kind`, in order; running (or launching) the last runs all."""
    chain: list[Any] = []
    for step in STEPS:
        tasks = spec.world_size(step)
        common: dict[str, Any] = {
            "pipeline": [STEP_CLASSES[step](str(spec.job_dir))],
            "tasks": tasks,
            "logging_dir": str(spec.step_dir(step)),
            "depends": chain[-1] if chain else None,
        }
        gpus = _gpus(kind, executor) if step == "annotate" else 0
        if kind == "local":
            workers = min(executor.workers or tasks, tasks)
            # forked from the runner, which has imported the pipeline: no rank imports it again
            chain.append(LocalPipelineExecutor(**common, workers=workers, start_method="fork"))
        elif kind == "slurm":
            chain.append(
                StepsOnSlurm(
                    **common,
                    workers=executor.workers or -1,
                    time=executor.time,
                    partition=partition,
                    cpus_per_task=executor.cpus_per_task,
                    mem_per_cpu_gb=executor.mem_per_cpu_gb,
                    gpus_per_task=gpus,
                    job_name=f"{executor.job_name}-{step}",
                    sbatch_args=dict(executor.sbatch_args or {}),
                    qos=None,  # the cluster's default, not datatrove's "normal"
                    mail_type="NONE",
                )
            )
        else:
            chain.append(
                RayPipelineExecutor(
                    **common,
                    workers=min(executor.workers or tasks, tasks),
                    cpus_per_task=executor.cpus_per_task,
                    mem_per_cpu_gb=executor.mem_per_cpu_gb,
                    gpus_per_task=gpus,
                )
            )
    return chain


def _gpus(kind: str, executor: ExecutorConfig) -> int:
    if executor.gpus_per_task is not None:
        return executor.gpus_per_task
    return 1 if kind == "slurm" else 0
