"""`--executor.kind=local`: datatrove's local executor runs the job in ranks (tasks=4,
workers=2) against one sim server, writes exactly what an inline run writes, and a rank
killed with SIGKILL mid-run is resumed by the same command: finished ranks are skipped,
finished episodes and calls of the killed rank are reused, and nothing else is asked."""

from __future__ import annotations

import json
import os
import shutil
import signal
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

LOCAL = ("--executor.kind=local", "--executor.tasks=4", "--executor.workers=2")


def test_local_job_writes_what_inline_writes(job_source, inline_reference, tmp_path):
    _, done, executor = job_as_inline(job_source, inline_reference, tmp_path, *LOCAL)
    assert executor["kind"] == "local" and executor["tasks"] == 4
    ranks = executor["ranks"]
    assert [r["episodes"] for r in ranks] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert sum(s["calls"] for r in ranks for s in r["calls"].values()) == inline_reference[1]
    assert "annotated 8 episode(s)" in done.stdout and "8 complete" in done.stdout


def test_a_killed_rank_is_resumed_by_the_same_command(job_source, inline_reference, tmp_path):
    root = tmp_path / "dataset"
    shutil.copytree(job_source, root)
    with SimServerProcess(job_source, latency_ms=150) as server:
        flags = (*over_http(server.api_base), *LOCAL, "--vlm.client_concurrency=2")
        launcher = subprocess.Popen(
            annotate_command(root, *flags),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        victim = _rank_mid_run(root, rank=2)
        os.kill(victim, signal.SIGKILL)
        _, err = launcher.communicate(timeout=300)
        assert launcher.returncode == 1, err
        assert "stopped in its annotate step: rank(s) [2]" in err and "rerun" in err
        first = server.stats()["requests"]
        staged_before = _staged(root)
        finished = _rank_reports(root)
        assert sorted(finished) == ["annotate_00000", "annotate_00001", "annotate_00003"]

        done = run_annotate(root, *flags)
        assert done.returncode == 0, done.stderr
        second = server.stats()["requests"] - first
    # only rank 2's missing work ran again: its staged episodes and cached calls were
    # reused; at most the calls in flight when it died (two) are asked twice
    assert 0 < second < inline_reference[1] - first + 2 + 1
    assert first + second <= inline_reference[1] + 2
    assert staged_before  # the killed rank had staged work that the rerun kept
    assert_same_annotation(inline_reference[0], root, same_record=False)
    # the ranks that had finished were skipped (datatrove's completion markers)
    assert {name: _rank_reports(root)[name] for name in finished} == finished


def _rank_mid_run(root: Path, rank: int, timeout_s: float = 120) -> int:
    """The pid of annotate rank `rank` once it has staged one module output."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid_file in root.glob(f".annotate_staging/jobs/*/pids/annotate_{rank:05d}.json"):
            episodes = (2 * rank, 2 * rank + 1)
            staging = root / ".annotate_staging"
            if any(any((staging / f"episode_{e:06d}").glob("*.record.json")) for e in episodes):
                return int(json.loads(pid_file.read_text())["pid"])
        time.sleep(0.05)
    raise AssertionError(f"annotate rank {rank} never got going")


def _staged(root: Path) -> list[Path]:
    return sorted((root / ".annotate_staging").glob("episode_00000[45]/*.record.json"))


def _rank_reports(root: Path) -> dict[str, int]:
    """Annotate rank reports of the job, with their modification times."""
    reports = root.glob(".annotate_staging/jobs/*/reports/annotate_*.json")
    return {path.stem: path.stat().st_mtime_ns for path in reports}
