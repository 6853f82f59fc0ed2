"""The same annotate workload inline, as a local datatrove job of 4 tasks, and on Slurm.

Like a cluster where every task has its own GPU server: each run auto-serves the
simulated VLM per task (`steerlang sim-server` as `--vlm.serve_command`) with a fixed
latency per call and a fixed number of slots (requests answered at once), so an
inline run has one server's capacity and a 4-task job four servers'. Full size: 32
episodes of 2-3 s in 16 video files, 1.5 s per call, 1 slot per server; `--quick`: 8
episodes, 0.4 s, 1 slot. Prints `inline_seconds`, `local4_seconds`, `slurm4_seconds`,
`local4_speedup` and `slurm4_speedup` (inline / job; target for local4: ≥ 3), and
checks every job wrote the same data/ and meta/ files as the inline run (the run
record aside). slurm4 runs where `sinfo` reaches a cluster (`scripts/local_slurm.sh
start` makes one; set SLURM_CONF if it says so), and is skipped with the reason
otherwise; on the 2-CPU test node only two of its tasks run at once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

from steerlang.dataset.synth import CameraSpec, SynthConfig, synthesize  # noqa: E402
from steerlang.language.run_records import RUNS_PATH  # noqa: E402

NO_SERVER = "http://127.0.0.1:9/v1"  # nothing answers: every run auto-serves its own


def serve_command(dataset: Path, latency_ms: int, slots: int) -> str:
    return (
        f"{sys.executable} -m steerlang.commands.cli sim-server --dataset {dataset} "
        f"--port {{port}} --latency_ms {latency_ms} --slots {slots}"
    )


def run(root: Path, flags: list[str]) -> float:
    """Seconds one `steerlang annotate` takes; raises with its output when it fails."""
    argv = [sys.executable, "-m", "steerlang.commands.cli", "annotate", f"--root={root}", *flags]
    began = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return seconds


def same_files(a: Path, b: Path) -> bool:
    def files(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes()
            for folder in ("data", "meta")
            for p in sorted((root / folder).rglob("*"))
            if p.is_file() and p.relative_to(root) != RUNS_PATH
        }

    return files(a) == files(b)


def slurm_reason() -> str | None:
    """Why slurm4 cannot run here, or None."""
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return "no Slurm client commands (sbatch, sinfo) on PATH"
    try:
        probe = subprocess.run(
            ["sinfo", "-h", "-o", "%P"], capture_output=True, text=True, timeout=20
        )
    except subprocess.TimeoutExpired:
        return "no Slurm cluster answers (sinfo waited 20 s)"
    if probe.returncode != 0 or not probe.stdout.strip():
        said = (probe.stderr.strip().splitlines() or ["sinfo printed nothing"])[-1]
        return f"no Slurm cluster answers ({said})"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    episodes, latency_ms, slots = (8, 400, 1) if args.quick else (32, 1500, 1)
    with tempfile.TemporaryDirectory(prefix="bench_distributed_") as tmp:
        source = Path(tmp) / "source"
        synthesize(
            SynthConfig(
                out=source,
                episodes=episodes,
                seconds=(2.0, 3.0),
                cameras=(CameraSpec("top", 96, 72),),
                episodes_per_file=2,
                codec="mpeg4",
            )
        )
        common = [
            "--vlm.model_id=steerlang-sim",
            f"--vlm.api_base={NO_SERVER}",
            f"--vlm.serve_command={serve_command(source, latency_ms, slots)}",
            "--vlm.cache=false",
        ]
        job = ["--executor.tasks=4", "--executor.gpus_per_task=0", "--executor.cpus_per_task=1"]
        print(
            f"workload: {episodes} episodes, {latency_ms} ms per call, {slots} slot(s) per server"
        )
        results: dict[str, float] = {}
        roots: dict[str, Path] = {}
        plans = {
            "inline": ["--executor.kind=inline"],
            "local4": ["--executor.kind=local", "--executor.workers=4", *job],
        }
        reason = slurm_reason()
        if reason is None:
            plans["slurm4"] = ["--executor.kind=slurm", "--executor.mem_per_cpu_gb=1", *job]
        for name, flags in plans.items():
            roots[name] = Path(tmp) / name
            shutil.copytree(source, roots[name])
            results[name] = run(roots[name], common + flags)
            print(f"{name}_seconds: {results[name]:.1f}", flush=True)
        if reason is not None:
            print(f"slurm4_seconds: skipped ({reason})")
        for name in ("local4", "slurm4"):
            if name in results:
                print(f"{name}_speedup: {results['inline'] / results[name]:.2f}")
                print(f"{name}_same_files_as_inline: {same_files(roots['inline'], roots[name])}")


if __name__ == "__main__":
    main()
