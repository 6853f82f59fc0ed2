"""An episode's span of its mp4, remuxed into a small in-memory mp4 without re-encoding.

For models that read video natively (`--plan.visual_input=video_clip`): the
server samples the clip itself. Packets are copied as they are (stream copy),
so the clip starts on a keyframe — the last one at or before the span start —
and runs in decode order up to the last packet shown by the span end, so every
frame of the span decodes (in a B-frame stream that includes the few frames
after the end that the span's last frames reference). Timestamps are shifted so
the clip's first keyframe is shown at time 0; `Clip.start` says which file time that is.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.video.stream import VideoStream

from steerlang.annotate.frames.video import VideoReadError

# times closer than this (in seconds) are the same time: stored timestamps are float32
SAME_TIME_S = 1e-4


@dataclass(frozen=True)
class Clip:
    """An mp4 in memory and where it lies in its source file (seconds of file time)."""

    data: bytes
    start: float  # the file time of the clip's time 0 (its first keyframe)
    end: float  # the file time of its last frame
    packets: int


def remux_span(path: Path, start: float, end: float) -> Clip:
    """The packets of `path`'s video from the keyframe at or before `start` (file seconds)
    through the frames shown up to `end`, in a new mp4; raises `VideoReadError`."""
    if not path.is_file():
        raise VideoReadError("missing")
    try:
        with av.open(str(path)) as source:
            stream = source.streams.video[0]
            packets, time_base = _span_packets(source, stream, start, end)
            return _muxed(stream, packets, time_base)
    except (av.FFmpegError, IndexError) as exc:
        raise VideoReadError("unreadable", str(exc) or type(exc).__name__) from exc


def _span_packets(
    source: av.container.InputContainer,
    stream: VideoStream,
    start: float,
    end: float,
) -> tuple[list[av.Packet[VideoStream]], Fraction]:
    time_base = stream.time_base
    assert time_base is not None, "a demuxed video stream has a time base"
    source.seek(int(start / time_base), stream=stream, backward=True)
    kept: list[av.Packet[VideoStream]] = []
    for packet in source.demux(stream):
        if packet.pts is None:
            continue  # the demuxer's end-of-stream marker
        shown = float(packet.pts * time_base)
        if packet.is_keyframe and shown <= start + SAME_TIME_S:
            kept = [packet]  # a later keyframe still at or before the start: begin there
            continue
        if not kept:
            continue
        decoded = packet.dts if packet.dts is not None else packet.pts
        if float(decoded * time_base) > end + SAME_TIME_S:
            break
        kept.append(packet)
    # packets after the last one shown by `end` are referenced by none that is: leave them out
    while len(kept) > 1 and float((kept[-1].pts or 0) * time_base) > end + SAME_TIME_S:
        kept.pop()
    if not kept:
        raise VideoReadError("truncated", file_time=start)
    return kept, time_base


def _muxed(
    template: VideoStream, packets: list[av.Packet[VideoStream]], time_base: Fraction
) -> Clip:
    """The packets in a new mp4, shifted so the first keyframe is shown at time 0 (the
    decode times of B-frame streams start below 0, which mp4 records as it should)."""
    origin = packets[0].pts
    assert origin is not None, "only packets with a presentation time are kept"
    last_shown = max(p.pts for p in packets if p.pts is not None)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as clip:
        # opaque: the stream's parameters as they are, with no encoder looked up for them
        stream = clip.add_stream_from_template(template, opaque=True)
        for packet in packets:
            packet.pts = None if packet.pts is None else packet.pts - origin
            packet.dts = None if packet.dts is None else packet.dts - origin
            packet.stream = stream
            clip.mux(packet)
    return Clip(
        buffer.getvalue(), float(origin * time_base), float(last_shown * time_base), len(packets)
    )
