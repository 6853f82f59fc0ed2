"""Crash safety: SIGKILL at random moments of a multi-shard write, and a crash at every commit step.

After any crash every shard and info.json must be a complete file (old or new
bytes, nothing else), and rerunning `steerlang write` must end byte-identical
to a write that was never interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from steerlang.commands import write as write_command
from steerlang.dataset.reader import open_dataset
from steerlang.language.write.commit_journal import is_pending
from tests.kill_schedule import kill_delays
from tests.language_rows import file_bytes, stage_all

SYNTH = {"episodes": 8, "episodes_per_file": 2, "video": False, "legacy_subtask_index": True}
CHILD = (
    "import sys; from steerlang.commands import write as write_command; "
    "print('ready', flush=True); sys.stdin.readline(); write_command.main(['--root', sys.argv[1]])"
)


@pytest.fixture
def staged_root(synth_copy, tmp_path):
    root = synth_copy(**SYNTH)
    stage_all(open_dataset(root, check_videos=False))
    reference = tmp_path / "reference"
    shutil.copytree(root, reference)
    assert write_command.main(["--root", str(reference)]) == 0
    return root, file_bytes(root), file_bytes(reference)


def assert_each_file_old_or_new(root, old, new):
    for name, data in file_bytes(root).items():
        assert data in (old[name], new[name]), f"{name} is neither the old nor the new file"
        if name.endswith(".parquet"):
            pq.read_table(root / name)
        else:
            json.loads(data)


def start_writer(root):
    """A child `steerlang write`, imported and waiting; returns (process, go)."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdout.readline() == b"ready\n"  # imported: the clock starts at the write

    def go() -> None:
        child.stdin.write(b"go\n")
        child.stdin.flush()

    return child, go


def test_sigkill_at_random_moments_then_rerun(staged_root, tmp_path):
    root, old, new = staged_root
    timing = tmp_path / "timing"
    shutil.copytree(root, timing)
    child, go = start_writer(timing)
    started = time.perf_counter()
    go()
    child.wait()
    duration = time.perf_counter() - started
    outcomes: set[object] = set()
    for attempt, delay in enumerate(kill_delays(duration, 7, outcomes)):
        trial = tmp_path / f"trial{attempt}"
        shutil.copytree(root, trial)
        child, go = start_writer(trial)
        go()
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert_each_file_old_or_new(trial, old, new)
        outcomes.add(tuple(file_bytes(trial)[name] == new[name] for name in sorted(new)))
        assert write_command.main(["--root", str(trial)]) == 0
        assert file_bytes(trial) == new
        assert not list(trial.rglob("*.steerlang-tmp")) and not is_pending(trial)
        shutil.rmtree(trial)
    assert len(outcomes) > 1, "every kill landed in the same phase; the test proves little"


@pytest.mark.parametrize("crash_after", range(7))
def test_crash_at_every_rename_of_the_commit(staged_root, monkeypatch, crash_after):
    """4 shards + info.json + the journal = 6 renames; crash before the k-th one."""
    root, old, new = staged_root
    real_replace = os.replace
    calls = []

    def dying_replace(src, dst):
        if len(calls) == crash_after:
            raise KeyboardInterrupt("simulated power cut")
        calls.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    if crash_after < 6:
        with pytest.raises(KeyboardInterrupt):
            write_command.main(["--root", str(root)])
    else:
        write_command.main(["--root", str(root)])
    monkeypatch.setattr(os, "replace", real_replace)
    assert_each_file_old_or_new(root, old, new)
    assert is_pending(root) == (0 < crash_after < 6)
    assert write_command.main(["--root", str(root)]) == 0
    assert file_bytes(root) == new and not is_pending(root)
