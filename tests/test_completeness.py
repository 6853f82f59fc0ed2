"""A run is complete or says exactly what is missing, and a rerun asks for exactly that.

Each test runs a model server that misbehaves (the sim server's fault knobs, or the
server killed mid-run), then a healthy rerun, and compares the result byte for byte
with a run that never failed (shards, info.json and staging; not the run log or the
response cache, which record history).
"""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from pathlib import Path

import pytest

from steerlang.annotate.staging.store import StagingStore, State
from steerlang.commands import cli
from steerlang.dataset import open_dataset
from steerlang.language.validate import validate_dataset
from steerlang.sim.server_process import SimServerProcess
from tests.annotate_harness import (
    KEEP_TRUTH,
    annotate,
    over_http,
    requests_since,
    run_records,
    shard_bytes,
    staging_bytes,
    written_language,
)
from tests.conftest import SMALL_CAMERAS

DATASET = {"episodes": 3, "seconds": (3.0, 3.5), "cameras": SMALL_CAMERAS}
FLAGS = (*KEEP_TRUTH, "--vqa.vqa_emission_hz=1", "--interjections.interjection_min_t=1")
FAST_FAILURE = ("--vlm.max_retries=0",)


@pytest.fixture
def copies(synth_cache, tmp_path):
    """`copies(name)` → a private copy of the same synthetic dataset under `name`."""
    source = synth_cache(**DATASET)

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(source, target)
        return target

    return copy


def healthy_run(root: Path, *flags: str) -> int:
    with SimServerProcess(root) as server:
        return annotate(root, *over_http(server.api_base), *FLAGS, *flags)


def assert_same_as_never_failed(root: Path, reference: Path) -> None:
    assert shard_bytes(root) == shard_bytes(reference)
    assert staging_bytes(root) == staging_bytes(reference)


def missing_items(root: Path) -> list[dict]:
    store = StagingStore(root)
    return [item for ep in store.episodes() for m in store.modules for item in store.missing(ep, m)]


# form faults apply where the server does not enforce the schema (like `transformers serve`)
GARBAGE = {"reject_response_format": True, "invalid_json_prob": 1.0}
SOME_GARBAGE = {"reject_response_format": True, "invalid_json_prob": 0.3}


@pytest.mark.parametrize("fault", [GARBAGE, {"http_error_rate": 1.0}], ids=["garbage", "http500"])
def test_a_run_where_every_call_fails_is_partial_writes_nothing_and_a_rerun_finishes(
    copies, capsys, fault
):
    reference, root = copies("reference"), copies("faulty")
    assert healthy_run(reference) == 0
    before = shard_bytes(root)
    with SimServerProcess(root, **fault) as server:
        code = annotate(root, *over_http(server.api_base), *FLAGS, *FAST_FAILURE)
    captured = capsys.readouterr()
    assert code == 1
    assert "nothing was written" in captured.err
    assert "were written" not in captured.err + captured.out
    assert shard_bytes(root) == before
    store = StagingStore(root)
    for module in ("plan", "interjections", "vqa"):  # the modules on by default
        assert {store.status(ep, module).state for ep in store.episodes()} == {State.PARTIAL}
    assert cli.main(["staging", f"--root={root}"]) == 0
    assert "partial" in capsys.readouterr().out

    assert healthy_run(root) == 0
    assert_same_as_never_failed(root, reference)
    assert missing_items(root) == []


def test_failed_vqa_calls_are_asked_again_and_only_they(copies, capsys):
    """30 % garbage leaves VQA pairs missing; the healthy rerun asks for those pairs and
    nothing else, and ends with every pair a never-failing run has."""
    reference, root = copies("reference"), copies("faulty")
    assert healthy_run(reference) == 0
    assert healthy_run(root, "--vqa.enabled=false") == 0  # plan and interjections complete
    with SimServerProcess(root, **SOME_GARBAGE) as server:
        code = annotate(root, *over_http(server.api_base), *FLAGS)
    assert code == 1
    missing = missing_items(root)
    assert missing and {item["purpose"] for item in missing} == {"vqa"}
    assert all(item["outcome"] == "failed" for item in missing)
    out = capsys.readouterr().out
    assert f"missing: {len(missing)} item(s)" in out

    with SimServerProcess(root) as server:
        before = server.stats()
        assert annotate(root, *over_http(server.api_base), *FLAGS) == 0
        asked = requests_since(before, server.stats())
    assert asked == Counter({"vqa": len(missing)})
    assert_same_as_never_failed(root, reference)


def test_a_server_killed_mid_run_leaves_a_partial_run_that_a_rerun_completes(copies, capsys):
    reference, root = copies("reference"), copies("faulty")
    assert healthy_run(reference) == 0
    server = SimServerProcess(root, latency_ms=150)
    server.start()
    killer = threading.Timer(1.5, server.process.kill)
    killer.start()
    try:
        code = annotate(root, *over_http(server.api_base), *FLAGS, *FAST_FAILURE)
    finally:
        killer.cancel()
        server.stop()
    assert code == 1
    lacking = missing_items(root)
    assert lacking, "the kill came after the run: no item went missing"
    assert any(item["outcome"] == "blocked" for item in lacking) or len(lacking) > 1
    record = run_records(root)[-1]
    assert record["missing"]["items"] == len(lacking)
    assert "rerunning the same command asks for exactly these" in capsys.readouterr().out

    assert healthy_run(root) == 0
    assert_same_as_never_failed(root, reference)


def test_a_partial_dataset_is_written_validates_and_says_what_it_lacks(copies, capsys):
    """What a partial episode has is valid and written; validate warns per style;
    --allow_partial changes the exit code and nothing else."""
    plain, accepted = copies("plain"), copies("accepted")
    with SimServerProcess(plain, **SOME_GARBAGE) as server:
        assert annotate(plain, *over_http(server.api_base), *FLAGS) == 1
    with SimServerProcess(accepted, **SOME_GARBAGE) as server:
        assert annotate(accepted, *over_http(server.api_base), *FLAGS, "--allow_partial=true") == 0
    assert shard_bytes(plain) == shard_bytes(accepted)

    problems = validate_dataset(open_dataset(plain))
    assert [p for p in problems if p.severity == "error"] == []
    partial = run_records(plain)[-1]["episodes"]["partial"]
    warned = {p.episode for p in problems if "partial annotation" in p.message}
    assert partial and warned == set(partial)
    written = written_language(plain)
    assert any(episode.events("vqa") for episode in written.values())


def test_timeouts_are_said_once_with_the_flag_to_raise(copies, capsys):
    root = copies("slow")
    with SimServerProcess(root, latency_ms=2000) as server:
        code = annotate(
            root, *over_http(server.api_base), *FLAGS, *FAST_FAILURE, "--vlm.timeout_s=0.3"
        )
    captured = capsys.readouterr()
    assert code == 1
    lines = [line for line in captured.out.splitlines() if "timed out after 0.3 s" in line]
    assert len(lines) == 1 and "raise --vlm.timeout_s" in lines[0]
    assert "nothing was written" in captured.err


def test_a_server_without_the_model_stops_the_run_with_one_line(copies, capsys):
    root = copies("wrong_model")
    with SimServerProcess(root) as server:
        flags = [f for f in over_http(server.api_base) if not f.startswith("--vlm.model_id")]
        code = annotate(root, *flags, "--vlm.model_id=Qwen/Qwen3-VL-8B-Instruct", *FLAGS)
    captured = capsys.readouterr()
    assert code == 1
    errors = [line for line in captured.err.splitlines() if "does not serve" in line]
    assert len(errors) == 1 and "steerlang-sim" in errors[0]
    assert "Traceback" not in captured.err
