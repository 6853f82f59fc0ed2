"""Frame workers sized to the work in flight, not the cores, with one frame cache bound for
all of them together (`annotate/frames/sizing.py`), and the flags that override both."""

from __future__ import annotations

import functools
import os
import time

import pytest

from steerlang.annotate.frames import worker
from steerlang.annotate.frames.sizing import (
    CACHE_FRACTION,
    CALLS_PER_WORKER,
    MB,
    frame_worker_count,
    memory_limit_bytes,
    plan_frames,
)
from steerlang.commands import cli
from steerlang.processes import started_pool
from tests.annotate_harness import annotate
from tests.conftest import SMALL_CAMERAS

DATASET = {"episodes": 2, "seconds": (2.0, 2.0), "cameras": SMALL_CAMERAS}
CAMERA = "observation.images.top"
SLURM_MEMORY = ("SLURM_MEM_PER_NODE", "SLURM_MEM_PER_CPU", "SLURM_CPUS_PER_TASK")


def test_worker_count_follows_calls_and_episodes_not_cores():
    assert frame_worker_count(16, 16, cores=128) == 16 // CALLS_PER_WORKER  # the defaults
    assert frame_worker_count(3 * CALLS_PER_WORKER, 1, cores=128) == 3
    assert frame_worker_count(3 * CALLS_PER_WORKER + 1, 1, cores=128) == 4
    assert frame_worker_count(1, 5 * CALLS_PER_WORKER, cores=128) == 5  # the start-up burst
    assert frame_worker_count(1, 1, cores=128) == 1
    assert frame_worker_count(1000, 1000, cores=2) == 2  # never more than the cores


def test_flags_override_the_count_and_the_total():
    plan = plan_frames(16, 16, workers=5, cache_mb=100)
    assert (plan.workers, plan.cache_bytes) == (5, 100 * MB)
    assert plan.cache_bytes_per_worker == 100 * MB // 5
    assert plan.describe() == (
        "frame workers: 5 (--executor.frame_workers); frame cache: 100 MB in all, "
        "20 MB each (--executor.frame_cache_mb)"
    )
    assert plan_frames(16, 16, cache_mb=0).cache_bytes_per_worker == 0


@pytest.mark.parametrize(
    ("env", "allotted_mb"),
    [
        ({"SLURM_MEM_PER_NODE": "2048"}, 2048),
        ({"SLURM_MEM_PER_CPU": "512", "SLURM_CPUS_PER_TASK": "3"}, 1536),
    ],
)
def test_default_cache_is_a_fraction_of_the_memory_this_task_may_use(monkeypatch, env, allotted_mb):
    for name in SLURM_MEMORY:
        monkeypatch.delenv(name, raising=False)
    machine = memory_limit_bytes()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert memory_limit_bytes() == min(machine, allotted_mb * MB)
    plan = plan_frames(16, 16)
    assert plan.cache_bytes == memory_limit_bytes() // CACHE_FRACTION


def _cache_state(root: str) -> tuple[int, int, int]:
    """(pid, bytes held, bound) of the worker running this; busy a moment, so that the
    other worker takes the next probe."""
    time.sleep(0.3)
    cache = worker._source(root).cache
    return os.getpid(), cache.nbytes, cache.max_bytes


def test_each_worker_keeps_its_share_of_the_total(synth_cache):
    root = str(synth_cache(**DATASET))
    frame_bytes = SMALL_CAMERAS[0].width * SMALL_CAMERAS[0].height * 3
    share = 5 * frame_bytes  # each worker may hold five frames of the top camera
    pool = started_pool(2, worker.__name__, functools.partial(worker.configure, share))
    try:
        decoded = [
            pool.submit(worker.encoded_frames, root, episode, CAMERA, times, 80, None)
            for episode in (0, 1)
            for times in ([0.1 * i for i in range(10)], [1.0 + 0.1 * i for i in range(10)])
        ]
        assert all(len(job.result()) == 10 for job in decoded)
        states = {pid: (held, bound) for pid, held, bound in pool.map(_cache_state, [root] * 4)}
    finally:
        pool.shutdown()
    assert len(states) == 2
    assert all(bound == share and held <= share for held, bound in states.values())
    assert sum(held for held, _ in states.values()) <= 2 * share
    # the cache filled up (and evicted down to its share) rather than staying empty
    assert max(held for held, _ in states.values()) > share - frame_bytes


def test_a_run_says_its_frame_workers_and_cache_at_the_start(synth_copy, capsys):
    root = synth_copy(**DATASET)
    flags = ("--vlm.backend=sim", "--executor.frame_workers=3", "--executor.frame_cache_mb=12")
    assert annotate(root, *flags) == 0
    lines = capsys.readouterr().err.splitlines()
    assert (
        "frame workers: 3 (--executor.frame_workers); frame cache: 12 MB in all, 4 MB each "
        "(--executor.frame_cache_mb)"
    ) in lines


@pytest.mark.parametrize(
    ("flag", "says"),
    [
        ("--executor.frame_workers=0", "--executor.frame_workers must be at least 1"),
        ("--executor.frame_cache_mb=-1", "--executor.frame_cache_mb must be at least 0"),
    ],
)
def test_bad_frame_flags_are_one_line(synth_cache, capsys, flag, says):
    code = cli.main(["annotate", f"--root={synth_cache(**DATASET)}", flag, "--dry_run=true"])
    (line,) = capsys.readouterr().err.splitlines()
    assert code == 1 and says in line
