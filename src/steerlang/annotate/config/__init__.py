"""A run's settings: `run_config` (the whole `annotate` configuration and its checks),
`modules` (one dataclass per annotation module) and `executor` (where and how wide the
run executes). Imports only `annotate.modules.answers`, `annotate.frames`,
`annotate.staging`, `annotate.vlm.config`, `dataset`, `language` and `errors`.
"""
