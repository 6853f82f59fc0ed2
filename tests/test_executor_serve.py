"""Model servers per task: with `--vlm.auto_serve` and no server answering, every task of
a job starts its own (here `steerlang sim-server` as `--vlm.serve_command`, on a free
port), uses only it, and stops it when the task ends."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from steerlang.language.run_records import read_run_records
from tests.distributed_jobs import assert_same_annotation, run_annotate

pytest.importorskip("datatrove", reason="pip install 'steerlang[distributed]'")


def test_each_task_serves_its_own_model_and_stops_it(job_source, inline_reference, tmp_path):
    root = tmp_path / "dataset"
    shutil.copytree(job_source, root)
    command = shlex.join(
        [sys.executable, "-m", "steerlang.commands.cli", "sim-server", "--dataset", str(job_source)]
    )
    done = run_annotate(
        root,
        "--vlm.model_id=steerlang-sim",
        "--vlm.api_base=http://127.0.0.1:9/v1",  # nothing answers there
        f"--vlm.serve_command={command} --port {{port}}",
        "--executor.kind=local",
        "--executor.tasks=2",
        "--executor.workers=2",
    )
    assert done.returncode == 0, done.stderr
    assert_same_annotation(inline_reference[0], root, same_record=False)
    (job,) = (root / ".annotate_staging" / "jobs").iterdir()
    servers = [json.loads(p.read_text())["servers"] for p in sorted(job.glob("pids/annotate_*"))]
    assert len(servers) == 2 and all(len(s) == 1 for s in servers)
    assert servers[0] != servers[1]
    assert not any(Path(f"/proc/{pid}").exists() for s in servers for pid in s)
    logs = (job / "local_executor.log").read_text()
    assert logs.count("sim-server listening on") == 2
    ranks = read_run_records(root)[-1]["executor"]["ranks"]
    assert all(sum(s["calls"] for s in r["calls"].values()) > 0 for r in ranks)
