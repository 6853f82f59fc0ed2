"""The annotation pipeline: a dataset in, staged rows out, then one validated write.

Owns the run (`run`, `scheduler`, `progress`, `dry_run`, `run_record`), its
settings (`config/`), the Hub transfer (`hub`), and the sub-packages `modules/`
(plan, interjections, vqa, reasoning, their answer schemas), `prompts/`,
`frames/` (decoding, contact sheets), `vlm/` (model clients) and `staging/`.
May import `language`, `dataset`, `schema`, `errors`, `processes` — never `sim`,
`render`, `eval` or `commands` (backends such as the simulator plug in through
the `steerlang.vlm_backends` entry points).
"""
