"""What `lerobot-annotate` accepts, written down as facts (LeRobot 0.6.1's
`AnnotationPipelineConfig`, and the spellings of its annotation-pipeline docs before
0.6.1), for the tests that hold steerlang's flags to them."""

from __future__ import annotations

# every field of lerobot-annotate 0.6.1: flag → default
LEROBOT_061_DEFAULTS: dict[str, object] = {
    "repo_id": None,
    "new_repo_id": None,
    "root": None,
    "staging_dir": None,
    "seed": 1729,
    "skip_validation": False,
    "only_episodes": None,
    "video_backend": None,
    "push_to_hub": False,
    "push_private": False,
    "push_commit_message": None,
    "plan.enabled": True,
    "plan.n_task_rephrasings": 10,
    "plan.derive_task_from_video": "if_short",
    "plan.derive_task_min_words": 3,
    "plan.frames_per_second": 2.0,
    "plan.max_frames_per_prompt": 60,
    "plan.contact_sheet_columns": 5,
    "plan.contact_sheet_frames_per_sheet": 20,
    "plan.contact_sheet_frame_width": 224,
    "plan.contact_sheet_quality": 84,
    "plan.min_subtask_seconds": 1.5,
    "plan.plan_max_steps": 8,
    "plan.subtask_describe_first": True,
    "plan.subtask_seeded_relabel": False,
    "plan.subtask_relabel_frames": 5,
    "plan.emit_plan": True,
    "plan.emit_memory": True,
    "plan.task_aug_axes.enabled": False,
    "plan.task_aug_axes.synonym_paraphrase": 3,
    "plan.task_aug_axes.omit_arm": 3,
    "plan.task_aug_axes.omit_orientation": 2,
    "plan.task_aug_axes.omit_grasp_method": 2,
    "plan.task_aug_axes.combined_omissions": 2,
    "interjections.enabled": True,
    "interjections.max_interjections_per_episode": 3,
    "interjections.interjection_min_t": 2.0,
    "interjections.interjection_window_seconds": 2.0,
    "interjections.interjection_window_frames": 4,
    "vqa.enabled": True,
    "vqa.vqa_emission_hz": 1.0,
    "vqa.K": 1,
    "vqa.question_types": ["bbox", "keypoint", "count", "attribute", "spatial"],
    "vqa.restrict_to_default_camera": False,
    "vlm.backend": "openai",
    "vlm.model_id": "Qwen/Qwen3.6-27B",
    "vlm.api_base": "http://localhost:8000/v1",
    "vlm.api_key": "EMPTY",
    "vlm.auto_serve": True,
    "vlm.serve_port": 8000,
    "vlm.serve_command": None,
    "vlm.parallel_servers": 1,
    "vlm.num_gpus": 0,
    "vlm.client_concurrency": 16,
    "vlm.serve_ready_timeout_s": 600.0,
    "vlm.max_new_tokens": 512,
    "vlm.temperature": 0.2,
    "vlm.max_model_len": None,
    "vlm.camera_key": None,
    "vlm.chat_template_kwargs": None,
    "vlm.reasoning_effort": None,
    "executor.episode_parallelism": 16,
    "job.target": None,
    "job.image": "vllm/vllm-openai:latest",
    "job.timeout": "2h",
    "job.detach": False,
    "job.tags": [],
    "job.lerobot_ref": "main",
}

# the flags a steerlang command line spells differently from LeRobot 0.6.1: none
# (steerlang's own earlier names are accepted as aliases)

# (flag as written, where it lands in steerlang, the value it gives there) for a sample
# value of every flag of both generations; a landing of None means the flag is accepted
# and only explained (a note on stderr)
LEROBOT_061_SAMPLES: list[tuple[str, str | None, object]] = [
    ("--repo_id=user/ds", "repo_id", "user/ds"),
    ("--new_repo_id=user/ds_annotated", "new_repo_id", "user/ds_annotated"),
    ("--staging_dir=/tmp/stage", "staging_dir", "/tmp/stage"),
    ("--seed=7", "seed", 7),
    ("--skip_validation=true", "skip_validation", True),
    ("--only_episodes=[1,2]", "only_episodes", [1, 2]),
    ("--video_backend=torchcodec", None, "torchcodec"),
    ("--push_to_hub=true", "push_to_hub", True),
    ("--push_private=true", "push_private", True),
    ("--push_commit_message=Annotate it", "push_commit_message", "Annotate it"),
    ("--plan.enabled=false", "plan.enabled", False),
    ("--plan.n_task_rephrasings=4", "plan.n_task_rephrasings", 4),
    ("--plan.derive_task_from_video=always", "plan.derive_task_from_video", "always"),
    ("--plan.derive_task_from_video=off", "plan.derive_task_from_video", "off"),
    ("--plan.derive_task_min_words=2", "plan.derive_task_min_words", 2),
    ("--plan.frames_per_second=1.5", "plan.frames_per_second", 1.5),
    ("--plan.max_frames_per_prompt=40", "plan.max_frames_per_prompt", 40),
    ("--plan.contact_sheet_columns=4", "plan.contact_sheet_columns", 4),
    ("--plan.contact_sheet_frames_per_sheet=12", "plan.contact_sheet_frames_per_sheet", 12),
    ("--plan.contact_sheet_frame_width=200", "plan.contact_sheet_frame_width", 200),
    ("--plan.contact_sheet_quality=80", "plan.contact_sheet_quality", 80),
    ("--plan.min_subtask_seconds=2", "plan.min_subtask_seconds", 2.0),
    ("--plan.plan_max_steps=6", "plan.plan_max_steps", 6),
    ("--plan.subtask_describe_first=false", "plan.subtask_describe_first", False),
    ("--plan.subtask_seeded_relabel=true", "plan.subtask_seeded_relabel", True),
    ("--plan.subtask_relabel_frames=3", "plan.subtask_relabel_frames", 3),
    ("--plan.emit_plan=false", "plan.emit_plan", False),
    ("--plan.emit_memory=false", "plan.emit_memory", False),
    ("--plan.task_aug_axes.enabled=true", None, True),
    ("--plan.task_aug_axes.synonym_paraphrase=2", "plan.task_aug_axes.synonym_paraphrase", 2),
    ("--plan.task_aug_axes.omit_arm=1", "plan.task_aug_axes.omit_arm", 1),
    ("--plan.task_aug_axes.omit_orientation=1", "plan.task_aug_axes.omit_orientation", 1),
    ("--plan.task_aug_axes.omit_grasp_method=1", "plan.task_aug_axes.omit_grasp_method", 1),
    ("--plan.task_aug_axes.combined_omissions=1", "plan.task_aug_axes.combined_omissions", 1),
    ("--interjections.enabled=false", "interjections.enabled", False),
    (
        "--interjections.max_interjections_per_episode=2",
        "interjections.max_interjections_per_episode",
        2,
    ),
    ("--interjections.interjection_min_t=1", "interjections.interjection_min_t", 1.0),
    (
        "--interjections.interjection_window_seconds=3",
        "interjections.interjection_window_seconds",
        3.0,
    ),
    (
        "--interjections.interjection_window_frames=5",
        "interjections.interjection_window_frames",
        5,
    ),
    ("--vqa.enabled=false", "vqa.enabled", False),
    ("--vqa.vqa_emission_hz=0.5", "vqa.vqa_emission_hz", 0.5),
    ("--vqa.K=2", "vqa.K", 2),
    ("--vqa.question_types=[bbox,count]", "vqa.question_types", ["bbox", "count"]),
    ("--vqa.restrict_to_default_camera=true", "vqa.restrict_to_default_camera", True),
    ("--vlm.backend=openai", "vlm.backend", "openai"),
    ("--vlm.backend=stub", "vlm.backend", "sim"),
    ("--vlm.model_id=Qwen/Qwen3-VL-8B-Instruct", "vlm.model_id", "Qwen/Qwen3-VL-8B-Instruct"),
    ("--vlm.api_base=http://gpu:8000/v1", "vlm.api_base", "http://gpu:8000/v1"),
    ("--vlm.api_key=secret", "vlm.api_key", "secret"),
    ("--vlm.auto_serve=false", "vlm.auto_serve", False),
    ("--vlm.serve_port=9000", "vlm.serve_port", 9000),
    (
        "--vlm.serve_command=vllm serve m --port {port}",
        "vlm.serve_command",
        "vllm serve m --port {port}",
    ),
    ("--vlm.parallel_servers=2", "vlm.parallel_servers", 2),
    ("--vlm.num_gpus=2", "vlm.num_gpus", 2),
    ("--vlm.client_concurrency=8", "vlm.client_concurrency", 8),
    ("--vlm.serve_ready_timeout_s=60", "vlm.serve_ready_timeout_s", 60.0),
    ("--vlm.max_new_tokens=256", "vlm.max_new_tokens", 256),
    ("--vlm.temperature=0.2", "vlm.temperature", 0.2),
    ("--vlm.max_model_len=8192", "vlm.max_model_len", 8192),
    ("--vlm.camera_key=observation.images.top", "vlm.camera_key", "observation.images.top"),
    (
        '--vlm.chat_template_kwargs={"enable_thinking": false}',
        "vlm.chat_template_kwargs",
        {"enable_thinking": False},
    ),
    ("--vlm.reasoning_effort=low", "vlm.reasoning_effort", "low"),
    ("--executor.episode_parallelism=8", "executor.episode_parallelism", 8),
    ("--job.target=h200", None, "h200"),
    ("--job.image=vllm/vllm-openai:v0.9", None, "vllm/vllm-openai:v0.9"),
    ("--job.timeout=8h", None, "8h"),
    ("--job.detach=true", None, True),
    ('--job.tags=["lelab"]', None, ["lelab"]),
    ("--job.lerobot_ref=v0.6.1", None, "v0.6.1"),
]

# the spellings of LeRobot's annotation-pipeline docs and configs before 0.6.1
OLDER_SAMPLES: list[tuple[str, str | None, object]] = [
    ("--module_1.enabled=false", "plan.enabled", False),
    ("--module_2.enabled=false", "interjections.enabled", False),
    ("--module_3.enabled=false", "vqa.enabled", False),
    ("--module_1.frames_per_second=1.0", "plan.frames_per_second", 1.0),
    ("--module_1.n_task_rephrasings=5", "plan.n_task_rephrasings", 5),
    ("--module_1.derive_task_from_video=if_short", "plan.derive_task_from_video", "if_short"),
    ("--module_1.derive_task_min_words=4", "plan.derive_task_min_words", 4),
    ("--module_1.min_subtask_seconds=2", "plan.min_subtask_seconds", 2.0),
    ("--module_1.plan_max_steps=5", "plan.plan_max_steps", 5),
    ("--module_1.use_video_url_fps=2", "plan.use_video_url_fps", 2.0),
    ("--module_1.max_video_frames=32", "plan.max_video_frames", 32),
    ("--module_1.use_video_url=true", "plan.use_video_url", True),
    (
        "--module_2.max_interjections_per_episode=1",
        "interjections.max_interjections_per_episode",
        1,
    ),
    ("--module_2.interjection_min_t=3", "interjections.interjection_min_t", 3.0),
    ("--module_2.interjection_window_seconds=1", "interjections.interjection_window_seconds", 1.0),
    ("--module_2.interjection_window_frames=2", "interjections.interjection_window_frames", 2),
    ("--module_3.vqa_emission_hz=2", "vqa.vqa_emission_hz", 2.0),
    ("--module_3.K=3", "vqa.K", 3),
    ("--module_3.question_types=[count]", "vqa.question_types", ["count"]),
    ("--plan.subtask_window_seconds=30", "plan.subtask_window_seconds", 30.0),
    ("--vlm.backend=vllm", "vlm.backend", "vllm"),
    ("--vlm.backend=transformers", "vlm.backend", "transformers"),
    ("--vlm.tensor_parallel_size=2", "vlm.tensor_parallel_size", 2),
    ("--vlm.gpu_memory_utilization=0.8", "vlm.gpu_memory_utilization", 0.8),
    ("--vlm.json_mode=false", "vlm.structured_output", False),
    ("--vlm.batch_size=4", "vlm.batch_size", 4),
    ("--vlm.trust_remote_code=true", "vlm.trust_remote_code", True),
    ("--vlm.camera_key=observation.images.wrist", "vlm.camera_key", "observation.images.wrist"),
    ("--executor.auto_threshold=10", "executor.auto_threshold", 10),
    ("--executor.force_local=true", "executor.force_local", True),
    ("--executor.slurm_partition=gpu", "executor.partition", "gpu"),
    ("--executor.slurm_gpus=2", "executor.gpus_per_task", 2),
    ("--executor.slurm_time=01:00:00", "executor.time", "01:00:00"),
    ("--executor.workers=4", "executor.workers", 4),
    ("--push_to_hub=user/ds_annotated", "new_repo_id", "user/ds_annotated"),
]

# LeRobot's older video flags, and the visual input each selects
VIDEO_INPUT_SAMPLES = [
    ("--module_1.max_video_frames=32", "video_frames"),
    ("--module_1.use_video_url=true", "video_clip"),
    ("--plan.max_video_frames=128", "video_frames"),
    ("--plan.use_video_url=true", "video_clip"),
]

# every lerobot-annotate command line of LeRobot's docs (the released page, the module
# docstring, the docs before 0.6.1), `uv run lerobot-annotate` replaced
DOCUMENTED_COMMAND_LINES = [
    """steerlang annotate \\
    --repo_id=user/my_dataset \\
    --new_repo_id=user/my_dataset_annotated \\
    --push_to_hub=true \\
    --vlm.model_id=Qwen/Qwen3.6-27B \\
    --vlm.num_gpus=1 \\
    --vlm.serve_command="vllm serve Qwen/Qwen3.6-27B --tensor-parallel-size 1 \\
        --max-model-len 32768 --gpu-memory-utilization 0.8 \\
        --uvicorn-log-level warning --port {port}" \\
    --vlm.serve_ready_timeout_s=1800 \\
    --vlm.chat_template_kwargs='{"enable_thinking": false}' \\
    --job.target=h200""",
    """steerlang annotate \\
      --root=/path/to/dataset \\
      --vlm.model_id=Qwen/Qwen2.5-VL-7B-Instruct""",
    """steerlang annotate \\
      --repo_id=user/dataset \\
      --new_repo_id=user/dataset_annotated \\
      --push_to_hub=true \\
      --job.target=h200""",
    """steerlang annotate \\
  --root=/path/to/dataset \\
  --vlm.backend=transformers \\
  --vlm.model_id=Qwen/Qwen2.5-VL-7B-Instruct""",
    """steerlang annotate \\
  --repo_id=imstevenpmwork/super_poulain_draft \\
  --vlm.backend=vllm \\
  --vlm.model_id=Qwen/Qwen3.6-27B-FP8 \\
  --vlm.tensor_parallel_size=2""",
]
