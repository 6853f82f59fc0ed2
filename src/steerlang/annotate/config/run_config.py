"""`steerlang annotate` configuration: LeRobot's `AnnotationPipelineConfig`, flag for flag.

Every `lerobot-annotate` 0.6.1 flag is a field here with its meaning and default
(`--plan.min_subtask_seconds=2`, `--job.target=...`); a setting with no meaning
here is accepted and explained (`notes`), and one asking for what is not built
yet is refused (`check`). The README's flag table lists the deliberate
differences; `commands/annotate.py` maps the older spellings of LeRobot's docs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from steerlang.annotate.config.executor import EXECUTOR_KINDS, ExecutorConfig, JobConfig
from steerlang.annotate.config.modules import (
    DERIVE_TASK_MODES,
    InterjectionsConfig,
    PlanConfig,
    ReasoningConfig,
    VqaConfig,
)
from steerlang.annotate.frames import CoordinateConvention
from steerlang.annotate.modules.answers import INTERJECTION_KINDS
from steerlang.annotate.staging.store import STAGING_DIR
from steerlang.annotate.vlm.config import VlmConfig
from steerlang.annotate.vlm.transformers_backend import VIDEO_REFUSAL
from steerlang.dataset.episode_selection import EpisodeSelection
from steerlang.errors import SteerlangError
from steerlang.language.vqa_shapes import QUESTION_TYPES

COORDINATE_CHOICES = ("auto", *(c.value for c in CoordinateConvention))
# Seeds go to numpy, torch and model servers: a non-negative 63-bit integer suits them all.
SEED_LIMIT = 2**63 - 1


@dataclass
class AnnotateConfig:
    # A Hub dataset, downloaded into a real folder (never annotated inside the HF cache);
    # also where --push_to_hub goes when --new_repo_id is not given.
    repo_id: str | None = None
    new_repo_id: str | None = None  # where --push_to_hub uploads the annotated dataset
    root: Path | None = None  # the local dataset, annotated in place
    # Where the staging lives (default: <root>/.annotate_staging).
    staging_dir: Path | None = None
    # Seeds interjection times, VQA question types and the model's sampling.
    seed: int = 1729
    plan: PlanConfig = field(default_factory=PlanConfig)
    interjections: InterjectionsConfig = field(default_factory=InterjectionsConfig)
    vqa: VqaConfig = field(default_factory=VqaConfig)
    reasoning: ReasoningConfig = field(default_factory=ReasoningConfig)
    vlm: VlmConfig = field(default_factory=VlmConfig)
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    job: JobConfig = field(default_factory=JobConfig)
    # Write even if validating the staging finds errors.
    skip_validation: bool = False
    # Annotate only these episodes (e.g. 0-4,9 or [3,7]); the others keep what they have.
    only_episodes: EpisodeSelection | None = None
    # LeRobot's keyframe decoder choice (torchcodec or pyav); PyAV decodes everything here.
    video_backend: str | None = None
    push_to_hub: bool = False  # upload the annotated dataset to the Hub afterwards
    push_private: bool = False  # create the Hub repo as private
    # Commit message of the upload (default: "Add steerlang language annotations").
    push_commit_message: str | None = None
    # Write what succeeded even if some episodes failed (exit code 0).
    allow_partial: bool = False
    # Print calls, images and an estimate of vision tokens per module, then exit.
    dry_run: bool = False

    def notes(self) -> list[str]:
        """One line per setting that is accepted but means nothing here, and why."""
        found = []
        if self.job != JobConfig():
            found.append(
                "--job.* submits LeRobot's run to Hugging Face Jobs; steerlang runs where it "
                "is started (this machine). For a cluster use --executor.kind=slurm|ray."
            )
        if self.video_backend is not None:
            found.append(
                f"--video_backend={self.video_backend} has no effect: PyAV decodes every "
                "video here."
            )
        if self.plan.task_aug_axes.enabled:
            found.append(
                "--plan.task_aug_axes (five-axis task augmentation) is not implemented here; "
                f"task_aug rows come from --plan.n_task_rephrasings={self.plan.n_task_rephrasings}."
            )
        return found

    def check(self) -> None:
        """Refuse, in one line, what a run cannot do (before anything is read or asked)."""
        if self.root is None and self.repo_id is None:
            raise SteerlangError("pass --root=PATH (a LeRobot v3.0 dataset) or --repo_id=ORG/NAME")
        for flag, chosen, known in (
            ("--interjections.kinds", self.interjections.kinds, INTERJECTION_KINDS),
            ("--vqa.question_types", self.vqa.question_types, QUESTION_TYPES),
        ):
            for kind in chosen:
                if kind not in known:
                    raise SteerlangError(f"{flag}: {kind!r} is not one of {known}")
        if not self.vqa.question_types:
            raise SteerlangError("--vqa.question_types needs at least one type")
        for name, low, high, low_open in NUMERIC_RANGES:
            value = self.setting(name)
            if value is not None:
                _check_range(f"--{name}", value, low, high, low_open)
        if self.plan.window_overlap_frames >= self.plan.window_frames():
            raise SteerlangError(
                "--plan.window_overlap_frames must be below the frames of a window "
                f"({self.plan.window_frames()}: --plan.max_frames_per_prompt, "
                "--plan.subtask_window_seconds)"
            )
        for flag, value, choices in (
            ("--vqa.coordinates", self.vqa.coordinates, COORDINATE_CHOICES),
            ("--plan.derive_task_from_video", self.plan.derive_task_from_video, DERIVE_TASK_MODES),
            ("--executor.kind", self.executor.kind, EXECUTOR_KINDS),
        ):
            if value not in choices:
                raise SteerlangError(f"{flag} must be one of {choices} (got {value!r})")
        self._check_visual_input()
        self.plan.vocabulary()  # a bad label file is said now, before any model call
        if self.vqa.restrict_to_default_camera and self.vqa.cameras:
            raise SteerlangError(
                "--vqa.restrict_to_default_camera and --vqa.cameras both choose the VQA "
                "cameras; pass one of them"
            )

    def _check_visual_input(self) -> None:
        plan = self.plan
        if plan.visual_input == "contact_sheets":
            return
        if self.vlm.backend == "transformers":
            raise SteerlangError(VIDEO_REFUSAL)
        if plan.window_overlap_frames >= plan.video_window_frames():
            raise SteerlangError(
                "--plan.window_overlap_frames must be below the frames of a video block "
                f"({plan.video_window_frames()}: --plan.max_video_frames, "
                "--plan.subtask_window_seconds)"
            )

    def setting(self, name: str) -> Any:
        """The value of a dotted setting such as `plan.frames_per_second`."""
        value: Any = self
        for part in name.split("."):
            value = getattr(value, part)
        return value

    def staging_path(self, root: Path) -> Path:
        return self.staging_dir if self.staging_dir is not None else root / STAGING_DIR


# (setting, lowest, highest or None, lowest excluded) of every number a run uses: a value
# out of range is refused before the run, not met as a crash halfway through it
NUMERIC_RANGES: tuple[tuple[str, float, float | None, bool], ...] = (
    ("seed", 0, SEED_LIMIT, False),
    ("plan.n_task_rephrasings", 0, None, False),
    ("plan.derive_task_min_words", 0, None, False),
    ("plan.frames_per_second", 0, None, True),
    ("plan.max_frames_per_prompt", 2, None, False),
    ("plan.subtask_window_seconds", 0, None, False),
    ("plan.window_overlap_frames", 0, None, False),
    ("plan.contact_sheet_columns", 1, None, False),
    ("plan.contact_sheet_frames_per_sheet", 1, None, False),
    ("plan.contact_sheet_frame_width", 32, None, False),
    ("plan.contact_sheet_quality", 1, 100, False),
    ("plan.min_subtask_seconds", 0, None, False),
    ("plan.plan_max_steps", 1, None, False),
    ("plan.subtask_relabel_frames", 1, None, False),
    ("plan.max_video_frames", 2, None, False),
    ("plan.use_video_url_fps", 0, None, True),
    ("plan.video_frame_width", 0, None, False),
    ("interjections.max_interjections_per_episode", 0, None, False),
    ("interjections.interjection_min_t", 0, None, False),
    ("interjections.interjection_window_seconds", 0, None, True),
    ("interjections.interjection_window_frames", 1, None, False),
    ("vqa.vqa_emission_hz", 0, None, True),
    ("vqa.K", 1, None, False),
    ("vqa.max_side", 0, None, False),
    ("vqa.jpeg_quality", 1, 100, False),
    ("reasoning.max_side", 0, None, False),
    ("reasoning.jpeg_quality", 1, 100, False),
    ("vlm.serve_port", 0, 65535, False),
    ("vlm.num_gpus", 0, None, False),
    ("vlm.serve_ready_timeout_s", 0, None, True),
    ("vlm.max_model_len", 1, None, False),
    ("vlm.tensor_parallel_size", 1, None, False),
    ("vlm.gpu_memory_utilization", 0, 1, True),
    ("vlm.timeout_s", 0, None, True),
    ("vlm.temperature", 0, None, False),
    ("executor.episode_parallelism", 1, None, False),
    ("executor.auto_threshold", 0, None, False),
    ("executor.tasks", 1, None, False),
    ("executor.workers", 1, None, False),
    ("executor.gpus_per_task", 0, None, False),
    ("executor.cpus_per_task", 1, None, False),
    ("executor.mem_per_cpu_gb", 1, None, False),
    ("executor.progress_interval_s", 0, None, True),
    ("executor.frame_workers", 1, None, False),
    ("executor.frame_cache_mb", 0, None, False),
)


def _check_range(flag: str, value: float, low: float, high: float | None, low_open: bool) -> None:
    if not math.isfinite(value):
        raise SteerlangError(f"{flag} must be a finite number (got {value})")
    if low_open and value <= low:
        raise SteerlangError(f"{flag} must be > {low} (got {value})")
    if value < low:
        raise SteerlangError(f"{flag} must be at least {low} (got {value})")
    if high is not None and value > high:
        raise SteerlangError(f"{flag} must be in {low}..{high} (got {value})")


def module_settings(config: AnnotateConfig, module: str) -> dict[str, Any]:
    """The settings that shape one module's output (its staging fingerprint input)."""
    settings = asdict(getattr(config, module))
    settings.pop("enabled", None)
    # the kept subtasks themselves are in the plan fingerprint (scheduler.module_inputs)
    settings.pop("keep_subtasks", None)
    # the vocabulary's labels shape the output, not where the file is; without one the
    # settings are what they were before the flag existed, so earlier staging stays current
    if settings.pop("subtask_labels", None) is not None:
        settings["subtask_vocabulary"] = list(config.plan.vocabulary() or ())
    return settings
