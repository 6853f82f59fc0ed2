"""The four steps of a distributed job as datatrove `PipelineStep`s.

Each holds only the job folder (datatrove pickles steps into its executor files and
prints them into `executor.json`; the spec with the config stays in the job folder and
the API key in the environment) and calls its body in `work`. A step yields no
documents: its output is staging, shards and reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datatrove.pipeline.base import PipelineStep

from steerlang.annotate.executors.work import (
    annotate_rank,
    check_job,
    load_spec,
    merge_job,
    write_rank,
)


class JobStep(PipelineStep):  # type: ignore[misc]  # datatrove ships no type hints
    type = "steerlang"

    def __init__(self, job_dir: str) -> None:
        super().__init__()
        self.job_dir = job_dir


class AnnotateStep(JobStep):
    """Rank r of N: the modules over a stable share of the episodes (whole video files)."""

    name = "annotate"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        annotate_rank(load_spec(self.job_dir), rank, world_size)
        yield from ()


class CheckStep(JobStep):
    """One task: validate the staging of every episode and decide what is written."""

    name = "check"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        check_job(load_spec(self.job_dir))
        yield from ()


class WriteStep(JobStep):
    """Rank r of N: rewrite and commit a share of the data shards."""

    name = "write"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        write_rank(load_spec(self.job_dir), rank, world_size)
        yield from ()


class MergeStep(JobStep):
    """One task: info.json, the `say` tool and the job's run record."""

    name = "merge"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        merge_job(load_spec(self.job_dir))
        yield from ()


STEP_CLASSES: dict[str, type[JobStep]] = {
    "annotate": AnnotateStep,
    "check": CheckStep,
    "write": WriteStep,
    "merge": MergeStep,
}
