"""Run the job on Ray through datatrove's Ray executor.

Connects to the cluster in RAY_ADDRESS, or starts a local Ray with room for the
ranks running at once. Each step runs to its end before the next (`depends=`
chains them; a step left incomplete stops the job here, since datatrove's Ray
executor would wait for it forever).
"""

from __future__ import annotations

import os
from typing import TextIO

from steerlang.annotate.config.executor import ExecutorConfig
from steerlang.annotate.executors.chain import build_chain
from steerlang.annotate.executors.job import STEPS, JobSpec
from steerlang.annotate.executors.work import KEY_VARIABLE


def run_ray(spec: JobSpec, executor: ExecutorConfig, log: TextIO) -> None:
    import ray

    started = not ray.is_initialized()
    if started:
        address = os.environ.get("RAY_ADDRESS")
        at_once = min(executor.workers or spec.tasks, spec.tasks)
        ray.init(
            address=address,
            num_cpus=None if address else at_once * executor.cpus_per_task,
            include_dashboard=False,
            log_to_driver=False,
            # a cluster's workers do not inherit this process's environment
            runtime_env={"env_vars": {KEY_VARIABLE: os.environ.get(KEY_VARIABLE, "")}},
        )
    try:
        for step, ex in zip(STEPS, build_chain("ray", spec, executor), strict=True):
            ex.run()
            if not all(spec.completed(step, r) for r in range(spec.world_size(step))):
                return  # launch reports which ranks and why
            print(f"{step}: done", file=log, flush=True)
    finally:
        if started:
            ray.shutdown()
