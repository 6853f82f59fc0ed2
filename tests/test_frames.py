"""FrameSource: decoded frames are exactly the frames the generator drew, at episode time."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

from steerlang.annotate.frames import FrameSource
from steerlang.annotate.frames.cache import FrameCache
from steerlang.annotate.frames.frame import Frame
from steerlang.dataset import open_dataset
from steerlang.dataset.synth import SynthConfig, plan_episodes, render
from steerlang.errors import SteerlangError
from tests.conftest import SMALL_CAMERAS

TOP, WRIST = SMALL_CAMERAS
BASE = {"episodes": 3, "seconds": (2.0, 3.0), "cameras": SMALL_CAMERAS}


def truth(root, **overrides) -> list:
    scripts, _ = plan_episodes(SynthConfig(out=root, **{**BASE, **overrides}))
    return scripts


def drawn(script, camera, count: int) -> np.ndarray:
    return np.stack([render(script, camera, i) for i in range(count)]).astype(np.int16)


def mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.fixture(params=["av1", "h264"])
def codec(request) -> str:
    return request.param


@pytest.fixture
def video_root(synth_cache, codec):
    return synth_cache(codec=codec)


def test_dataset_shares_video_files_across_episodes(video_root):
    dataset = open_dataset(video_root)
    spans = [ep.videos[TOP.key] for ep in dataset.episodes]
    assert len({span.path for span in spans}) == 1
    assert spans[1].from_timestamp > 0 and spans[2].from_timestamp > spans[1].from_timestamp


def test_every_frame_matches_what_was_drawn(video_root, codec):
    dataset = open_dataset(video_root)
    scripts = truth(video_root, codec=codec)
    with FrameSource(dataset) as source:
        for episode in dataset.episodes:
            for camera, limit in ((TOP, 4.0), (WRIST, 12.0)):
                stamps = source.timestamps(episode)
                frames = list(source.iter_frames(episode, camera.key, stamps))
                assert [f.index for f in frames] == list(range(episode.length))
                assert [f.timestamp for f in frames] == [float(t) for t in stamps]
                decoded = np.stack([f.image for f in frames]).astype(np.int16)
                expected = drawn(scripts[episode.index], camera, episode.length)
                assert decoded.shape == expected.shape
                per_frame = np.abs(decoded - expected).mean(axis=(1, 2, 3))
                assert per_frame.max() < limit
                # Shifting the alignment by one frame either way must fit worse.
                aligned = per_frame.mean()
                early = np.abs(decoded[1:] - expected[:-1]).mean()
                late = np.abs(decoded[:-1] - expected[1:]).mean()
                assert aligned < early and aligned < late


def test_first_and_last_frames_belong_to_their_episode(video_root, codec):
    dataset = open_dataset(video_root)
    scripts = truth(video_root, codec=codec)
    with FrameSource(dataset) as source:
        for episode in dataset.episodes:
            stamps = source.timestamps(episode)
            first, last = source.frames(episode, WRIST.key, [0.0, float(stamps[-1])])
            assert (first.index, last.index) == (0, episode.length - 1)
            script = scripts[episode.index]
            assert mae(first.image, render(script, WRIST, 0)) < 12
            assert mae(last.image, render(script, WRIST, episode.length - 1)) < 12
            for other in scripts:
                if other.episode_index == episode.index:
                    continue
                # A wrong from_timestamp would return a neighbouring episode's frames.
                assert mae(first.image, render(script, WRIST, 0)) < mae(
                    first.image, render(other, WRIST, other.length - 1)
                )
                assert mae(last.image, render(script, WRIST, episode.length - 1)) < mae(
                    last.image, render(other, WRIST, 0)
                )


def test_random_access_equals_one_forward_pass(video_root):
    dataset = open_dataset(video_root)
    episode = dataset.episodes[1]
    with FrameSource(dataset) as source:
        stamps = source.timestamps(episode)
        sequential = {f.index: f.image for f in source.iter_frames(episode, TOP.key, stamps)}
    rng = np.random.default_rng(7)
    picks = rng.integers(0, episode.length, size=25)
    with FrameSource(dataset, cache_bytes=0) as source:
        for index in picks:  # one call each, jumping back and forth: seeks must not go stale
            frame = source.frame(episode, TOP.key, float(stamps[index]))
            assert frame.index == index
            assert np.array_equal(frame.image, sequential[index])
        batch = source.frames(episode, TOP.key, stamps[picks])
        assert [f.index for f in batch] == list(picks)
        for frame in batch:
            assert np.array_equal(frame.image, sequential[frame.index])


def test_between_frame_times_snap_to_the_nearest_frame(synth_cache):
    dataset = open_dataset(synth_cache(codec="av1"))
    episode = dataset.episodes[2]
    with FrameSource(dataset) as source:
        stamps = source.timestamps(episode)
        period = 1.0 / dataset.fps
        k = 10
        t = float(stamps[k])
        midpoint = (t + float(stamps[k + 1])) / 2  # a tie goes to the earlier frame
        asked = [t + 0.4 * period, t + 0.6 * period, t - 0.4 * period, midpoint]
        frames = source.frames(episode, TOP.key, asked)
        assert [f.index for f in frames] == [k, k + 1, k, k]
        assert frames[0].timestamp == t and np.float32(frames[1].timestamp) == stamps[k + 1]
        exact = source.frame(episode, TOP.key, t)
        assert np.array_equal(frames[0].image, exact.image)
        assert source.frame(episode, TOP.key, -0.3 * period).index == 0
        end = float(stamps[-1])
        assert source.frame(episode, TOP.key, end + 0.3 * period).index == episode.length - 1
        with pytest.raises(ValueError, match="outside episode"):
            source.frame(episode, TOP.key, end + 2.0)


def test_requested_order_and_duplicates_are_kept(synth_cache):
    dataset = open_dataset(synth_cache(codec="av1"))
    with FrameSource(dataset) as source:
        stamps = source.timestamps(0)
        asked = [stamps[30], stamps[3], stamps[30], stamps[0]]
        frames = source.frames(0, TOP.key, asked)
        assert [f.index for f in frames] == [30, 3, 30, 0]
        assert frames[0] is frames[2]


def test_scaled_frames_keep_their_source_geometry(synth_cache):
    dataset = open_dataset(synth_cache(codec="av1"))
    with FrameSource(dataset) as source:
        full = source.frame(0, TOP.key, 1.0)
        small = source.frame(0, TOP.key, 1.0, width=80)
    assert small.image.shape == (60, 80, 3)
    assert (small.source_width, small.source_height) == (TOP.width, TOP.height)
    assert small.geometry.image_to_source(40, 30) == (80.0, 60.0)
    shrunk = full.image.reshape(60, 2, 80, 2, 3).mean(axis=(1, 3))
    assert mae(small.image, shrunk) < 3


def test_image_cameras_decode_exactly(synth_cache):
    root = synth_cache(camera_storage="image", episodes=2, seconds=(1.0, 1.5))
    dataset = open_dataset(root)
    assert dataset.cameras[TOP.key].storage == "image"
    scripts = truth(root, camera_storage="image", episodes=2, seconds=(1.0, 1.5))
    with FrameSource(dataset) as source:
        for episode in dataset.episodes:
            stamps = source.timestamps(episode)
            picks = [0, episode.length // 2, episode.length - 1]
            for frame in source.frames(episode, WRIST.key, stamps[picks]):
                expected = render(scripts[episode.index], WRIST, frame.index)
                assert np.array_equal(frame.image, expected)  # PNG is lossless
            small = source.frame(episode, TOP.key, 0.0, width=40)
            assert small.image.shape == (30, 40, 3)
            assert (small.source_width, small.source_height) == (TOP.width, TOP.height)


def test_cache_is_bounded_and_reused(synth_cache):
    dataset = open_dataset(synth_cache(codec="av1"))
    frame_bytes = TOP.width * TOP.height * 3
    with FrameSource(dataset, cache_bytes=5 * frame_bytes) as source:
        stamps = source.timestamps(0)
        source.frames(0, TOP.key, stamps[:20])
        assert source.cache.nbytes <= 5 * frame_bytes and len(source.cache) == 5
        hits = source.cache.hits
        again = source.frames(0, TOP.key, stamps[15:20])  # the five most recent
        assert source.cache.hits == hits + 5
        assert [f.index for f in again] == list(range(15, 20))
        source.drop_episode(0)
        assert len(source.cache) == 0


def test_frame_cache_evicts_least_recently_used():
    def frame(n: int) -> Frame:
        return Frame(0, "cam", n, 0.0, np.zeros((10, 10, 3), np.uint8), 10, 10)

    cache = FrameCache(max_bytes=3 * 300)
    for n in range(3):
        cache.put((0, n), frame(n))
    assert cache.get((0, 0)) is not None  # 0 is now the most recent
    cache.put((0, 3), frame(3))
    assert cache.get((0, 1)) is None and cache.get((0, 0)) is not None
    assert cache.nbytes == 900
    cache.put((1, 0), Frame(1, "cam", 0, 0.0, np.zeros((40, 40, 3), np.uint8), 40, 40))
    assert cache.get((1, 0)) is None  # larger than the whole cache: never stored
    cache.discard(0)
    assert len(cache) == 0 and cache.nbytes == 0


def test_threads_decode_in_parallel_with_their_own_containers(synth_cache):
    dataset = open_dataset(synth_cache(codec="h264"))
    with FrameSource(dataset, cache_bytes=0) as source:
        expected = {
            ep.index: [f.image for f in source.iter_frames(ep, TOP.key, source.timestamps(ep))]
            for ep in dataset.episodes
        }
        results: dict[int, list[np.ndarray]] = {}
        barrier = threading.Barrier(3)

        def work(episode: int) -> None:
            barrier.wait()
            stamps = source.timestamps(episode)
            results[episode] = [f.image for f in source.iter_frames(episode, TOP.key, stamps)]

        threads = [threading.Thread(target=work, args=(ep.index,)) for ep in dataset.episodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(source._open_readers) == 4  # the main thread's and one per worker
        for episode, images in expected.items():
            assert all(np.array_equal(a, b) for a, b in zip(images, results[episode], strict=True))


def test_text_only_dataset_warns_and_refuses_frames(synth_cache, caplog):
    dataset = open_dataset(synth_cache(video=False, episodes=1))
    with caplog.at_level(logging.WARNING):
        source = FrameSource(dataset)
    assert source.text_only and source.cameras == []
    assert "text-only" in caplog.text
    with pytest.raises(SteerlangError, match="text-only"):
        source.frame(0, TOP.key, 0.0)


def test_unknown_camera_names_the_real_ones(synth_cache):
    with FrameSource(open_dataset(synth_cache(codec="av1"))) as source:
        assert not source.text_only
        with pytest.raises(SteerlangError, match=r"no camera 'observation.images.side'.*wrist"):
            source.frame(0, "observation.images.side", 0.0)
