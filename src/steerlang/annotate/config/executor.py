"""`--executor.*` (where and how wide a run goes) and LeRobot's `--job.*` (accepted, explained).

`kind` picks the executor: inline and local run in this process; slurm and ray are
the cluster executors (datatrove), not available yet, so choosing them is refused
rather than quietly run here. `auto` is local unless the run has more than
`auto_threshold` episodes and a Slurm partition is named (LeRobot's rule, with
`force_local` winning), in which case it is slurm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EXECUTOR_KINDS = ("auto", "inline", "local", "slurm", "ray")
RUNS_HERE = ("inline", "local")


@dataclass
class ExecutorConfig:
    # inline or local: this process; slurm, ray: a cluster; auto: see auto_threshold.
    kind: Literal["auto", "inline", "local", "slurm", "ray"] = "auto"
    # Episodes in progress at once (their frames and contact sheets are held meanwhile).
    episode_parallelism: int = 16
    # kind=auto runs on Slurm above this many episodes (with --executor.slurm_partition).
    auto_threshold: int = 32
    # kind=auto always runs locally.
    force_local: bool = False
    slurm_partition: str | None = None
    # GPUs per Slurm task.
    slurm_gpus: int = 1
    # Wall-clock limit of a Slurm task (HH:MM:SS).
    slurm_time: str = "06:00:00"
    # Processes of the cluster executors (one process runs here).
    workers: int = 1
    # Print a plain progress line every this many seconds when not on a terminal.
    progress_interval_s: float = 10.0
    # -- frame workers (annotate/frames/sizing.py) --
    # Frame worker processes; default: sized to calls in flight and episodes in progress.
    frame_workers: int | None = None
    # Decoded-frame cache of all frame workers together, in MB (0: none); default 1/64 of RAM.
    frame_cache_mb: int | None = None

    def resolved_kind(self, episodes: int) -> str:
        """The executor a run of `episodes` episodes uses."""
        if self.kind != "auto":
            return self.kind
        if self.force_local or self.slurm_partition is None or episodes <= self.auto_threshold:
            return "local"
        return "slurm"

    def unavailable(self, episodes: int) -> str | None:
        """Why this run cannot use the executor it asks for, or None when it can."""
        kind = self.resolved_kind(episodes)
        if kind in RUNS_HERE:
            return None
        asked = (
            f"--executor.kind=auto chose {kind} ({episodes} episodes > --executor.auto_threshold="
            f"{self.auto_threshold}, --executor.slurm_partition={self.slurm_partition})"
            if self.kind == "auto"
            else f"--executor.kind={kind}"
        )
        return (
            f"{asked}: the {kind} executor is not available yet; run on this machine with "
            "--executor.kind=local (or --executor.force_local)"
        )


@dataclass
class JobConfig:
    """LeRobot's `--job.*` (submit the run to Hugging Face Jobs). Accepted so LeRobot command
    lines run; steerlang runs where it is started, and says so when any of these is set."""

    # None or "local": this machine; otherwise an HF Jobs hardware flavor such as h200.
    target: str | None = None
    image: str = "vllm/vllm-openai:latest"
    timeout: str | None = "2h"
    detach: bool = False
    tags: list[str] = field(default_factory=list)
    lerobot_ref: str = "main"
