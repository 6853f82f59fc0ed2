"""How many frame workers a run starts, and how much decoded-frame cache they keep in all.

Frame work is small next to the model's: decoding and encoding an episode's images costs
about 0.2 CPU-s per 10 s of episode, while each model call waits a second or more on a
GPU server. Sizing the pool by cores (one worker per core, 256 MB of cache each) gave a
128-core GPU node 128 processes importing PyAV and ~50 GB of RAM for work that two of them
keep up with. So the pool follows the work that can wait on frames at once:

    workers = clamp(ceil(max(calls in flight, episodes in progress) / CALLS_PER_WORKER),
                    1, cores)

Calls in flight (`--vlm.client_concurrency`) bound how many images the model can take at
once, and episodes in progress (`--executor.episode_parallelism`) bound the burst when
each starts (its frame check and contact sheets queue together). One worker prepares a
call's images in a small fraction of a call's latency: on bench_pipeline's full workload
(40 episodes of 20 s, two AV1 cameras, 16 calls of 300 ms in flight; 2 cores) one worker
finished in 54 s where two took 51 s. So one worker per CALLS_PER_WORKER calls leaves
room for slower frames and the start-up burst; more workers than cores would only
compete for them. `--executor.frame_workers` overrides the count.

The cache is bounded in total, not per worker (`--executor.frame_cache_mb`, default
1/CACHE_FRACTION of the memory this process may use) and split evenly: a worker serves
jobs of any episode, so every worker caches alike and the total is what the machine pays.
The fraction is small because the cache saves little: on the same workload 0 MB and
1 GB of cache ran equally fast (59-67 s, on a loaded machine), the latter with 1 GB more
resident memory.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

CALLS_PER_WORKER = 8
CACHE_FRACTION = 64
MB = 1024 * 1024


@dataclass(frozen=True)
class FramePlan:
    """The frame workers of a run and their cache: `cache_bytes` in all, split evenly."""

    workers: int
    cache_bytes: int
    sized_by: str  # why this many workers, for the start-of-run line

    @property
    def cache_bytes_per_worker(self) -> int:
        return self.cache_bytes // self.workers

    def describe(self) -> str:
        return (
            f"frame workers: {self.workers} ({self.sized_by}); frame cache: "
            f"{self.cache_bytes // MB} MB in all, {self.cache_bytes_per_worker // MB} MB each "
            "(--executor.frame_cache_mb)"
        )


def frame_worker_count(calls_in_flight: int, episodes_in_progress: int, cores: int) -> int:
    """The formula of the module docstring."""
    waiting = max(calls_in_flight, episodes_in_progress, 1)
    return max(1, min(math.ceil(waiting / CALLS_PER_WORKER), cores))


def plan_frames(
    calls_in_flight: int,
    episodes_in_progress: int,
    workers: int | None = None,
    cache_mb: int | None = None,
) -> FramePlan:
    """The frame plan of a run; `workers` and `cache_mb` (the flags) override the defaults."""
    if workers is None:
        count = frame_worker_count(calls_in_flight, episodes_in_progress, os.cpu_count() or 1)
        sized_by = (
            f"for {calls_in_flight} calls in flight and {episodes_in_progress} episodes in "
            "progress; --executor.frame_workers overrides"
        )
    else:
        count, sized_by = workers, "--executor.frame_workers"
    total = memory_limit_bytes() // CACHE_FRACTION if cache_mb is None else cache_mb * MB
    return FramePlan(workers=count, cache_bytes=total, sized_by=sized_by)


def memory_limit_bytes() -> int:
    """The memory this process may use: the machine's, or less where a cgroup (a container,
    a SLURM task with memory enforced) or SLURM's allotment says so."""
    limits = [os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")]
    cgroup = _cgroup_memory_max()
    if cgroup is not None:
        limits.append(cgroup)
    per_node = os.environ.get("SLURM_MEM_PER_NODE", "")
    per_cpu = os.environ.get("SLURM_MEM_PER_CPU", "")
    cpus = os.environ.get("SLURM_CPUS_PER_TASK", "1")
    if per_node.isdigit() and int(per_node) > 0:
        limits.append(int(per_node) * MB)
    elif per_cpu.isdigit() and cpus.isdigit() and int(per_cpu) > 0:
        limits.append(int(per_cpu) * int(cpus) * MB)
    return min(limits)


def _cgroup_memory_max() -> int | None:
    """The cgroup v2 `memory.max` of this process, or None (no limit, or cgroup v1)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        group = next(line[3:] for line in lines if line.startswith("0::"))
        value = (Path("/sys/fs/cgroup") / group.lstrip("/") / "memory.max").read_text().strip()
    except (OSError, StopIteration):
        return None
    return int(value) if value.isdigit() else None
