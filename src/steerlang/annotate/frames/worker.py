"""Frame work for the annotate pipeline, run in worker processes.

Decoding, tiling and JPEG encoding hold the GIL often enough that, in the
annotating process, they would compete with the event loop that drives the
model calls. In workers they use the other cores and send back only JPEG
bytes. Each worker opens the dataset once and keeps its own frame cache, of
the size `configure` sets (its share of the run's total, `frames.sizing`).
Functions take the dataset root and episode index (picklable) and raise plain
`SteerlangError`s, whose messages survive the trip back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from steerlang.annotate.frames.encode import EncodedImage
from steerlang.annotate.frames.errors import FrameError
from steerlang.annotate.frames.sheets import (
    ContactSheetConfig,
    contact_sheets,
    tile_sheet,
    time_decimals,
)
from steerlang.annotate.frames.source import DEFAULT_CACHE_BYTES, FrameSource
from steerlang.annotate.frames.video_windows import (
    ClipWindow,
    FramesWindow,
    VideoSampling,
    clip_of,
    clip_windows,
    frames_windows,
    span_frames,
    span_times,
)
from steerlang.dataset import open_dataset
from steerlang.errors import SteerlangError

P = ParamSpec("P")
R = TypeVar("R")
_sources: dict[str, FrameSource] = {}
_cache_bytes = DEFAULT_CACHE_BYTES


@dataclass(frozen=True)
class EncodedWindow:
    """One prompt's contact sheets, encoded, and the source times its tiles show."""

    index: int
    timestamps: list[float]
    start: float
    end: float
    images: list[EncodedImage]


def _plain_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """A `FrameError` does not pickle with its extra fields; its message is what matters."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except FrameError as exc:
            raise SteerlangError(str(exc)) from None

    return wrapper


def configure(cache_bytes: int) -> None:
    """Set this worker's frame cache size (a pool's `setup`, before any job runs)."""
    global _cache_bytes
    _cache_bytes = cache_bytes


def _source(root: str) -> FrameSource:
    if root not in _sources:
        _sources[root] = FrameSource(open_dataset(root, check_videos=False), _cache_bytes)
    return _sources[root]


@_plain_errors
def check_episode(root: str, episode: int) -> None:
    """Fail now, before any model call, if one of the episode's cameras cannot be read."""
    _source(root).check_episode(episode)


@_plain_errors
def encoded_windows(
    root: str, episode: int, camera: str, config: ContactSheetConfig
) -> list[EncodedWindow]:
    return [
        EncodedWindow(
            window.index,
            window.timestamps,
            window.start,
            window.end,
            [sheet.encode() for sheet in window.sheets],
        )
        for window in contact_sheets(_source(root), episode, camera, config)
    ]


@_plain_errors
def encoded_frames(
    root: str,
    episode: int,
    camera: str,
    times: Sequence[float],
    quality: int,
    max_side: int | None,
) -> list[EncodedImage]:
    """The distinct frames nearest to `times`, JPEG-encoded with their geometry."""
    frames = _source(root).frames(episode, camera, times)
    unique = {frame.index: frame for frame in frames}.values()
    return [frame.encode(quality, max_side) for frame in unique]


@_plain_errors
def encoded_span_sheet(
    root: str,
    episode: int,
    camera: str,
    start: float,
    end: float,
    tiles: int,
    config: ContactSheetConfig,
) -> EncodedImage:
    """One sheet of at most `tiles` frames spread over [start, end)."""
    source = _source(root)
    frames = source.frames(
        episode, camera, span_times(source, start, end, tiles), config.tile_width
    )
    unique = list({frame.index: frame for frame in frames}.values())
    picked = [(f.index, f.timestamp, f.image) for f in unique]
    size = (unique[0].source_width, unique[0].source_height)
    decimals = time_decimals(source.dataset.fps)
    return tile_sheet(episode, camera, picked, size, config, decimals).encode()


@_plain_errors
def encoded_frames_windows(
    root: str, episode: int, camera: str, sampling: VideoSampling
) -> list[FramesWindow]:
    return frames_windows(_source(root), episode, camera, sampling)


@_plain_errors
def encoded_span_frames(
    root: str,
    episode: int,
    camera: str,
    start: float,
    end: float,
    count: int,
    sampling: VideoSampling,
) -> FramesWindow:
    return span_frames(_source(root), episode, camera, start, end, count, sampling)


@_plain_errors
def remuxed_clip_windows(
    root: str, episode: int, camera: str, sampling: VideoSampling
) -> list[ClipWindow]:
    return clip_windows(_source(root), episode, camera, sampling)


@_plain_errors
def remuxed_span_clip(
    root: str, episode: int, camera: str, start: float, end: float, count: int
) -> ClipWindow:
    """The clip of [start, end], asking about `count` times spread over it."""
    source = _source(root)
    times = span_times(source, start, end, count)
    return clip_of(source, episode, camera, times, start, times[-1])
