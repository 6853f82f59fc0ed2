"""How long `steerlang synth` takes to build a dataset.

Full size: 200 episodes × 10 s × 2 cameras (640×480 + 320×240) at 30 fps, AV1
(target: under 3 minutes on this 2-core machine). `--quick`: 6 episodes × 4 s.
Prints `synth_seconds: <x>` and the frame throughput.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from steerlang.dataset.synth import SynthConfig, synthesize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run (well under 30 s)")
    args = parser.parse_args()
    episodes, seconds = (6, 4.0) if args.quick else (200, 10.0)
    workdir = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    try:
        config = SynthConfig(
            out=workdir / "dataset",
            episodes=episodes,
            seconds=(seconds, seconds),
            fps=30,
            codec="av1",
            episodes_per_file=10,
        )
        started = time.perf_counter()
        synthesize(config)
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    frames = episodes * round(seconds * 30)
    print(f"synth_episodes: {episodes}")
    print(f"synth_camera_frames: {frames * len(config.cameras)}")
    print(f"synth_seconds: {elapsed:.2f}")
    print(f"synth_camera_frames_per_second: {frames * len(config.cameras) / elapsed:.0f}")


if __name__ == "__main__":
    main()
