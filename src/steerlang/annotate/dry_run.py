"""`--dry_run`: what a run would ask, without asking: calls, images and vision tokens per module.

Counts come from the same samplers the modules use (contact-sheet windows, VQA
ticks, interjection frames), so they match a real run; memory calls depend on
how many subtasks the model finds and are given as an upper bound. Vision
tokens assume 28×28-pixel patches (Qwen2.5-VL / Qwen3-VL after merging): an image
costs ⌈w/28⌉·⌈h/28⌉ tokens, and a video block, whose frames are merged in pairs
(temporal patch 2), ⌈frames/2⌉·⌈w/28⌉·⌈h/28⌉ — frames at `--plan.video_frame_width`
(video_frames), or a clip at the camera's size read at `--plan.use_video_url_fps`
(video_clip: the frames of its window; the keyframe lead before a window and a
server that shrinks frames further are not counted).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from steerlang.annotate.config.modules import PlanConfig
from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.frames.frame import scaled_size
from steerlang.annotate.frames.sheets import label_height
from steerlang.annotate.frames.timeline import sample_frames, split_windows
from steerlang.annotate.modules.plan import derives_task, overview_rate
from steerlang.dataset import EpisodeRecord, LeRobotDataset

PATCH = 28
TEMPORAL_PATCH = 2  # video frames merged in pairs


@dataclass
class ModuleEstimate:
    calls: int = 0
    images: int = 0
    vision_tokens: int = 0
    videos: int = 0
    note: str = ""

    def add_images(self, count: int, width: int, height: int) -> None:
        self.images += count
        self.vision_tokens += count * patches(width, height)

    def add_videos(self, count: int, frames: int, width: int, height: int, clip: bool) -> None:
        """`count` video blocks of `frames` frames each (a clip's frames are not images)."""
        self.videos += count
        self.images += 0 if clip else count * frames
        self.vision_tokens += count * math.ceil(frames / TEMPORAL_PATCH) * patches(width, height)


def patches(width: int, height: int) -> int:
    return math.ceil(width / PATCH) * math.ceil(height / PATCH)


def estimate(
    dataset: LeRobotDataset, config: AnnotateConfig, episodes: list[EpisodeRecord]
) -> dict[str, ModuleEstimate]:
    totals: dict[str, ModuleEstimate] = defaultdict(ModuleEstimate)
    views = dataset.view_camera_keys(config.vqa.include_depth) or dataset.camera_keys
    camera = config.vlm.camera_key or (views[0] if views else None)
    for episode in episodes:
        stamps = dataset.frame_timestamps(episode)
        duration = episode.length / dataset.fps
        if config.plan.enabled:
            _plan(totals["plan"], dataset, config, camera, stamps, episode.task)
        if config.interjections.enabled:
            _interjections(totals["interjections"], dataset, config, camera, stamps)
        if config.vqa.enabled and dataset.cameras:
            default_only = config.vqa.restrict_to_default_camera
            vqa_views = [camera] if default_only and camera is not None else None
            _vqa(totals["vqa"], dataset, config, duration, len(stamps), vqa_views)
        if config.reasoning.enabled and camera is not None:
            _reasoning(totals["reasoning"], dataset, config, camera)
    if config.plan.enabled and config.plan.emit_memory:
        totals["plan"].note = f"+ at most {config.plan.plan_max_steps - 1} memory calls per episode"
    if "reasoning" in totals:
        totals["reasoning"].note = "at most: one per subtask, --plan.plan_max_steps per episode"
    return dict(totals)


def planned_totals(totals: dict[str, ModuleEstimate], episodes: int) -> dict[str, int]:
    """What a complete run over these episodes sends, for the run record (so readers such
    as `steerlang eval` need not import the pipeline to recompute it)."""
    return {
        "episodes": episodes,
        "calls": sum(e.calls for e in totals.values()),
        "images": sum(e.images for e in totals.values()),
        "vision_tokens": sum(e.vision_tokens for e in totals.values()),
    }


def _plan(
    total: ModuleEstimate,
    dataset: LeRobotDataset,
    config: AnnotateConfig,
    camera: str | None,
    stamps: np.ndarray,
    task: str,
) -> None:
    plan = config.plan
    total.calls += (plan.n_task_rephrasings > 0) + plan.emit_plan
    if camera is None:
        return
    cam = dataset.cameras[camera]
    width = plan.contact_sheet_frame_width
    cell = width * (round(cam.height * width / cam.width) + label_height(width))
    if derives_task(plan, task):
        rate = overview_rate(plan, len(stamps) / dataset.fps)
        overview = split_windows(len(sample_frames(stamps, rate)), plan.window_frames(), 0)[0]
        total.calls += 1
        _add_sheets(total, 1, len(overview), plan, cell)
    per_window = 1 + plan.subtask_describe_first
    if plan.visual_input != "contact_sheets":
        _add_video_windows(total, per_window, plan, stamps, cam.width, cam.height)
        return
    samples = len(sample_frames(stamps, plan.frames_per_second))
    windows = split_windows(samples, plan.window_frames(), plan.window_overlap_frames)
    total.calls += per_window * len(windows)
    for window in windows:
        _add_sheets(total, per_window, len(window), plan, cell)


def _add_video_windows(
    total: ModuleEstimate, calls: int, plan: PlanConfig, stamps: np.ndarray, width: int, height: int
) -> None:
    """The video blocks of segmentation, each sent by `calls` calls (describe, segment)."""
    samples = len(sample_frames(stamps, plan.video_rate()))
    windows = split_windows(samples, plan.video_window_frames(), plan.window_overlap_frames)
    clip = plan.visual_input == "video_clip"
    if not clip and 0 < plan.video_frame_width < width:
        width, height = scaled_size(width, height, plan.video_frame_width)
    total.calls += calls * len(windows)
    for window in windows:
        total.add_videos(calls, len(window), width, height, clip)


def _add_sheets(total: ModuleEstimate, calls: int, tiles: int, plan: PlanConfig, cell: int) -> None:
    """The contact sheets of `tiles` frames (`cell` pixels each), sent by `calls` calls."""
    columns = plan.contact_sheet_columns
    per_sheet = columns * math.ceil(plan.contact_sheet_frames_per_sheet / columns)
    for start in range(0, tiles, per_sheet):
        side = math.ceil(math.sqrt(min(per_sheet, tiles - start) * cell))
        total.add_images(calls, side, side)


def _interjections(
    total: ModuleEstimate,
    dataset: LeRobotDataset,
    config: AnnotateConfig,
    camera: str | None,
    stamps: np.ndarray,
) -> None:
    inter = config.interjections
    eligible = int(((stamps >= inter.interjection_min_t) & (stamps <= stamps[-1] - 0.5)).sum())
    count = min(inter.max_interjections_per_episode, eligible)
    total.calls += inter.initial_speech + 2 * count
    if camera is not None:
        cam = dataset.cameras[camera]
        width, height = _sent_size(cam.width, cam.height, config.vqa.max_side)
        total.add_images(inter.interjection_window_frames * count, width, height)


def _vqa(
    total: ModuleEstimate,
    dataset: LeRobotDataset,
    config: AnnotateConfig,
    duration: float,
    length: int,
    views: list[str] | None,
) -> None:
    vqa = config.vqa
    ticks = math.ceil(duration * vqa.vqa_emission_hz)
    frames = min(ticks * vqa.K, length)
    for key in views or vqa.cameras or dataset.view_camera_keys(vqa.include_depth):
        cam = dataset.cameras[key]
        total.calls += frames
        total.add_images(frames, *_sent_size(cam.width, cam.height, vqa.max_side))


def _reasoning(
    total: ModuleEstimate, dataset: LeRobotDataset, config: AnnotateConfig, camera: str
) -> None:
    """One call and one frame per subtask: an upper bound, as the subtasks are not found yet."""
    cam = dataset.cameras[camera]
    steps = config.plan.plan_max_steps
    total.calls += steps
    total.add_images(steps, *_sent_size(cam.width, cam.height, config.reasoning.max_side))


def _sent_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return round(width * scale), round(height * scale)


def format_estimate(totals: dict[str, ModuleEstimate], episodes: int) -> str:
    lines = [f"dry run over {episodes} episode(s): nothing is asked or written", ""]
    lines.append(f"{'module':<14}{'calls':>8}{'images':>8}{'vision tokens':>15}{'videos':>8}")
    for module, est in totals.items():
        lines.append(
            f"{module:<14}{est.calls:>8}{est.images:>8}{est.vision_tokens:>15}{est.videos:>8}"
            f"  {est.note}"
        )
    calls = sum(e.calls for e in totals.values())
    images = sum(e.images for e in totals.values())
    tokens = sum(e.vision_tokens for e in totals.values())
    videos = sum(e.videos for e in totals.values())
    lines.append(f"{'total':<14}{calls:>8}{images:>8}{tokens:>15}{videos:>8}")
    return "\n".join(lines)
