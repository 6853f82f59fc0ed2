"""Renderer throughput: canonical `subtask_mem_vqa_speech` on a synthetic annotated episode.

The episode has 30 persistent rows (task_aug, plans, subtasks, memories), an
interjection with its speech atom, and VQA pairs on two cameras. Printed figures
(`name: value`), all measured in the same run:

- render_us_per_sample: `RenderStep(sample)` per frame, episode index cached
  (the steady state in training), samples already converted to Python.
- arrow_to_python_us_per_sample: reading that sample's two language lists out
  of Arrow (`.as_py()`), i.e. what the data loader pays anyway.
- render_us_per_sample_300_rows: the render figure with 300 persistent rows.
- plus the 300/30 ratio, the render/arrow ratio, and the cost when the episode
  index cannot be cached (a sample without `episode_index`: rebuilt per call).

Each figure is the best of several rounds (the machines are noisy).
Usage: python bench/bench_render.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steerlang.render import RenderStep
from steerlang.schema import EVENTS_COLUMN, PERSISTENT_COLUMN
from tests.render_fixtures import (
    CAMERAS,
    EpisodeSpec,
    episode_columns,
    samples_of,
    standard_episode,
)

FPS = 30
N_FRAMES = 900
RECIPE = "subtask_mem_vqa_speech"


def episode_with_rows(n_rows: int) -> EpisodeSpec:
    """3 task_aug + 2 plans + n subtasks + (n - 1) memories = n_rows persistent rows."""
    n_subtasks = (n_rows - 5 + 1) // 2
    spec = standard_episode(0, N_FRAMES, FPS, n_subtasks=n_subtasks, cameras=CAMERAS, vqa_every=10)
    assert len(spec.persistent) == n_rows, len(spec.persistent)
    return spec


def best_us_per_item(run: Callable[[], int], rounds: int) -> float:
    """Best per-item time over `rounds` runs of `run` (which returns its item count).

    The objects built so far are frozen out of the cyclic GC first: otherwise a
    collection triggered mid-run walks every row of the fixture, and the figure
    measures the fixture's size instead of the renderer.
    """
    gc.collect()
    gc.freeze()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        items = run()
        best = min(best, (time.perf_counter() - start) / items)
    gc.unfreeze()
    return best * 1e6


def render_figure(spec: EpisodeSpec, rounds: int, repeats: int) -> float:
    samples = samples_of(spec, FPS)
    step = RenderStep(RECIPE, camera_keys=CAMERAS)
    rendered = sum(step(sample)["messages"] is not None for sample in samples)  # warm the index
    assert rendered > len(samples) // 2, rendered

    def run() -> int:
        for _ in range(repeats):
            for sample in samples:
                step(sample)
        return repeats * len(samples)

    return best_us_per_item(run, rounds)


def arrow_figure(spec: EpisodeSpec, rounds: int) -> float:
    persistent, events = episode_columns(spec)
    n = len(persistent)

    def run() -> int:
        for i in range(n):
            persistent[i].as_py()
            events[i].as_py()
        return n

    return best_us_per_item(run, rounds)


def uncached_figure(spec: EpisodeSpec, rounds: int) -> float:
    rows = samples_of(spec, FPS)[0][PERSISTENT_COLUMN]
    step = RenderStep(RECIPE, camera_keys=CAMERAS)
    sample = {"index": 0, "timestamp": 0.0, "task": "t", PERSISTENT_COLUMN: rows, EVENTS_COLUMN: []}

    def run() -> int:
        for _ in range(20):
            step(sample)  # no episode_index: the index is rebuilt for every call
        return 20

    return best_us_per_item(run, rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (finishes in seconds)")
    args = parser.parse_args(argv)
    rounds, repeats = (3, 1) if args.quick else (7, 5)

    small, large = episode_with_rows(30), episode_with_rows(300)
    render_figure(small, 1, 1)  # warm-up: the first timed loop of a process runs slow
    render_30 = render_figure(small, rounds, repeats)
    arrow_30 = arrow_figure(small, rounds)
    render_300 = render_figure(large, rounds, repeats)
    uncached_30 = uncached_figure(small, rounds)

    print(f"samples_per_round: {N_FRAMES * repeats}")
    print(f"render_us_per_sample: {render_30:.2f}")
    print(f"arrow_to_python_us_per_sample: {arrow_30:.2f}")
    print(f"render_us_per_sample_300_rows: {render_300:.2f}")
    print(f"ratio_300_over_30_rows: {render_300 / render_30:.3f}")
    print(f"ratio_render_over_arrow_to_python: {render_30 / arrow_30:.3f}")
    print(f"render_us_per_sample_uncached: {uncached_30:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
