"""How close `steerlang annotate` gets to keeping the model servers saturated.

Full size: 40 episodes × 20 s, 2 cameras (640×480 top, 320×240 wrist, AV1),
the simulated VLM over HTTP with 300 ms latency per call, 16 calls in flight,
default module settings. The ideal is every call's latency spent with all 16
slots busy: `total calls × 0.3 / 16`. Prints `pipeline_seconds`,
`pipeline_ideal_seconds`, `pipeline_ratio` (target ≤ 1.2), for the default
config `calls_per_episode`, `images_per_episode`, `image_kb_per_episode`, and
`pipeline_peak_rss_tree_mb`: the peak of the summed RSS of this process, its
frame workers and the sim server (sampled every 50 ms; `getrusage` would give
the largest single process, not the tree at one moment). Then, per segmentation
input (`--plan.visual_input`), what subtask segmentation alone sends per episode
(a plan-only run, in-process simulator): `input_<mode>_image_kb_per_episode`
(every image and video byte) and `input_<mode>_videos_per_episode`.
`--quick`: 6 episodes × 8 s.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

LATENCY_S = 0.3
CONCURRENCY = 16
VISUAL_INPUTS = ("contact_sheets", "video_frames", "video_clip")
RSS_SAMPLE_S = 0.05
MB = 1024 * 1024


class TreePeakRss:
    """While entered, samples the summed RSS of this process and its descendants on a
    thread and keeps the peak (pages shared by several processes count in each)."""

    def __init__(self) -> None:
        import psutil  # here: the spawned frame workers re-import this file

        self._psutil = psutil
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="rss-sampler", daemon=True)

    def __enter__(self) -> TreePeakRss:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _watch(self) -> None:
        while not self._stop.wait(RSS_SAMPLE_S):
            self._sample()

    def _sample(self) -> None:
        me = self._psutil.Process()
        total = 0
        for process in (me, *me.children(recursive=True)):
            try:
                total += process.memory_info().rss
            except self._psutil.NoSuchProcess:  # exited since it was listed
                continue
        self.peak_bytes = max(self.peak_bytes, total)


def main() -> None:
    from steerlang.dataset.synth import SynthConfig, synthesize

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run (well under 30 s)")
    parser.add_argument("--dataset", type=Path, help="reuse a dataset built by an earlier run")
    args = parser.parse_args()
    episodes, seconds = (6, 8.0) if args.quick else (40, 20.0)
    workdir = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    try:
        source = args.dataset or workdir / "source"
        if args.dataset is None:
            synthesize(SynthConfig(out=source, episodes=episodes, seconds=(seconds, seconds)))
        root = workdir / "dataset"
        shutil.copytree(source, root, ignore=shutil.ignore_patterns(".annotate_staging"))
        figures = {**run(root), **input_figures(root, workdir)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name}: {value}")


def run(root: Path) -> dict[str, float]:
    # imported here, not at the top: the frame workers are spawned (this process runs a
    # thread for the server's log) and re-import this file as their main module; like the
    # `steerlang` command's workers, they should import only the frame code
    from steerlang.annotate.config.run_config import AnnotateConfig
    from steerlang.annotate.run import annotate_dataset
    from steerlang.annotate.vlm.config import VlmConfig
    from steerlang.sim.engine import SIM_MODEL_ID
    from steerlang.sim.server_process import SimServerProcess

    server = SimServerProcess(root, latency_ms=LATENCY_S * 1000)
    with TreePeakRss() as rss:
        api_base = server.start()
        try:
            config = AnnotateConfig(
                root=root,
                vlm=VlmConfig(
                    backend="openai",
                    model_id=SIM_MODEL_ID,
                    api_base=api_base,
                    auto_serve=False,
                    client_concurrency=CONCURRENCY,
                    cache=False,
                ),
            )
            started = time.perf_counter()
            result = asyncio.run(annotate_dataset(config, io.StringIO()))
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
    record = result.record or {}
    calls = sum(stats["calls"] for stats in record["calls"].values())
    episodes = len(result.outcomes)
    ideal = calls * LATENCY_S / CONCURRENCY
    return {
        "pipeline_episodes": episodes,
        "pipeline_failed_episodes": len(result.failed),
        "pipeline_calls": calls,
        "pipeline_seconds": round(elapsed, 2),
        "pipeline_ideal_seconds": round(ideal, 2),
        "pipeline_ratio": round(elapsed / ideal, 3),
        "calls_per_episode": round(calls / episodes, 1),
        "images_per_episode": round(record["images"]["sent"] / episodes, 1),
        "image_kb_per_episode": round(record["images"]["bytes"] / 1024 / episodes, 1),
        "pipeline_peak_rss_tree_mb": round(rss.peak_bytes / MB),
    }


def input_figures(root: Path, workdir: Path) -> dict[str, float]:
    """Bytes and video blocks segmentation sends per episode, per visual input."""
    from steerlang.annotate.config.modules import InterjectionsConfig, PlanConfig, VqaConfig
    from steerlang.annotate.config.run_config import AnnotateConfig
    from steerlang.annotate.run import annotate_dataset
    from steerlang.annotate.vlm.config import VlmConfig

    figures = {}
    for mode in VISUAL_INPUTS:
        config = AnnotateConfig(
            root=root,
            staging_dir=workdir / f"staging_{mode}",  # nothing reused from another run
            plan=PlanConfig(visual_input=mode),
            interjections=InterjectionsConfig(enabled=False),
            vqa=VqaConfig(enabled=False),
            vlm=VlmConfig(backend="sim", cache=False),
        )
        result = asyncio.run(annotate_dataset(config, io.StringIO()))
        images = (result.record or {})["images"]
        episodes = len(result.outcomes)
        figures[f"input_{mode}_image_kb_per_episode"] = round(images["bytes"] / 1024 / episodes, 1)
        figures[f"input_{mode}_videos_per_episode"] = round(images["videos"] / episodes, 1)
    return figures


if __name__ == "__main__":
    main()
