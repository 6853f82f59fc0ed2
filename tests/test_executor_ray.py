"""`--executor.kind=ray`: datatrove's Ray executor on a local Ray (two CPUs: two ranks at
once) writes exactly what an inline run writes."""

from __future__ import annotations

import shutil

import pytest

from steerlang.language.run_records import read_run_records
from steerlang.sim.server_process import SimServerProcess
from tests.annotate_harness import over_http
from tests.distributed_jobs import assert_same_annotation, run_annotate

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
    root = tmp_path / "dataset"
    shutil.copytree(job_source, root)
    with SimServerProcess(job_source) as server:
        done = run_annotate(root, *over_http(server.api_base), *RAY)
        calls = server.stats()["requests"]
    assert done.returncode == 0, done.stderr
    assert calls == inline_reference[1]
    assert_same_annotation(inline_reference[0], root)
    executor = read_run_records(root)[-1]["executor"]
    assert executor["kind"] == "ray" and len(executor["ranks"]) == 4
