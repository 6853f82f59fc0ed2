"""Which part of a job a rank takes: stable shares of episodes and of data shards.

An annotate rank takes whole video files (every camera's), so no two ranks decode
the same file; files are handed out in dataset order, balanced by frames. A write
rank takes every N-th shard. Both depend only on the dataset and the rank count,
so a resubmitted rank takes exactly the share it had.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from steerlang.dataset import EpisodeRecord


def episode_groups(episodes: Sequence[EpisodeRecord]) -> list[list[EpisodeRecord]]:
    """The episodes bound together by the files they are decoded from (any camera's video,
    or the data file of a dataset without videos), in dataset order."""
    parent: dict[int, int] = {episode.index: episode.index for episode in episodes}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_of_file: dict[Path, int] = {}
    for episode in episodes:
        files = [span.path for span in episode.videos.values()] or [episode.data_path]
        for path in files:
            other = first_of_file.setdefault(path, episode.index)
            parent[root(episode.index)] = root(other)
    groups: dict[int, list[EpisodeRecord]] = {}
    for episode in sorted(episodes, key=lambda e: e.index):
        groups.setdefault(root(episode.index), []).append(episode)
    return sorted(groups.values(), key=lambda group: group[0].index)


def rank_episodes(episodes: Sequence[EpisodeRecord], rank: int, world_size: int) -> list[int]:
    """The episodes of rank `rank` of `world_size`: whole groups, contiguous in dataset order,
    each going to the rank its middle frame falls in (so ranks get similar frame counts)."""
    groups = episode_groups(episodes)
    total = sum(episode.length for group in groups for episode in group) or 1
    chosen: list[int] = []
    before = 0
    for group in groups:
        frames = sum(episode.length for episode in group)
        middle = before + frames / 2
        if min(int(middle * world_size / total), world_size - 1) == rank:
            chosen += [episode.index for episode in group]
        before += frames
    return chosen


def rank_shards(shards: Sequence[Path], rank: int, world_size: int) -> list[Path]:
    """The data shards rank `rank` of `world_size` rewrites (every N-th, in sorted order)."""
    return [shard for i, shard in enumerate(sorted(shards)) if i % world_size == rank]
