"""`--executor.*` (where and how wide a run goes) and LeRobot's `--job.*` (accepted, explained).

`kind` picks the executor: `inline` runs in this process; `local`, `slurm` and
`ray` are datatrove's executors (`annotate/executors`): the same work in ranks,
as local processes, Slurm array jobs or Ray tasks. `auto` is inline unless the run
has more than `auto_threshold` episodes and a Slurm partition is named (LeRobot's
rule, with `force_local` winning), in which case it is slurm.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

EXECUTOR_KINDS = ("auto", "inline", "local", "slurm", "ray")
DISTRIBUTED = ("local", "slurm", "ray")
INSTALL = "pip install 'steerlang[distributed]'"
SLURM_COMMANDS = ("sbatch", "squeue", "scancel", "sinfo")


@dataclass
class ExecutorConfig:
    # inline: this process; local, slurm, ray: datatrove's executors; auto: see auto_threshold.
    kind: Literal["auto", "inline", "local", "slurm", "ray"] = "auto"
    # Episodes in progress at once (their frames and contact sheets are held meanwhile).
    episode_parallelism: int = 16
    # kind=auto runs on Slurm above this many episodes (with --executor.partition); also
    # the episodes per task when --executor.tasks is not given.
    auto_threshold: int = 32
    # kind=auto always runs here (inline).
    force_local: bool = False
    # Ranks the episodes (whole video files) and shards are split into (default: one per
    # auto_threshold episodes, at most one per video file).
    tasks: int | None = None
    # Ranks running at once (default: local, ray: every task; slurm: no limit).
    workers: int | None = None
    # Where the job keeps logs, completion markers and reports (default: a folder under
    # the staging folder named after the job, so rerunning the same command resumes it).
    logging_dir: Path | None = None
    # Slurm partition (alias slurm_partition; default: the cluster's default partition).
    partition: str | None = None
    # GPUs per Slurm or Ray task (alias slurm_gpus; default: 1 on Slurm, 0 on Ray).
    gpus_per_task: int | None = None
    # CPUs per Slurm or Ray task.
    cpus_per_task: int = 2
    # Memory per CPU of a Slurm or Ray task, in GB.
    mem_per_cpu_gb: int = 4
    # Wall-clock limit of a Slurm task, HH:MM:SS (alias slurm_time).
    time: str = "06:00:00"
    # Slurm job name (each step adds its own suffix).
    job_name: str = "steerlang-annotate"
    # More sbatch options, e.g. {"account": "proj", "constraint": "a100"}.
    sbatch_args: dict[str, str] | None = None
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
        if self.force_local or self.partition is None or episodes <= self.auto_threshold:
            return "inline"
        return "slurm"

    def may_distribute(self) -> bool:
        """Whether some run size would leave this process (so the episodes must be counted)."""
        if self.kind == "auto":
            return not self.force_local and self.partition is not None
        return self.kind in DISTRIBUTED

    def resolved_tasks(self, episodes: int, groups: int) -> int:
        """Ranks of a job over `episodes` episodes in `groups` video-file groups."""
        if self.tasks is not None:
            return self.tasks
        return max(1, min(math.ceil(episodes / max(self.auto_threshold, 1)), groups))

    def problem(self, episodes: int) -> str | None:
        """Why this run cannot use the executor it asks for (said before anything is
        submitted), or None when it can."""
        kind = self.resolved_kind(episodes)
        if kind not in DISTRIBUTED:
            return None
        asked = (
            f"--executor.kind=auto chose {kind} ({episodes} episodes > --executor.auto_threshold="
            f"{self.auto_threshold}, --executor.partition={self.partition})"
            if self.kind == "auto"
            else f"--executor.kind={kind}"
        )
        needed = ["datatrove", *(["ray"] if kind == "ray" else [])]
        missing = [name for name in needed if importlib.util.find_spec(name) is None]
        if missing:
            return f"{asked} needs {' and '.join(missing)}: {INSTALL}"
        if kind == "slurm":
            absent = [name for name in SLURM_COMMANDS if shutil.which(name) is None]
            if absent:
                return (
                    f"{asked}: {', '.join(absent)} not found on PATH; run on a Slurm login "
                    "node (or pick --executor.kind=local|ray)"
                )
        return None


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
