"""`--executor.kind=ray`: datatrove's Ray executor on a local Ray (two CPUs: two ranks at
once) writes exactly what an inline run writes."""

from __future__ import annotations

import pytest

from tests.distributed_jobs import job_as_inline

pytest.importorskip("datatrove", reason="pip install 'steerlang[distributed]'")
pytest.importorskip("ray", reason="pip install 'steerlang[distributed]'")

# a local Ray of 2 CPUs (workers x cpus_per_task), 1 GB reserved per task
RAY = (
    "--executor.kind=ray",
    "--executor.tasks=4",
    "--executor.workers=2",
    "--executor.cpus_per_task=1",
    "--executor.mem_per_cpu_gb=1",
)


def test_ray_job_writes_what_inline_writes(job_source, inline_reference, tmp_path):
    _, _, executor = job_as_inline(job_source, inline_reference, tmp_path, *RAY)
    assert executor["kind"] == "ray" and len(executor["ranks"]) == 4
