"""What subtask segmentation shows the model (`--plan.visual_input`), built per window.

- `contact_sheets`: timestamped grids of the sampled frames (any model with image input).
- `video_frames`: the frames at `--plan.frames_per_second` (at most
  `--plan.max_video_frames` a block), JPEG at `--plan.video_frame_width`, as ONE
  video part. On the wire (`openai_backend`) that is vLLM's `video_url` part with a
  `data:video/jpeg;base64,` URL of the frames' base64 JPEGs joined by commas — the
  one frame-list form vLLM's OpenAI server takes (its `video/jpeg` loader); a
  `{"type": "video", "video": [urls]}` part (qwen-vl-utils, chat templates) is not
  a content part vLLM's server or `transformers serve` parses. Their sampled times
  are stated in the prompt, and the fps hint (`mm_processor_kwargs`) gives their rate.
- `video_clip`: the episode's span of its own mp4, stream-copied (`frames.clips`), as a
  `video_url` part with a `data:video/mp4;base64,` URL; the server samples it at the
  fps hint (`--plan.use_video_url_fps`). The clip starts at the keyframe at or before
  the window, and the prompt gives that offset (a time t in the clip is episode time
  t + clip start).

Windows are the contact sheets' (overlapping, balanced, stitched by the plan module)
at the mode's rate. A relabel call shows `--plan.subtask_relabel_frames` frames of
its span, in the same form. `transformers serve` (5.x) hands a `video_url` to its
video loader, which reads http(s) URLs and local paths only: it refuses both video
forms, and such a call is recorded as a failed call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from steerlang.annotate.frames import ContactSheetConfig, EncodedImage
from steerlang.annotate.frames import worker as frame_worker
from steerlang.annotate.frames.sheets import time_decimals
from steerlang.annotate.frames.video_windows import ClipWindow, FramesWindow, VideoSampling
from steerlang.annotate.frames.worker import EncodedWindow
from steerlang.annotate.modules.episode_job import EpisodeJob, PromptImage
from steerlang.annotate.prompts import load_prompt
from steerlang.annotate.vlm.types import VideoPart

# the prompt fragment that says how to read each input (prompt data files, hashed like all)
FRAGMENTS = {
    "contact_sheets": "visual_contact_sheets",
    "video_frames": "visual_video_frames",
    "video_clip": "visual_video_clip",
}


@dataclass(frozen=True)
class VisualWindow:
    """What one call shows: the episode times it covers and asks about, its media, and
    the facts its context carries (the sampled times, the clip's span)."""

    mode: str
    start: float
    end: float
    timestamps: list[float]
    images: list[PromptImage] = field(default_factory=list)
    video: VideoPart | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    decimals: int = 2

    def times_text(self) -> str:
        return ", ".join(f"{t:.{self.decimals}f}" for t in self.timestamps)

    def prompt_text(self, start: float, end: float) -> str:
        """The sentence that tells the model what it sees of [start, end] and how to read
        times off it."""
        values: dict[str, Any] = {"start": start, "end": end}
        if self.mode == "video_frames":
            values |= {"count": len(self.timestamps), "times": self.times_text()}
        elif self.mode == "video_clip":
            video = self.facts["video"]
            clip_start, clip_end = video["clip"]
            values |= {"clip_start": clip_start, "clip_end": clip_end, "fps": video["fps"]}
        return load_prompt(FRAGMENTS[self.mode]).render(**values).strip()


def sheet_config(job: EpisodeJob, frames_per_second: float | None = None) -> ContactSheetConfig:
    plan = job.config.plan
    return ContactSheetConfig(
        frames_per_second=frames_per_second or plan.frames_per_second,
        columns=plan.contact_sheet_columns,
        rows=max(1, -(-plan.contact_sheet_frames_per_sheet // plan.contact_sheet_columns)),
        tile_width=plan.contact_sheet_frame_width,
        jpeg_quality=plan.contact_sheet_quality,
        max_frames_per_prompt=plan.window_frames(),
        overlap_frames=plan.window_overlap_frames,
    )


def sheet_images(job: EpisodeJob, images: Sequence[EncodedImage]) -> list[PromptImage]:
    """(jpeg, camera, source width, source height) of contact sheets of the prompt camera."""
    camera = job.prompt_camera
    if camera is None:  # text only: there are no sheets
        return []
    cam = job.dataset.cameras[camera]
    return [(image, camera, cam.width, cam.height) for image in images]


async def prompt_windows(job: EpisodeJob, config: ContactSheetConfig) -> list[EncodedWindow]:
    return await job.frame_work(frame_worker.encoded_windows, job.prompt_camera, config)


def video_sampling(job: EpisodeJob) -> VideoSampling:
    """How video blocks are cut; frames are never scaled up past the camera's width."""
    plan = job.config.plan
    assert job.prompt_camera is not None, "only an episode with cameras is shown to the model"
    camera_width = job.dataset.cameras[job.prompt_camera].width
    return VideoSampling(
        frames_per_second=plan.video_rate(),
        max_frames=plan.video_window_frames(),
        overlap_frames=plan.window_overlap_frames,
        frame_width=min(plan.video_frame_width, camera_width) if plan.video_frame_width else 0,
        jpeg_quality=plan.contact_sheet_quality,
    )


async def segment_windows(job: EpisodeJob) -> list[VisualWindow]:
    """The prompt camera's windows for segmentation, in the run's visual input."""
    mode = job.config.plan.visual_input
    if mode == "video_frames":
        found = await job.frame_work(
            frame_worker.encoded_frames_windows, job.prompt_camera, video_sampling(job)
        )
        return [_frames(job, w, job.config.plan.video_rate()) for w in found]
    if mode == "video_clip":
        clips = await job.frame_work(
            frame_worker.remuxed_clip_windows, job.prompt_camera, video_sampling(job)
        )
        return [_clip(job, w, job.config.plan.video_rate()) for w in clips]
    sheets = await prompt_windows(job, sheet_config(job))
    return [_sheets(job, w) for w in sheets]


async def span_visual(job: EpisodeJob, start: float, end: float) -> VisualWindow:
    """What a relabel call shows of the span [start, end): `--plan.subtask_relabel_frames`
    frames spread over it."""
    plan = job.config.plan
    count, camera = plan.subtask_relabel_frames, job.prompt_camera
    if plan.visual_input == "video_frames":
        frames = await job.frame_work(
            frame_worker.encoded_span_frames, camera, start, end, count, video_sampling(job)
        )
        return _frames(job, frames, _rate(frames.timestamps))
    if plan.visual_input == "video_clip":
        clip = await job.frame_work(frame_worker.remuxed_span_clip, camera, start, end, count)
        return _clip(job, clip, _rate(clip.timestamps))
    sheet = await job.frame_work(
        frame_worker.encoded_span_sheet, camera, start, end, count, sheet_config(job)
    )
    return _sheets(job, EncodedWindow(0, [], start, end, [sheet]))


def _rate(times: list[float]) -> float:
    """Frames per second of evenly spread times (one frame: 1)."""
    if len(times) < 2 or times[-1] <= times[0]:
        return 1.0
    return (len(times) - 1) / (times[-1] - times[0])


def _decimals(job: EpisodeJob) -> int:
    return time_decimals(job.dataset.fps)


def _sheets(job: EpisodeJob, window: EncodedWindow) -> VisualWindow:
    return VisualWindow(
        "contact_sheets",
        window.start,
        window.end,
        window.timestamps,
        images=sheet_images(job, window.images),
        facts={"tile_times": window.timestamps} if window.timestamps else {},
        decimals=_decimals(job),
    )


def _frames(job: EpisodeJob, window: FramesWindow, rate: float) -> VisualWindow:
    video = VideoPart(rate, frames=tuple(f.data for f in window.frames), camera=job.prompt_camera)
    return VisualWindow(
        "video_frames",
        window.start,
        window.end,
        window.timestamps,
        video=video,
        facts={
            "frame_times": window.timestamps,
            "video": {"input": "video_frames", "fps": rate},
        },
        decimals=_decimals(job),
    )


def _clip(job: EpisodeJob, window: ClipWindow, rate: float) -> VisualWindow:
    video = VideoPart(rate, mp4=window.clip, camera=job.prompt_camera)
    span = [window.clip_start, window.clip_end]
    return VisualWindow(
        "video_clip",
        window.start,
        window.end,
        window.timestamps,
        video=video,
        facts={
            "frame_times": window.timestamps,
            "video": {"input": "video_clip", "fps": rate, "clip": span},
        },
        decimals=_decimals(job),
    )
