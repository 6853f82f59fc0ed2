"""Fidelity of the annotate pipeline, measured by `steerlang eval` against synthetic ground truth.

A synthetic dataset is annotated by the simulated VLM over HTTP with every
noise knob at zero, so its answers are the ground truth; whatever the scores
lose is lost by the pipeline (clamping, stitching, snapping, coordinate
conversion). Prints `fidelity_boundary_f1` (boundary F1 at 0.5 s, target 1.0)
and `fidelity_bbox_iou` (mean IoU of matched boxes, target ≥ 0.99), then the
same figures under one noise knob each, to show the metrics notice.

Then, per segmentation input (`--plan.visual_input`: contact_sheets,
video_frames, video_clip), the boundary F1 of a segmentation-only run with the
noise-free simulator (`input_<mode>_boundary_f1`, target 1.0: each input reaches
the truth through its own windows, prompts and stitching) and with every inner
boundary moved by N(0, 0.5 s) (`input_<mode>_jitter_0.5s_boundary_f1`): the
figures a user compares with `steerlang eval` on their own data. The simulator
draws its jitter per request, so under jitter the inputs differ by their windows
and draws, not by how well a model reads video.
Full size: 12 episodes × 8–12 s, two cameras; `--quick`: 3 episodes × 6–8 s, one camera
(10 for the per-input figures).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from steerlang.dataset.synth import CameraSpec, SynthConfig, synthesize
from steerlang.eval.fidelity import sim_fidelity

QUICK_CAMERAS = (CameraSpec("top", 160, 120),)
FULL_CAMERAS = (CameraSpec("top", 320, 240), CameraSpec("wrist", 160, 120))
NOISY = {
    "jitter": {"boundary_jitter_s": 1.0},
    "label_noise": {"label_noise": 0.3},
    "norm1000_as_pixels": {"coordinates": "norm1000"},
}
VISUAL_INPUTS = ("contact_sheets", "video_frames", "video_clip")
INPUT_JITTER_S = 0.5
JITTER = {"boundary_jitter_s": INPUT_JITTER_S}
INPUT_QUICK_EPISODES = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run (well under 30 s)")
    args = parser.parse_args()
    episodes, seconds, cameras = (3, (6.0, 8.0), QUICK_CAMERAS)
    if not args.quick:
        episodes, seconds, cameras = (12, (8.0, 12.0), FULL_CAMERAS)
    workdir = Path(tempfile.mkdtemp(prefix="bench_eval_"))
    try:
        source = workdir / "source"
        synthesize(SynthConfig(out=source, episodes=episodes, seconds=seconds, cameras=cameras))
        figures = {"fidelity_episodes": episodes, **figures_of("fidelity", source, workdir)}
        if not args.quick:
            for name, knobs in NOISY.items():
                figures.update(figures_of(f"noisy_{name}", source, workdir, **knobs))
        if args.quick:  # segmentation only is fast: enough boundaries for the jitter figure
            source = workdir / "input_source"
            synthesize(
                SynthConfig(
                    out=source, episodes=INPUT_QUICK_EPISODES, seconds=seconds, cameras=cameras
                )
            )
            episodes = INPUT_QUICK_EPISODES
        figures["input_episodes"] = episodes
        for mode in VISUAL_INPUTS:
            for suffix, knobs in (("", {}), (f"_jitter_{INPUT_JITTER_S}s", JITTER)):
                name = f"input_{mode}{suffix}_boundary_f1"
                report = sim_fidelity(
                    source,
                    workdir / name,
                    visual_input=mode,
                    segmentation_only=True,
                    **knobs,
                )
                figures[name] = _round(report["segmentation"]["boundaries"]["0.5s"]["f1"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name}: {value}")


def figures_of(prefix: str, source: Path, workdir: Path, **knobs) -> dict[str, float | None]:
    report = sim_fidelity(source, workdir / prefix, **knobs)
    vqa = report["vqa"]["all"]
    return {
        f"{prefix}_boundary_f1": _round(report["segmentation"]["boundaries"]["0.5s"]["f1"]),
        f"{prefix}_bbox_iou": _round(vqa["bbox_mean_iou"]),
        f"{prefix}_bbox_coverage_iou": _round(vqa["bbox_coverage_iou"]),
        f"{prefix}_bbox_f1": _round(vqa["bbox_f1"]),
        f"{prefix}_label_exact_match": _round(report["labels"]["exact_match"]),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


if __name__ == "__main__":
    main()
