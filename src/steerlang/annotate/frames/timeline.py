"""Choosing frames on an episode's timeline: nearest real frame, regular samples, windows."""

from __future__ import annotations

import math

import numpy as np


def nearest_frames(stamps: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the stored timestamp nearest to each time (ties go to the earlier frame)."""
    stamps = np.asarray(stamps, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    if len(stamps) == 1:
        return np.zeros(len(times), dtype=np.int64)
    after = np.clip(np.searchsorted(stamps, times), 1, len(stamps) - 1)
    before = after - 1
    nearer_before = times - stamps[before] <= stamps[after] - times
    return np.where(nearer_before, before, after).astype(np.int64)


def sample_frames(stamps: np.ndarray, frames_per_second: float) -> np.ndarray:
    """Frames every 1/`frames_per_second` s from the first frame, ascending and distinct.

    The last frame is added when it lies more than half a step after the last
    sample, so the model always sees how the episode ends.
    """
    if not frames_per_second > 0:
        raise ValueError(f"frames_per_second must be positive, got {frames_per_second}")
    stamps = np.asarray(stamps, dtype=np.float64)
    step = 1.0 / frames_per_second
    count = math.floor((stamps[-1] - stamps[0]) / step + 1e-9) + 1
    times = stamps[0] + np.arange(count) * step
    if stamps[-1] - times[-1] > step / 2:
        times = np.append(times, stamps[-1])
    return np.unique(nearest_frames(stamps, times))


def split_windows(count: int, max_frames: int, overlap: int) -> list[range]:
    """Cover positions 0..count-1 with as few windows of ≤ `max_frames` as possible.

    Consecutive windows share `overlap` positions (so a subtask cut by a window
    edge is seen whole by one of them) and are balanced in size: no runt last
    window.
    """
    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, got {max_frames}")
    if not 0 <= overlap < max_frames:
        raise ValueError(f"overlap must be within 0..{max_frames - 1}, got {overlap}")
    if count <= max_frames:
        return [range(count)] if count else []
    stride_total = count - overlap
    windows = math.ceil(stride_total / (max_frames - overlap))
    return [
        range(j * stride_total // windows, (j + 1) * stride_total // windows + overlap)
        for j in range(windows)
    ]
