"""How steerlang starts worker processes (video encoding in synth, frame work in annotate)."""

from __future__ import annotations

import ctypes
import importlib
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

PARENT_POLL_S = 0.5  # how often a worker checks that its parent still lives
PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): a signal for when the parent dies


def worker_context() -> multiprocessing.context.BaseContext:
    """Fork when this process runs no other thread: it is the fastest start and re-imports
    nothing. With threads running (decoders, servers, thread pools), a forked child could
    inherit a lock mid-use, so then spawn."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def worker_pool(
    workers: int, preload: str | None = None, setup: Callable[[], object] | None = None
) -> ProcessPoolExecutor:
    """A process pool whose workers import module `preload` first, then call `setup` (a
    picklable callable: a worker's settings), and exit by themselves when this process
    dies: one killed with SIGKILL would otherwise leave them blocked on the job queue."""
    return ProcessPoolExecutor(
        max_workers=max(workers, 1),
        mp_context=worker_context(),
        initializer=_start_worker,
        initargs=(os.getpid(), preload, setup),
    )


def started_pool(
    workers: int, preload: str | None = None, setup: Callable[[], object] | None = None
) -> ProcessPoolExecutor:
    """A `worker_pool` whose workers are started by this call.

    Every worker is created now (forked while the caller may still be
    single-threaded, not later from a busy event loop), but the call does not
    wait for them: a spawned worker's imports overlap the caller's own start-up
    instead of delaying its first job.
    """
    pool = worker_pool(workers, preload, setup)
    # the pool adds a worker per job submitted while none is idle, so one job each
    for _ in range(max(workers, 1)):
        pool.submit(os.getpid)
    return pool


def _start_worker(parent: int, preload: str | None, setup: Callable[[], object] | None) -> None:
    if sys.platform == "linux":  # killed with the parent, before it could write anything more
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()
    if preload is not None:
        importlib.import_module(preload)
    if setup is not None:
        setup()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)
