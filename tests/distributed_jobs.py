"""Helpers for the distributed-executor tests: a dataset of several video files, the
annotate command in a child process, and the comparison of two annotated datasets.

"Byte-identical" here: every file under data/ and meta/ has the same bytes, except
meta/steerlang_runs.jsonl, whose last record is compared without what differs by
nature between two runs — start and finish times and durations, call latencies, the
executor settings and the per-rank breakdown a distributed job adds, and where the
dataset and the model server were (each test has its own copy and server).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from steerlang.dataset.synth import CameraSpec, SynthConfig, synthesize
from steerlang.language.run_records import RUNS_PATH, read_run_records
from steerlang.sim.server_process import SimServerProcess
from tests.annotate_harness import over_http

# eight episodes in four video files (two per file): four annotate ranks of two episodes
DATASET: dict[str, Any] = {
    "episodes": 8,
    "seconds": (2.0, 3.0),
    "cameras": (CameraSpec("top", 96, 72),),
    "episodes_per_file": 2,
    "codec": "mpeg4",
}
SRC = Path(__file__).resolve().parents[1] / "src"
TIMING = ("started_at", "finished_at", "seconds", "executor")


@pytest.fixture(scope="session")
def job_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset every distributed test annotates a copy of (read-only)."""
    root = tmp_path_factory.mktemp("distributed") / "source"
    synthesize(SynthConfig(out=root, **DATASET))
    return root


@pytest.fixture(scope="session")
def inline_reference(
    job_source: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int]:
    """The inline run every executor is compared with, and the sim calls it made."""
    root = tmp_path_factory.mktemp("inline") / "dataset"
    shutil.copytree(job_source, root)
    with SimServerProcess(job_source) as server:
        done = run_annotate(root, *over_http(server.api_base), "--executor.kind=inline")
        calls = int(server.stats()["requests"])
    assert done.returncode == 0, done.stderr
    return root, calls


def annotate_command(root: Path, *flags: str) -> list[str]:
    return [sys.executable, "-m", "steerlang.commands.cli", "annotate", f"--root={root}", *flags]


def child_env() -> dict[str, str]:
    """The environment of a child annotate: this checkout's sources first."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{path}" if path else str(SRC)}


def run_annotate(root: Path, *flags: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        annotate_command(root, *flags),
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=timeout,
    )


def dataset_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for folder in ("data", "meta")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file() and path.relative_to(root) != RUNS_PATH
    }


def comparable_record(root: Path) -> dict[str, Any]:
    """The last run record without what two runs of the same work differ in by nature."""
    record = dict(read_run_records(root)[-1])
    for key in TIMING:
        record.pop(key, None)
    config = {k: v for k, v in record["config"].items() if k not in ("executor", "root")}
    config["vlm"] = {k: v for k, v in config["vlm"].items() if k != "api_base"}
    record["config"] = config
    record["calls"] = {
        purpose: {k: v for k, v in stats.items() if not k.startswith("latency_")}
        for purpose, stats in record["calls"].items()
    }
    return json.loads(json.dumps(record))


def assert_same_annotation(expected: Path, actual: Path, same_record: bool = True) -> None:
    """Same files; the same run record, or (a job resumed after a failure, whose record
    counts reused work and cached calls; other server settings) one record of the same
    annotation."""
    want, got = dataset_files(expected), dataset_files(actual)
    assert sorted(got) == sorted(want)
    differing = [name for name in want if want[name] != got[name]]
    assert not differing, f"files differ from the inline run: {differing}"
    if same_record:
        assert comparable_record(actual) == comparable_record(expected)
        return
    (record,) = read_run_records(actual)
    reference = read_run_records(expected)[-1]
    for key in ("episodes.annotated", "rows_per_style", "missing", "planned"):
        here, there = record, reference
        for part in key.split("."):
            here, there = here[part], there[part]
        assert here == there, key


def job_as_inline(
    source: Path, reference: tuple[Path, int], work: Path, *flags: str
) -> tuple[Path, subprocess.CompletedProcess[str], dict[str, Any]]:
    """Annotate a copy of `source` as a job with `flags` against a fresh sim server; check it
    succeeds, asks exactly the inline run's calls and writes what it wrote. Returns the copy,
    the finished command and the run record's `executor` block."""
    root = work / "dataset"
    shutil.copytree(source, root)
    with SimServerProcess(source) as server:
        done = run_annotate(root, *over_http(server.api_base), *flags)
        calls = server.stats()["requests"]
    assert done.returncode == 0, done.stderr
    assert calls == reference[1]
    assert_same_annotation(reference[0], root)
    return root, done, read_run_records(root)[-1]["executor"]
