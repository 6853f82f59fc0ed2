"""Crash safety of `steerlang export-legacy`: SIGKILL at random moments, and a crash before
each rename of the commit. Every file must then be old or new (nothing half-written), and
rerunning the export must end byte-identical to an export never interrupted."""

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

from steerlang.commands import export_legacy as export_command
from steerlang.dataset.reader import open_dataset
from steerlang.language.write.commit_journal import is_pending
from steerlang.language.write.write_language import write_language
from tests.kill_schedule import kill_delays
from tests.language_rows import module_rows
from tests.legacy_data import dataset_files

SYNTH = {"episodes": 8, "episodes_per_file": 2, "video": False}
CHILD = (
    "import sys; from steerlang.commands import cli; print('ready', flush=True); "
    "sys.stdin.readline(); cli.main(['export-legacy', '--root', sys.argv[1], '--dialogue'])"
)
# 4 shards, 4 meta files and info.json, then the journal's own rename
RENAMES = 4 + 4 + 1 + 1


@pytest.fixture
def labelled(synth_copy, tmp_path):
    """(root, old files, files after an uninterrupted export)."""
    root = synth_copy(**SYNTH)
    dataset = open_dataset(root, check_videos=False)
    rows = {}
    for episode in dataset.episodes:
        staged = module_rows(dataset, episode.index)
        rows[episode.index] = staged["plan"] + staged["interjections"]
    write_language(dataset, rows)
    reference = tmp_path / "reference"
    shutil.copytree(root, reference)
    assert export_legacy(reference, "--dialogue") == 0
    return root, dataset_files(root), dataset_files(reference)


def export_legacy(root, *flags: str) -> int:
    """The command itself (the CLI dispatcher would turn the simulated crash into exit 130)."""
    return export_command.main(["--root", str(root), *flags])


def assert_each_file_old_or_new(root, old, new):
    for name, data in dataset_files(root).items():
        assert data in (old.get(name), new[name]), f"{name} is neither the old nor the new file"
        if name.endswith(".parquet"):
            pq.read_table(root / name)
        elif name.endswith(".json"):
            json.loads(data)


def rerun_ends_like_the_reference(root, new):
    assert export_legacy(root, "--dialogue") == 0
    assert dataset_files(root) == new
    assert not list(root.rglob("*.steerlang-tmp")) and not is_pending(root)


def start_export(root):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdout.readline() == b"ready\n"  # imported: the clock starts at the export
    return child


def go(child) -> None:
    child.stdin.write(b"go\n")
    child.stdin.flush()


def test_sigkill_at_random_moments_then_rerun(labelled, tmp_path):
    root, old, new = labelled
    timing = tmp_path / "timing"
    shutil.copytree(root, timing)
    child = start_export(timing)
    started = time.perf_counter()
    go(child)
    child.wait()
    duration = time.perf_counter() - started
    outcomes: set[object] = set()
    for attempt, delay in enumerate(kill_delays(duration, 11, outcomes)):
        trial = tmp_path / f"trial{attempt}"
        shutil.copytree(root, trial)
        child = start_export(trial)
        go(child)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert_each_file_old_or_new(trial, old, new)
        files = dataset_files(trial)
        outcomes.add(tuple(files.get(name) == data for name, data in sorted(new.items())))
        rerun_ends_like_the_reference(trial, new)
        shutil.rmtree(trial)
    assert len(outcomes) > 1, "every kill landed in the same phase; the test proves little"


@pytest.mark.parametrize("crash_after", range(RENAMES + 1))
def test_crash_before_each_rename_of_the_commit(labelled, monkeypatch, crash_after):
    root, old, new = labelled
    real_replace = os.replace
    calls = []

    def dying_replace(src, dst):
        if len(calls) == crash_after:
            raise KeyboardInterrupt("simulated power cut")
        calls.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    if crash_after < RENAMES:
        with pytest.raises(KeyboardInterrupt):
            export_legacy(root, "--dialogue")
    else:
        assert export_legacy(root, "--dialogue") == 0
    monkeypatch.setattr(os, "replace", real_replace)
    assert_each_file_old_or_new(root, old, new)
    assert is_pending(root) == (0 < crash_after < RENAMES)
    rerun_ends_like_the_reference(root, new)
