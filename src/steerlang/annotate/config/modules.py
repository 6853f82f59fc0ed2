"""`--plan.*`, `--interjections.*`, `--vqa.*`, `--reasoning.*`: what each module asks and how.

Names, meanings and defaults are `lerobot-annotate` 0.6.1's where the concept is
the same; the README's flag table lists every deliberate difference, and a test
holds it to these dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from steerlang.annotate.modules.answers import INTERJECTION_KINDS
from steerlang.language.subtask_vocabulary import read_vocabulary
from steerlang.language.vqa_shapes import QUESTION_TYPES

DERIVE_TASK_MODES = ("off", "if_short", "always")
VisualInput = Literal["contact_sheets", "video_frames", "video_clip"]
# older spellings of derive_task_from_video (a boolean before LeRobot 0.6.1's three modes)
DERIVE_TASK_BOOLEANS = {"true": "always", "false": "off"}


@dataclass
class TaskAugAxesConfig:
    """LeRobot's EgoMimic-style five-axis task augmentation (replaces n_task_rephrasings
    when enabled). Not implemented here: enabling it says so, and task_aug rows come
    from --plan.n_task_rephrasings."""

    enabled: bool = False
    synonym_paraphrase: int = 3
    omit_arm: int = 3
    omit_orientation: int = 2
    omit_grasp_method: int = 2
    combined_omissions: int = 2


@dataclass
class PlanConfig:
    enabled: bool = True
    # task_aug paraphrases of the task at t0 (0 disables).
    n_task_rephrasings: int = 10
    # When the plan module works from a task derived from the video instead of the stored
    # one: off, if_short (the stored task is empty, a placeholder or shorter than
    # derive_task_min_words words) or always; true/false mean always/off.
    derive_task_from_video: str = "if_short"
    derive_task_min_words: int = 3
    # Frames per second sampled into contact sheets for segmentation.
    frames_per_second: float = 2.0
    # Frames per segmentation call; longer episodes are split into windows of at most this
    # many frames (same density) and stitched.
    max_frames_per_prompt: int = 60
    # Split long episodes into windows of this many seconds instead (0: by
    # max_frames_per_prompt alone; the smaller window wins).
    subtask_window_seconds: float = 0.0
    # Frames shared by consecutive windows, so a subtask cut by a window edge is seen whole.
    window_overlap_frames: int = 2
    contact_sheet_columns: int = 5
    # Frames per contact sheet: a call's frames come on several sheets of at most this many.
    contact_sheet_frames_per_sheet: int = 20
    # Width in pixels of each frame on a contact sheet.
    contact_sheet_frame_width: int = 224
    # JPEG quality of the contact sheets.
    contact_sheet_quality: int = 84
    # Subtasks shorter than this are merged into a neighbour.
    min_subtask_seconds: float = 1.5
    # At most this many subtasks (and plan steps).
    plan_max_steps: int = 8
    # Describe what each frame shows first, and segment with that description in the
    # prompt (+1 call per window).
    subtask_describe_first: bool = True
    # Re-ask each span's label with only that span's frames (+1 call per subtask).
    subtask_seeded_relabel: bool = False
    # Frames spread over a span for its relabel call.
    subtask_relabel_frames: int = 5
    emit_plan: bool = True
    emit_memory: bool = True
    task_aug_axes: TaskAugAxesConfig = field(default_factory=TaskAugAxesConfig)
    # Keep the subtasks of the episode's staged plan output (imported, edited or earlier) and
    # fill in the rest around them, instead of asking the model to segment.
    keep_subtasks: bool = False
    # What segmentation (describe, segment, relabel) shows the model: contact_sheets
    # (timestamped grids of frames), video_frames (the frames at frames_per_second as one
    # video block) or video_clip (the episode's mp4, stream-copied, read at
    # use_video_url_fps). Long episodes are windowed alike in all three.
    visual_input: VisualInput = "contact_sheets"
    # At most this many frames in one video block; longer episodes are split into windows
    # (unset: max_frames_per_prompt). Setting it alone selects video_frames (LeRobot's
    # pre-0.6.1 --module_1.max_video_frames).
    max_video_frames: int | None = None
    # true selects video_clip (LeRobot's pre-0.6.1 --module_1.use_video_url).
    use_video_url: bool = False
    # The rate the server reads a clip at (sent as vLLM's fps hint).
    use_video_url_fps: float = 1.0
    # Width in pixels of each frame of a video_frames block (0: the camera's own).
    video_frame_width: int = 448
    # A closed label vocabulary (one label per line, or a YAML list): every subtask label is
    # one of these (an enum in the answer schema), and export-legacy numbers them in order.
    subtask_labels: Path | None = None

    def __post_init__(self) -> None:
        if isinstance(self.derive_task_from_video, bool):
            self.derive_task_from_video = str(self.derive_task_from_video)
        spelled = self.derive_task_from_video.strip().lower()
        self.derive_task_from_video = DERIVE_TASK_BOOLEANS.get(spelled, spelled)
        if self.visual_input == "contact_sheets":  # LeRobot's older flags choose video input
            if self.use_video_url:
                self.visual_input = "video_clip"
            elif self.max_video_frames is not None:
                self.visual_input = "video_frames"

    def window_frames(self) -> int:
        """The most frames one contact-sheet call shows."""
        return self._window(self.max_frames_per_prompt, self.frames_per_second)

    def video_rate(self) -> float:
        """Frames per second of a video block (video_frames, video_clip)."""
        return (
            self.use_video_url_fps if self.visual_input == "video_clip" else self.frames_per_second
        )

    def video_window_frames(self) -> int:
        """The most frames one video block holds."""
        return self._window(self.max_video_frames or self.max_frames_per_prompt, self.video_rate())

    def _window(self, most: int, rate: float) -> int:
        """`most` frames, or fewer when subtask_window_seconds at `rate` asks for fewer."""
        if self.subtask_window_seconds <= 0:
            return most
        return max(2, min(most, round(self.subtask_window_seconds * rate)))

    def vocabulary(self) -> tuple[str, ...] | None:
        """The labels of `--plan.subtask_labels` in order (None without the flag); a bad file
        is one `SteerlangError` line."""
        if self.subtask_labels is None:
            return None
        return read_vocabulary(self.subtask_labels, "--plan.subtask_labels")


@dataclass
class InterjectionsConfig:
    enabled: bool = True
    # Speak an acknowledgement at the first frame.
    initial_speech: bool = True
    # Each is an (interjection, speech) pair plus a plan refresh at its frame.
    max_interjections_per_episode: int = 3
    # No interjection before this time (seconds of episode time).
    interjection_min_t: float = 2.0
    # Seconds of video around the moment shown to the model, centred on it.
    interjection_window_seconds: float = 2.0
    # Frames spread over that window.
    interjection_window_frames: int = 4
    kinds: list[str] = field(default_factory=lambda: list(INTERJECTION_KINDS))


@dataclass
class VqaConfig:
    enabled: bool = True
    # Question ticks per second of episode time.
    vqa_emission_hz: float = 1.0
    # Consecutive frames asked about at each tick.
    K: int = 1
    question_types: list[str] = field(default_factory=lambda: list(QUESTION_TYPES))
    # Ask only about the camera the other modules show (--vlm.camera_key, else the first).
    restrict_to_default_camera: bool = False
    # Cameras asked about (empty: every colour camera of the dataset).
    cameras: list[str] = field(default_factory=list)
    # Also ask about depth views (`is_depth_map`); prompts still prefer a colour camera.
    include_depth: bool = False
    # Longest side of the frame sent (0: the source resolution).
    max_side: int = 640
    # JPEG quality of the frame sent.
    jpeg_quality: int = 85
    # How the model writes coordinates: auto (from --vlm.model_id), pixels (of the image sent),
    # qwen25_resized (Qwen2.5-VL) or normalized_1000 (Qwen2-VL, Qwen3-VL). Answers are stored
    # in source pixels whatever the model used.
    coordinates: str = "auto"


@dataclass
class ReasoningConfig:
    """ECoT-style reasoning traces (off by default: LeRobot 0.6.1 reads the `reasoning`
    style only after it is registered, see the README)."""

    # Write, per subtask span, the task, plan, subtask and why, move primitive, gripper target
    # and visible objects with boxes (style `reasoning`). Boxes and points follow
    # --vqa.coordinates, like VQA answers.
    enabled: bool = False
    # Longest side of the frame sent (0: the source resolution).
    max_side: int = 640
    # JPEG quality of the frame sent.
    jpeg_quality: int = 85
