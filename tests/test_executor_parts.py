"""The pieces a distributed job stands on, without a cluster: stable shares of episodes
(whole video files) and shards, one commit journal per rank, the job's lock."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from steerlang.annotate.executors.job import merged_call_stats
from steerlang.annotate.executors.shares import episode_groups, rank_episodes, rank_shards
from steerlang.dataset import open_dataset
from steerlang.errors import SteerlangError
from steerlang.language.atomic_file import temp_path_for
from steerlang.language.dataset_lock import DatasetBusy, dataset_lock, require_job_lock
from steerlang.language.write.commit_journal import commit, is_pending, journal_path, roll_forward
from tests.distributed_jobs import DATASET


def test_ranks_take_whole_video_files_every_episode_once(synth_cache):
    dataset = open_dataset(synth_cache(**{**DATASET, "episodes": 9, "episodes_per_file": 3}))
    episodes = list(dataset.episodes)
    groups = [[e.index for e in group] for group in episode_groups(episodes)]
    assert groups == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    for world in (1, 2, 3, 5):
        shares = [rank_episodes(episodes, rank, world) for rank in range(world)]
        assert sorted(i for share in shares for i in share) == list(range(9))
        for share in shares:  # a rank decodes whole files: a group is never split
            assert all(set(g) <= set(share) or not set(g) & set(share) for g in groups)
        assert shares == [rank_episodes(episodes, rank, world) for rank in range(world)]
    assert [rank_episodes(episodes, r, 3) for r in range(3)] == groups


def test_ranks_split_the_shards_between_them():
    shards = [Path(f"data/chunk-000/file-{i:03d}.parquet") for i in range(5)]
    shares = [rank_shards(shards, rank, 2) for rank in range(2)]
    assert sorted(shares[0] + shares[1]) == shards and not set(shares[0]) & set(shares[1])


def _prepared(root: Path, name: str, text: str) -> tuple[Path, Path]:
    target = root / "data" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("old")
    temp_path_for(target).write_text(text)
    return temp_path_for(target), target


def test_each_rank_commits_through_its_own_journal(tmp_path):
    a = _prepared(tmp_path, "a.parquet", "new a")
    b = _prepared(tmp_path, "b.parquet", "new b")
    # rank 1 committed and crashed before its renames: its journal stays pending
    journal = journal_path(tmp_path, "rank-00001")
    journal.write_text(f'{{"renames": [["{a[0].relative_to(tmp_path)}", "data/a.parquet"]]}}')
    assert is_pending(tmp_path)
    commit(tmp_path, [b], "rank-00002")  # rank 2 neither waits for nor touches rank 1's
    assert b[1].read_text() == "new b" and a[1].read_text() == "old" and journal.exists()
    assert roll_forward(tmp_path, "rank-00001")  # rank 1 again: its own part only
    assert a[1].read_text() == "new a" and not is_pending(tmp_path)


def test_a_whole_write_rolls_every_part_forward(tmp_path):
    a = _prepared(tmp_path, "a.parquet", "new a")
    path = journal_path(tmp_path, "rank-00000")
    path.write_text(f'{{"renames": [["{a[0].relative_to(tmp_path)}", "data/a.parquet"]]}}')
    assert roll_forward(tmp_path) and a[1].read_text() == "new a" and not path.exists()


def _other_process(root: Path, token: str, answer) -> None:
    try:
        require_job_lock(root, token)
        answer.put("ok")
    except DatasetBusy as exc:
        answer.put(f"busy: {exc}")
    except SteerlangError as exc:
        answer.put(f"refused: {exc}")


def _ask(root: Path, token: str) -> str:
    answer = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_other_process, args=(root, token, answer)
    )
    process.start()
    process.join(60)
    return str(answer.get(timeout=5))


def test_ranks_work_under_their_launchers_lock_only(tmp_path):
    with dataset_lock(tmp_path, "steerlang annotate --executor.kind=local", job="abc123"):
        assert _ask(tmp_path, "abc123") == "ok"  # a rank of this job
        other = _ask(tmp_path, "ffff00")  # a rank of another job
        assert other.startswith("busy:") and f"pid {os.getpid()}" in other
        with pytest.raises(DatasetBusy), dataset_lock(tmp_path, "steerlang write"):
            pass  # any other writer is refused, as always
    gone = _ask(tmp_path, "abc123")  # the launcher is gone: the rank does not write
    assert gone.startswith("refused:") and "launcher" in gone


def test_rank_call_statistics_add_up_like_one_clients():
    rank = {"calls": 4, "ok": 3, "cached": 1, "attempts": 5, "failures": {"timeout": 1}}
    one = {**rank, "latency_mean_s": 1.0, "latency_max_s": 2.0}
    two = {**rank, "latency_mean_s": 3.0, "latency_max_s": 5.0}
    merged = merged_call_stats([{"plan": one}, {"plan": two, "vqa": one}])
    assert merged["plan"] == {
        "calls": 8,
        "ok": 6,
        "cached": 2,
        "attempts": 10,
        "failures": {"timeout": 2},
        "latency_mean_s": 2.0,
        "latency_max_s": 5.0,
    }
    assert merged["vqa"] == one
