"""An episode as video blocks for models that read video: sampled frames, or mp4 clips.

Sampling and windowing are the contact sheets' own (`timeline.sample_frames`,
`timeline.split_windows`): frames every 1/rate s from the first, the last
frame added when it lies more than half a step after the last sample, and a
long episode in balanced windows of at most `max_frames` samples that share
`overlap_frames`. A frames window carries the JPEGs of its samples; a clip
window carries the episode's mp4 from the keyframe at or before its first
sample through its last sample (the episode's last frame for the last
window), remuxed without re-encoding (`clips`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steerlang.annotate.frames.clips import remux_span
from steerlang.annotate.frames.encode import DEFAULT_JPEG_QUALITY, EncodedImage
from steerlang.annotate.frames.source import EpisodeRef, FrameSource
from steerlang.annotate.frames.timeline import sample_frames, split_windows
from steerlang.annotate.frames.video import VideoReadError
from steerlang.errors import SteerlangError


@dataclass(frozen=True)
class VideoSampling:
    """How an episode is cut into video blocks (mirrors `--plan.*` flags)."""

    frames_per_second: float
    max_frames: int
    overlap_frames: int = 2
    frame_width: int = 0  # frames are scaled to this width (0: the camera's own)
    jpeg_quality: int = DEFAULT_JPEG_QUALITY

    def windows(self, stamps: np.ndarray) -> list[np.ndarray]:
        """The frame indices of each window's samples."""
        samples = sample_frames(stamps, self.frames_per_second)
        return [
            samples[list(window)]
            for window in split_windows(len(samples), self.max_frames, self.overlap_frames)
        ]


@dataclass(frozen=True)
class FramesWindow:
    """One video block of sampled frames: their stored times and JPEGs."""

    index: int
    timestamps: list[float]
    frames: list[EncodedImage]

    @property
    def start(self) -> float:
        return self.timestamps[0]

    @property
    def end(self) -> float:
        return self.timestamps[-1]


@dataclass(frozen=True)
class ClipWindow:
    """One mp4 clip: the episode times asked about, and the clip's own span.

    `clip_start` is the episode time of the clip's time 0, the keyframe at or before
    `start` (below 0 when that keyframe belongs to the episode before, in a shared file).
    """

    index: int
    timestamps: list[float]
    start: float
    end: float
    clip: bytes
    clip_start: float
    clip_end: float


def frames_windows(
    source: FrameSource, episode: EpisodeRef, camera: str, sampling: VideoSampling
) -> list[FramesWindow]:
    """The episode's frames windows for one camera; each frame is decoded and encoded once."""
    stamps = source.timestamps(episode)
    windows = sampling.windows(stamps)
    wanted = np.unique(np.concatenate(windows))
    width = sampling.frame_width or None
    encoded = {
        frame.index: (frame.timestamp, frame.encode(sampling.jpeg_quality))
        for frame in source.iter_frames(episode, camera, stamps[wanted], width=width)
    }
    return [
        FramesWindow(
            number,
            [encoded[int(i)][0] for i in window],
            [encoded[int(i)][1] for i in window],
        )
        for number, window in enumerate(windows)
    ]


def span_frames(
    source: FrameSource,
    episode: EpisodeRef,
    camera: str,
    start: float,
    end: float,
    count: int,
    sampling: VideoSampling,
) -> FramesWindow:
    """At most `count` distinct frames spread evenly over [start, end)."""
    times = span_times(source, start, end, count)
    frames = source.frames(episode, camera, times, sampling.frame_width or None)
    unique = list({frame.index: frame for frame in frames}.values())
    return FramesWindow(
        0, [f.timestamp for f in unique], [f.encode(sampling.jpeg_quality) for f in unique]
    )


def span_times(source: FrameSource, start: float, end: float, count: int) -> list[float]:
    """`count` times spread evenly from `start` to the last frame before `end`."""
    last = max(start, end - 1.0 / source.dataset.fps)
    return [float(t) for t in np.linspace(start, last, count)]


def clip_windows(
    source: FrameSource, episode: EpisodeRef, camera: str, sampling: VideoSampling
) -> list[ClipWindow]:
    """The episode's clip windows for one camera (a camera stored as video): the first
    from the episode's start, the last to its end."""
    stamps = source.timestamps(episode)
    windows = sampling.windows(stamps)
    return [
        clip_of(
            source,
            episode,
            camera,
            [float(stamps[i]) for i in window],
            float(stamps[0 if number == 0 else window[0]]),
            float(stamps[-1 if number == len(windows) - 1 else window[-1]]),
            number,
        )
        for number, window in enumerate(windows)
    ]


def clip_of(
    source: FrameSource,
    episode: EpisodeRef,
    camera: str,
    times: list[float],
    start: float,
    end: float,
    index: int = 0,
) -> ClipWindow:
    """The clip of the episode's [start, end] (episode seconds), asking about `times`."""
    record = source.episode(episode)
    span = record.videos.get(camera)
    if span is None:
        raise SteerlangError(
            f"episode {record.index}, camera {camera}: --plan.visual_input=video_clip sends the "
            "camera's mp4, and this camera is stored as images (or has no video span); use "
            "--plan.visual_input=video_frames or contact_sheets"
        )
    try:
        clip = remux_span(span.path, span.from_timestamp + start, span.from_timestamp + end)
    except VideoReadError as exc:
        raise source.video_error(record, span, exc) from exc
    return ClipWindow(
        index,
        times,
        start,
        end,
        clip.data,
        clip.start - span.from_timestamp,
        clip.end - span.from_timestamp,
    )
