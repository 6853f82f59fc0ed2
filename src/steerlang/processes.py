"""How steerlang starts worker processes (video encoding in synth, frame work in annotate)."""

from __future__ import annotations

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


def started_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers exist before this call returns: they are forked now,
    while the caller may still be single-threaded, not later from a busy event loop."""
    pool = ProcessPoolExecutor(max_workers=max(workers, 1), mp_context=worker_context())
    pool.submit(os.getpid).result()
    return pool
