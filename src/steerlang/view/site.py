"""Build the static site: assets, one page (+ data script) per episode, the index.

The folder is self-contained and works from disk: no network, every asset in
it; videos are referenced by relative path (or copied in with `copy_videos`).
A folder is only ever rebuilt if it is empty or a site this module made (it
carries a `.steerlang-view` marker), so `--out` can never wipe other files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from steerlang.dataset.reader import LeRobotDataset
from steerlang.errors import SteerlangError
from steerlang.view.cameras import camera_playback
from steerlang.view.index_page import index_html
from steerlang.view.keyframes import FRAMES_DIR, keyframe_indices, write_keyframes
from steerlang.view.page_data import (
    DATASET_DIR,
    EPISODES_DIR,
    EpisodePages,
    episode_data_name,
    episode_page_name,
)
from steerlang.view.pages import data_script, episode_html
from steerlang.view.summary import coverage, episode_row, findings, run_summaries

if TYPE_CHECKING:
    from steerlang.annotate.frames import FrameSource

MARKER = ".steerlang-view"
ASSETS_DIR = "assets"
OWNED = (ASSETS_DIR, EPISODES_DIR, FRAMES_DIR, DATASET_DIR, "index.html")
DEFAULT_KEYFRAME_HZ = 2.0


@dataclass(frozen=True)
class SiteOptions:
    episodes: list[int] | None = None  # None: every episode
    copy_videos: bool = False
    keyframe_hz: float = DEFAULT_KEYFRAME_HZ  # decoded frames per second where video can't play


def build_site(dataset: LeRobotDataset, out: Path, options: SiteOptions) -> EpisodePages:
    """Write the site into `out`; returns the page builder (the review server reuses it)."""
    chosen = options.episodes or [episode.index for episode in dataset.episodes]
    for index in chosen:
        dataset.episode(index)  # an unknown episode is an error before anything is written
    _prepare(out)
    _copy_assets(out / ASSETS_DIR)
    playback = camera_playback(dataset)
    pages = EpisodePages(dataset, out, playback, chosen, options.copy_videos)
    if options.copy_videos:
        _copy_videos(pages)
    decoded = [camera.key for camera in playback if not camera.playable]
    source = _frame_source(dataset) if decoded else None
    (out / EPISODES_DIR).mkdir()
    shown = []
    try:
        for index in chosen:
            data = pages.data(index)
            if source is not None:
                moments = [s["start"] for s in data["subtasks"]] + [p["t"] for p in data["vqa"]]
                frames = np.asarray(data["frames"], dtype=np.float32)
                wanted = keyframe_indices(frames, moments, options.keyframe_hz)
                for camera in decoded:
                    write_keyframes(source, out, index, camera, wanted)
                data = pages.data(index)
            (out / EPISODES_DIR / episode_data_name(index)).write_text(data_script(data))
            (out / EPISODES_DIR / episode_page_name(index)).write_text(
                episode_html(index, dataset.root.name)
            )
            shown.append(data)
    finally:
        if source is not None:
            source.close()
    summary = {
        "root": str(dataset.root),
        "episodes": len(dataset.episodes),
        "shown": len(chosen),
        "frames": dataset.total_frames,
        "fps": dataset.fps,
        "tasks": len(dataset.tasks),
    }
    page = index_html(
        f"{dataset.root.name} · steerlang view",
        summary,
        playback,
        coverage(shown),
        run_summaries(dataset.root),
        findings(dataset, chosen),
        [episode_row(data) for data in shown],
    )
    (out / "index.html").write_text(page)
    return pages


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SteerlangError(f"--out {out} is a file; pass a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SteerlangError(
            f"--out {out} is a folder with other files in it; pick a new or empty folder "
            "(or one an earlier `steerlang view` wrote)"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("a site written by `steerlang view`; rebuilding replaces it\n")
    for name in OWNED:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def _copy_assets(target: Path) -> None:
    target.mkdir()
    for asset in files("steerlang.view").joinpath("assets").iterdir():
        if asset.name.endswith((".js", ".css")):
            (target / asset.name).write_bytes(asset.read_bytes())


def _copy_videos(pages: EpisodePages) -> None:
    playable = {camera.key for camera in pages.playback if camera.playable}
    spans = {
        span.path: span
        for index in pages.episodes
        for key, span in pages.dataset.episode(index).videos.items()
        if key in playable
    }
    for span in spans.values():
        target = pages.copied_video_path(span)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(span.path, target)


def _frame_source(dataset: LeRobotDataset) -> FrameSource:  # decoding stack loaded lazily
    from steerlang.annotate.frames import FrameSource

    return FrameSource(dataset, cache_bytes=0)
