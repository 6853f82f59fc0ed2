"""Annotation modules: each turns one episode into staging rows.

`plan`, `interjections`, `vqa` and (optional) `reasoning` ask the model through an
`EpisodeJob` (`episode_job`: the episode's inputs and the one way to ask);
`segmentation` cleans a model's subtask spans; `vocabulary` holds segmentation to a
closed label set; `answers` holds the answer schemas the calls validate against.
May import the rest of `annotate` below the run (frames, vlm, prompts, config),
`language`, `dataset` and `schema`.
"""
