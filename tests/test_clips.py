"""An episode's span of its mp4, remuxed for `--plan.visual_input=video_clip`: it starts on
the keyframe at or before the span, holds the source's packets byte for byte (no
re-encode), is an mp4 PyAV decodes whole, and covers the span."""

from __future__ import annotations

import io
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import pytest

from steerlang.annotate.frames.clips import remux_span
from steerlang.annotate.frames.source import FrameSource
from steerlang.annotate.frames.video_windows import VideoSampling, clip_windows
from steerlang.dataset import open_dataset
from steerlang.dataset.synth import CameraSpec

CAMERA = "observation.images.top"


def shared_file_dataset(synth_cache, codec: str) -> Path:
    """Two 3 s episodes in one mp4 (keyframes every second): the second starts at 3 s."""
    return synth_cache(
        episodes=2,
        seconds=(3.0, 3.0),
        codec=codec,
        cameras=(CameraSpec("top", 64, 48),),
        episodes_per_video_file=2,
    )


def packets(data: bytes | Path) -> list[tuple[int, bool, bytes]]:
    """(pts, keyframe, bytes) of every packet, in decode order."""
    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    with av.open(source) as container:
        stream = container.streams.video[0]
        return [
            (p.pts, p.is_keyframe, bytes(p)) for p in container.demux(stream) if p.pts is not None
        ]


def time_base(path: Path) -> Fraction:
    with av.open(str(path)) as container:
        return container.streams.video[0].time_base


@pytest.mark.parametrize("codec", ["h264", "av1", "mpeg4"])
def test_a_span_off_a_keyframe_starts_at_the_keyframe_before_it(synth_cache, codec: str) -> None:
    root = shared_file_dataset(synth_cache, codec)
    episode = open_dataset(root).episodes[1]
    span = episode.videos[CAMERA]
    assert span.from_timestamp == pytest.approx(3.0)
    start, end = span.from_timestamp + 1.4, span.from_timestamp + 2.3  # keyframes: whole seconds
    clip = remux_span(span.path, start, end)
    assert clip.start == pytest.approx(span.from_timestamp + 1.0)
    # up to the span's end, plus the few frames after it that B-frames before it reference
    assert end - 1 / 30 < clip.end < end + 0.2

    source = packets(span.path)
    tb = time_base(span.path)
    first = next(i for i, (pts, key, _) in enumerate(source) if key and pts * tb == clip.start)
    copied = packets(clip.data)
    assert copied[0][1], "the clip starts on a keyframe"
    # the same packets, byte for byte, in the same order: nothing was re-encoded
    assert [data for *_, data in copied] == [
        data for *_, data in source[first : first + len(copied)]
    ]
    assert len(copied) == clip.packets

    with av.open(io.BytesIO(clip.data)) as container:
        assert container.format.name.startswith("mov,mp4")
        shown = [frame.time for frame in container.decode(video=0)]
    assert len(shown) == len(copied)
    assert min(shown) == 0.0  # the keyframe is shown at the clip's time 0
    assert max(shown) == pytest.approx(clip.end - clip.start, abs=1e-6)


def test_a_span_on_a_keyframe_starts_there(synth_cache) -> None:
    root = shared_file_dataset(synth_cache, "h264")
    span = open_dataset(root).episodes[1].videos[CAMERA]
    clip = remux_span(span.path, span.from_timestamp, span.from_timestamp + 1.5)
    assert clip.start == pytest.approx(span.from_timestamp)


def test_clip_windows_cover_the_episode_and_state_their_offsets(synth_cache) -> None:
    root = shared_file_dataset(synth_cache, "h264")
    with FrameSource(open_dataset(root)) as source:
        stamps = source.timestamps(1)
        windows = clip_windows(source, 1, CAMERA, VideoSampling(2.0, 4, overlap_frames=1))
    assert len(windows) >= 2
    assert windows[0].start == 0.0 and windows[-1].end == pytest.approx(float(stamps[-1]))
    for window in windows:
        assert window.clip_start <= window.start + 1e-6  # from the keyframe at or before it
        assert window.start - window.clip_start < 1.0  # ... and no further back than one
        assert window.clip_end >= window.end - 1e-6
        assert window.clip_start <= min(window.timestamps)
        assert max(window.timestamps) <= window.clip_end + 1e-6
    for earlier, later in pairwise(windows):
        assert later.start <= earlier.end  # windows overlap, as contact sheets do
