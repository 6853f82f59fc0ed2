"""What the simulator checks of a video block before it answers.

A request that sends a video must send it in a form vLLM reads (`video_url`
with a `data:video/jpeg;base64,` frame list or a `data:video/mp4;base64,` clip)
and must show what its context says it shows: as many frames as it states
times (`video_frames`), or a clip whose own length matches the span it states
and that holds every time it asks about (`video_clip`). The clip's packets are
read with PyAV (no decoding), so its real timing is checked, not a claim.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import av

from steerlang.annotate.vlm.types import VideoPart
from steerlang.errors import SteerlangError

FRAMES, CLIP = "video/jpeg", "video/mp4"
# a clip's stated span may differ from its packets by rounding, never by a frame
SPAN_TOLERANCE_S = 0.01


@dataclass(frozen=True)
class SeenVideo:
    """A video block as the server received it."""

    media_type: str
    frames: int
    clip_span: tuple[float, float] | None = None  # first and last frame time of an mp4


def wire_videos(body: Mapping[str, Any]) -> list[SeenVideo]:
    """The `video_url` parts of a chat.completions body's user messages."""
    found = []
    for message in body.get("messages") or []:
        content = message.get("content") if message.get("role") == "user" else None
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") == "video_url":
                found.append(_from_url(str((part.get("video_url") or {}).get("url", ""))))
    return found


def part_video(part: VideoPart) -> SeenVideo:
    """A video part as the in-process backend receives it."""
    if part.mp4 is not None:
        return SeenVideo(CLIP, 0, _clip_span(part.mp4))
    return SeenVideo(FRAMES, len(part.frames))


def check_videos(context: Mapping[str, Any], videos: list[SeenVideo]) -> None:
    """Raise SteerlangError (the server's 400) when the videos do not match the context."""
    expected = context.get("video")
    if expected is None:
        if videos:
            raise SteerlangError("a video was sent, but the context describes none")
        return
    if len(videos) != 1:
        raise SteerlangError(f"the context describes one video block; {len(videos)} were sent")
    seen, times = videos[0], [float(t) for t in context.get("frame_times") or []]
    if expected.get("input") == "video_frames":
        if seen.media_type != FRAMES:
            raise SteerlangError(f"video_frames are sent as {FRAMES}, not {seen.media_type}")
        if seen.frames != len(times):
            raise SteerlangError(
                f"the video holds {seen.frames} frames but the prompt states {len(times)} times"
            )
        return
    if seen.media_type != CLIP or seen.clip_span is None:
        raise SteerlangError(f"a video_clip is sent as {CLIP}, not {seen.media_type}")
    start, end = (float(v) for v in expected["clip"])
    first, last = seen.clip_span
    if abs((last - first) - (end - start)) > SPAN_TOLERANCE_S:
        raise SteerlangError(
            f"the clip lasts {last - first:.3f} s but the prompt says it spans "
            f"{start:.3f}–{end:.3f} s"
        )
    outside = [t for t in times if not start - SPAN_TOLERANCE_S <= t <= end + SPAN_TOLERANCE_S]
    if outside:
        raise SteerlangError(f"times {outside} lie outside the clip's {start:.3f}–{end:.3f} s")


def _from_url(url: str) -> SeenVideo:
    head, comma, data = url.partition(",")
    if not comma or not head.startswith("data:") or not head.endswith(";base64"):
        raise SteerlangError("a video_url must be a base64 data URL (data:video/...;base64,...)")
    media_type = head[len("data:") : -len(";base64")]
    try:
        if media_type == FRAMES:
            frames = [base64.b64decode(frame, validate=True) for frame in data.split(",")]
            if not all(frame.startswith(b"\xff\xd8") for frame in frames):
                raise SteerlangError("a video/jpeg frame list holds something that is not JPEG")
            return SeenVideo(FRAMES, len(frames))
        if media_type == CLIP:
            return SeenVideo(CLIP, 0, _clip_span(base64.b64decode(data, validate=True)))
    except binascii.Error:
        raise SteerlangError(f"the {media_type} data URL is not valid base64") from None
    raise SteerlangError(f"video media type {media_type!r}: vLLM reads {FRAMES} or {CLIP}")


def _clip_span(mp4: bytes) -> tuple[float, float]:
    """The first and last frame times of an mp4 (its packets, not decoded)."""
    try:
        with av.open(io.BytesIO(mp4), "r") as clip:
            stream = clip.streams.video[0]
            shown = [p.pts for p in clip.demux(stream) if p.pts is not None]
            time_base = stream.time_base
    except (av.FFmpegError, IndexError) as exc:
        raise SteerlangError(f"the clip is not a readable mp4 ({exc})") from None
    if not shown or time_base is None:
        raise SteerlangError("the clip holds no video frames")
    return float(min(shown) * time_base), float(max(shown) * time_base)
