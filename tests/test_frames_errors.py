"""Broken videos and images fail their episode with a message naming the file and the fix."""

from __future__ import annotations

import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steerlang.annotate.frames import FrameError, FrameSource
from steerlang.dataset import open_dataset
from tests.conftest import SMALL_CAMERAS

TOP, WRIST = SMALL_CAMERAS


def top_video(root):
    return open_dataset(root).episodes[0].videos[TOP.key].path


def assert_clear(error: FrameError, episode: int, path, *words: str) -> None:
    message = str(error)
    assert error.episode == episode and error.camera == TOP.key and error.path == path
    assert f"episode {episode}" in message and str(path) in message
    assert "re-download" in message and "skipped" in message
    for word in words:
        assert word in message


def test_missing_video_fails_only_its_camera(synth_copy):
    root = synth_copy(codec="av1")
    path = top_video(root)
    path.unlink()
    with FrameSource(open_dataset(root, check_videos=False)) as source:
        with pytest.raises(FrameError) as caught:
            source.frame(0, TOP.key, 0.5)
        assert_clear(caught.value, 0, path, "missing")
        with pytest.raises(FrameError):
            source.check_episode(1)
        source.check_episode(1, [WRIST.key])
        assert source.frame(1, WRIST.key, 0.5).index == 15


@pytest.mark.parametrize("codec", ["av1", "h264"])
def test_file_that_is_not_a_video(synth_copy, codec):
    root = synth_copy(codec=codec)
    path = top_video(root)
    path.write_bytes(np.random.default_rng(0).bytes(path.stat().st_size))
    with FrameSource(open_dataset(root)) as source, pytest.raises(FrameError) as caught:
        source.frame(2, TOP.key, 0.0)
    assert_clear(caught.value, 2, path, "corrupt, truncated or not a video")


@pytest.mark.parametrize("codec", ["av1", "h264"])
def test_truncated_file(synth_copy, codec):
    root = synth_copy(codec=codec)
    path = top_video(root)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    with FrameSource(open_dataset(root)) as source:
        for episode in range(3):
            with pytest.raises(FrameError) as caught:
                source.check_episode(episode)
            assert_clear(caught.value, episode, path, "truncated")


@pytest.mark.parametrize("codec", ["av1", "h264"])
def test_corrupt_bytes_inside_the_file(synth_copy, codec):
    root = synth_copy(codec=codec)
    path = top_video(root)
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third : 2 * third] = np.random.default_rng(1).bytes(third)
    path.write_bytes(bytes(data))
    with FrameSource(open_dataset(root)) as source, pytest.raises(FrameError) as caught:
        list(source.iter_frames(1, TOP.key, source.timestamps(1)))
    assert_clear(caught.value, 1, path)


def test_video_shorter_than_its_episodes(synth_copy, synth_cache):
    root = synth_copy(codec="av1")
    path = top_video(root)
    shutil.copyfile(top_video(synth_cache(codec="av1", episodes=2)), path)
    with FrameSource(open_dataset(root)) as source:
        source.check_episode(0)
        source.check_episode(1)
        with pytest.raises(FrameError) as caught:
            source.frame(2, TOP.key, 0.0)
    assert_clear(caught.value, 2, path, "truncated", "ends at")


def test_undecodable_stored_image(synth_copy):
    root = synth_copy(camera_storage="image", episodes=2, seconds=(1.0, 1.5))
    dataset = open_dataset(root)
    episode = dataset.episodes[1]
    table = pq.read_table(episode.data_path)
    cells = table.column(TOP.key).to_pylist()
    cells[episode.row_start + 5] = {"bytes": b"not a png", "path": None}
    column = pa.array(cells, type=table.schema.field(TOP.key).type)
    table = table.set_column(table.schema.get_field_index(TOP.key), TOP.key, column)
    pq.write_table(table, episode.data_path)
    source = FrameSource(dataset)
    assert source.frame(1, TOP.key, float(source.timestamps(1)[4])).index == 4
    with pytest.raises(FrameError) as caught:
        source.frames(1, TOP.key, source.timestamps(1))
    message = str(caught.value)
    assert caught.value.episode == 1 and "frame 5" in message and str(episode.data_path) in message
