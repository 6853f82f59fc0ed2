"""How steerlang starts worker processes (video encoding in synth, frame work in annotate)."""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.context
import os
import threading
from concurrent.futures import ProcessPoolExecutor


def worker_context() -> multiprocessing.context.BaseContext:
    """Fork when this process runs no other thread: it is the fastest start and re-imports
    nothing. With threads running (decoders, servers, thread pools), a forked child could
    inherit a lock mid-use, so then spawn."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def started_pool(workers: int, preload: str | None = None) -> ProcessPoolExecutor:
    """A process pool whose workers are started by this call, importing module `preload`.

    Every worker is created now (forked while the caller may still be
    single-threaded, not later from a busy event loop), but the call does not
    wait for them: a spawned worker's imports overlap the caller's own start-up
    instead of delaying its first job.
    """
    count = max(workers, 1)
    pool = ProcessPoolExecutor(
        max_workers=count,
        mp_context=worker_context(),
        initializer=None if preload is None else importlib.import_module,
        initargs=() if preload is None else (preload,),
    )
    # the pool adds a worker per job submitted while none is idle, so one job each
    for _ in range(count):
        pool.submit(os.getpid)
    return pool
