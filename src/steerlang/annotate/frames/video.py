"""Frame-exact reads from one mp4: keyframe seek, forward decode, nearest-frame match.

A `VideoReader` owns one container and decoder and is used by one thread at a
time; it remembers where its decoder stands so a later request further on in
the same group of pictures continues decoding instead of seeking back. On the
way to a requested frame it does not decode the packets that no later frame
references (`disposable`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from steerlang.annotate.frames.disposable import disposable_check
from steerlang.annotate.frames.frame import scaled_size


class VideoReadError(Exception):
    """Raised by `VideoReader`; the frame source turns it into a per-episode `FrameError`."""

    def __init__(self, kind: str, detail: str = "", file_time: float | None = None) -> None:
        super().__init__(detail or kind)
        self.kind = kind  # "missing" | "unreadable" | "truncated" | "gap"
        self.detail = detail
        self.file_time = file_time


@dataclass(frozen=True)
class SpanIndex:
    """Packet times of one episode's span of the file: keyframes and the last frame."""

    keyframe_pts: np.ndarray  # int64, ascending, in stream time-base units
    time_base: float
    last_time: float | None  # time of the last packet found at or after the span start

    def keyframe_at_or_before(self, time: float) -> int:
        pts = time / self.time_base
        position = int(np.searchsorted(self.keyframe_pts, pts + 0.5, side="right")) - 1
        return int(self.keyframe_pts[max(position, 0)])


class VideoReader:
    """One open video file and its decoder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._container = av.open(str(path))
            if not self._container.streams.video:
                raise VideoReadError("unreadable", "it has no video stream")
            self._stream = self._container.streams.video[0]
            configure_decoder(self._stream)
            context = self._stream.codec_context
            self._disposable = disposable_check(context.name, context.extradata)
        except av.FFmpegError as exc:
            raise VideoReadError("unreadable", _describe(exc)) from exc
        if self._stream.time_base is None:
            raise VideoReadError("unreadable", "its video stream has no time base")
        self.time_base = float(self._stream.time_base)
        self._skip_before = 0.0  # file time before which disposable packets are not decoded
        # one reformatter per step, so each keeps its scaler between frames
        self._scaler = VideoReformatter()
        self._reformatter = VideoReformatter()
        self._frames: Iterator[av.VideoFrame] | None = None
        self._last: av.VideoFrame | None = None
        self._last_time = 0.0

    def close(self) -> None:
        """Close the file and drop every PyAV reference now, not at garbage collection.

        A decoder left for the collector keeps its worker threads, and a process
        forked meanwhile deadlocks when its collector frees that decoder.
        """
        container = self._container
        self._forget_position()
        del self._container, self._stream, self._scaler, self._reformatter
        container.close()

    def index_span(self, start: float, stop: float) -> SpanIndex:
        """Demux (no decode) the packets from the keyframe before `start` up to `stop`."""
        self._forget_position()
        keyframes: list[int] = []
        last_time = None
        try:
            self._container.seek(int(start / self.time_base), stream=self._stream, backward=True)
            for packet in self._container.demux(self._stream):
                if packet.pts is None:
                    continue
                time = packet.pts * self.time_base
                if packet.is_keyframe and time <= stop:
                    keyframes.append(packet.pts)
                last_time = time if last_time is None else max(last_time, time)
                decode_time = time if packet.dts is None else packet.dts * self.time_base
                if decode_time > stop:  # dts, not pts: with B-frames pts arrive out of order
                    break
        except av.FFmpegError as exc:
            raise VideoReadError("unreadable", _describe(exc)) from exc
        if not keyframes:
            raise VideoReadError("truncated", file_time=start)
        return SpanIndex(
            np.unique(np.asarray(keyframes, dtype=np.int64)), self.time_base, last_time
        )

    def read(
        self, times: Sequence[float], index: SpanIndex, tolerance: float
    ) -> Iterator[tuple[int, av.VideoFrame]]:
        """Yield (position in `times`, frame) for ascending file `times`, in order.

        Each time gets the decoded frame within `tolerance` seconds of it (the
        nearest one for a regular frame rate); a time with no such frame raises.
        """
        for position, time in enumerate(times):
            yield position, self._frame_at(time, index, tolerance)

    def _frame_at(self, time: float, index: SpanIndex, tolerance: float) -> av.VideoFrame:
        if self._last is not None and abs(self._last_time - time) <= tolerance:
            return self._last
        keyframe = index.keyframe_at_or_before(time)
        if (
            self._frames is None
            or self._last is None
            or self._last_time > time
            or keyframe * self.time_base > self._last_time
        ):
            self._frames = self._seek(keyframe)
        self._skip_before = time - tolerance
        try:
            for frame in self._frames:
                frame_time = self._time_of(frame)
                self._last, self._last_time = frame, frame_time
                if frame_time < time - tolerance:
                    continue
                if frame_time > time + tolerance:
                    raise VideoReadError("gap", file_time=time)
                return frame
        except av.FFmpegError as exc:
            self._forget_position()
            raise VideoReadError("unreadable", _describe(exc)) from exc
        self._forget_position()
        raise VideoReadError("truncated", file_time=time)

    def _time_of(self, frame: av.VideoFrame) -> float:
        if frame.pts is None:
            raise VideoReadError("unreadable", "decoded frames carry no timestamps")
        return frame.pts * self.time_base

    def to_rgb(self, frame: av.VideoFrame, width: int | None = None) -> np.ndarray:
        """A decoded frame as RGB, scaled to `width` (aspect kept)."""
        out_width, out_height = scaled_size(frame.width, frame.height, width)
        if (out_width, out_height) != (frame.width, frame.height):
            # scale in the decoder's own format first: area scaling fused with the RGB
            # conversion is about 4x slower than the two steps
            frame = self._scaler.reformat(
                frame, width=out_width, height=out_height, interpolation="AREA"
            )
        return self._reformatter.reformat(frame, format="rgb24").to_ndarray()

    def _seek(self, keyframe_pts: int) -> Iterator[av.VideoFrame]:
        """Frames decoded on from the keyframe."""
        try:
            self._container.seek(keyframe_pts, stream=self._stream, backward=True)
        except av.FFmpegError as exc:
            raise VideoReadError("unreadable", _describe(exc)) from exc
        self._last = None
        return self._decode_forward()

    def _decode_forward(self) -> Iterator[av.VideoFrame]:
        """Decode on from the last seek, leaving out the disposable packets that come
        before the requested frame: nothing decoded later needs them."""
        skippable = self._disposable
        for packet in self._container.demux(self._stream):
            if (
                skippable is not None
                and packet.pts is not None
                and packet.pts * self.time_base < self._skip_before
                and skippable(bytes(packet))
            ):
                continue
            yield from packet.decode()

    def _forget_position(self) -> None:
        self._frames = None
        self._last = None


def configure_decoder(stream: av.video.stream.VideoStream) -> None:
    """One decoding thread per reader.

    Parallelism comes from decoding several episodes or cameras at once, and
    frame threading would refill its pipeline after every seek. A reader
    without worker threads also leaves nothing behind for a forked process.
    """
    stream.thread_type = "NONE"
    stream.thread_count = 1


def _describe(exc: Exception) -> str:
    """FFmpeg's own wording without PyAV's errno prefix."""
    return getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__
