"""One writer at a time: an exclusive OS lock on a dataset folder.

Two runs that write the same dataset erase each other's work (the second write
replaces the shards the first wrote). `annotate`, `write` and `staging --clear`
hold `flock` on `<root>/.steerlang.lock` while they run; a second one is
refused at once, told which process holds it. The kernel drops the lock when
the holder exits however it exits (SIGKILL included), so a stale lock file
never blocks anyone; the file itself stays (deleting a lock file races with
the next process opening it). Read-only commands never take it.

A process forked while the lock is held (frame or shard workers) would share the
lock and keep it alive after its parent died; such children close their copy at
once, so the lock lives exactly as long as the process that took it.

A distributed job (`annotate/executors`) is one writer in many processes, on many
machines: its launcher holds the lock for the whole job under a job token, and
each rank checks (`require_job_lock`) that the lock is held and names its token
before it writes. Ranks of that job go ahead side by side; any other process is
refused as before, and a rank whose launcher is gone stops rather than write
unguarded.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from steerlang.errors import SteerlangError

LOCK_NAME = ".steerlang.lock"
# A holder writes who it is just after it gets the lock; a refused process waits this
# long for that line, so it can say who holds the lock.
HOLDER_WAIT_S = 0.5


# descriptors of the locks this process holds (a forked child closes its copies)
_HELD: set[int] = set()


def _forget_in_child() -> None:
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_in_child)


class DatasetBusy(SteerlangError):
    """Another steerlang process holds the dataset's write lock."""


def lock_path(root: Path) -> Path:
    return Path(root) / LOCK_NAME


def job_mark(token: str) -> str:
    """How a holder line names the distributed job it holds the lock for."""
    return f"job {token}"


@contextlib.contextmanager
def dataset_lock(root: str | Path, command_line: str, job: str | None = None) -> Iterator[None]:
    """Hold the dataset's write lock for the block; `command_line` (no secrets in it!) is
    written into the lock file so a refused process can name the holder. Check that `root`
    is a dataset first (`require_dataset_root`): the lock file is created in it. `job` is
    the token of a distributed job whose ranks write under this hold."""
    if not Path(root).is_dir():
        raise SteerlangError(f"{root} is not a folder; pass the dataset's folder")
    path = lock_path(Path(root))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise SteerlangError(
            f"cannot create the lock file {path} ({exc.strerror}); steerlang needs to write "
            "inside the dataset folder — check its permissions"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatasetBusy(
                f"{root} is being written by another steerlang process ({_holder(fd)}); "
                "wait for it to finish or stop it, then run this again"
            ) from None
        os.ftruncate(fd, 0)
        held_for = f" ({job_mark(job)})" if job is not None else ""
        os.pwrite(fd, f"pid {os.getpid()}{held_for}: {command_line}\n".encode(), 0)
        _HELD.add(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # still held: nobody reads a finished holder's line
    finally:
        _HELD.discard(fd)
        os.close(fd)  # releases the lock


def require_job_lock(root: str | Path, token: str) -> None:
    """Go ahead only while the launcher of job `token` holds the lock (raise otherwise):
    a rank writes under its launcher's hold, never on its own."""
    try:
        fd = os.open(lock_path(Path(root)), os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise SteerlangError(
            f"{root}: no write lock to work under ({exc.strerror}); this task belongs to a "
            "job whose launcher (`steerlang annotate`) is gone — rerun that command"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            if f"({job_mark(token)})" in holder:
                return
            raise DatasetBusy(
                f"{root} is being written by another steerlang process ({holder}); this task "
                "of an earlier job stops"
            ) from None
        raise SteerlangError(
            f"{root} is not locked for this job: its launcher (`steerlang annotate`) is gone, "
            "so nothing guards the dataset; rerun that command to resume the job"
        )
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    deadline = time.monotonic() + HOLDER_WAIT_S
    while True:
        text = os.pread(fd, 4096, 0).decode(errors="replace").strip()
        if text or time.monotonic() > deadline:
            return text or "it has not said which yet"
        time.sleep(0.02)
