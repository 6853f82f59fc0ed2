"""Per-episode frame errors: what broke, in which file, and what the user should do."""

from __future__ import annotations

from pathlib import Path

from steerlang.errors import SteerlangError


class FrameError(SteerlangError):
    """An episode's frames cannot be read; the pipeline records it and skips the episode.

    Never caught to fall back to text-only prompts: a model that sees no frames
    invents subtasks from the task text.
    """

    def __init__(self, episode: int, camera: str, path: Path | None, problem: str, fix: str):
        where = f" ({path})" if path is not None else ""
        super().__init__(f"episode {episode}, camera {camera}{where}: {problem}; {fix}")
        self.episode = episode
        self.camera = camera
        self.path = path
        self.problem = problem


REDOWNLOAD = "re-download the dataset's videos (or re-encode this file); the episode is skipped"


def missing_video(episode: int, camera: str, path: Path) -> FrameError:
    return FrameError(episode, camera, path, "the video file is missing", REDOWNLOAD)


def unreadable_video(episode: int, camera: str, path: Path, detail: str) -> FrameError:
    return FrameError(
        episode,
        camera,
        path,
        f"the video file is corrupt, truncated or not a video ({detail})",
        REDOWNLOAD,
    )


def truncated_video(
    episode: int, camera: str, path: Path, needed: float, available: float | None
) -> FrameError:
    ends = "has no frames there" if available is None else f"ends at {available:.3f} s"
    return FrameError(
        episode,
        camera,
        path,
        f"the video is truncated: the episode needs frames up to file time {needed:.3f} s "
        f"but the file {ends}",
        REDOWNLOAD,
    )


def missing_frame(episode: int, camera: str, path: Path, file_time: float) -> FrameError:
    return FrameError(
        episode,
        camera,
        path,
        f"the video has no frame near file time {file_time:.3f} s (a gap or wrong "
        "from_timestamp in meta/episodes)",
        REDOWNLOAD,
    )


def bad_image(episode: int, camera: str, path: Path, frame_index: int, detail: str) -> FrameError:
    return FrameError(
        episode,
        camera,
        path,
        f"the image stored for frame {frame_index} cannot be decoded ({detail})",
        "re-download or rebuild this data file; the episode is skipped",
    )
