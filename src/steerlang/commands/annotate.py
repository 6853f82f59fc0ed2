"""`steerlang annotate`: flags (`--plan.*`, `--vlm.*`, ...) → a run → a summary.

The flags are `lerobot-annotate`'s (see `annotate.config.run_config`); the older spellings
below keep steerlang's earlier names and the command lines of LeRobot's docs
before 0.6.1 working.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.dry_run import estimate, format_estimate
from steerlang.annotate.hub import push_dataset
from steerlang.annotate.modules.ledger import FAILED
from steerlang.annotate.preflight import preflight
from steerlang.annotate.run import RunResult, annotate_dataset, chosen_episodes, resolve_root
from steerlang.annotate.vlm.redaction import scrub, secret_values
from steerlang.commands.flags import TRUE, Command
from steerlang.dataset import open_dataset

ALIASES = {
    # steerlang's own names before it took LeRobot 0.6.1's
    "vlm.serve_timeout_s": "vlm.serve_ready_timeout_s",
    "plan.contact_sheet_tile_width": "plan.contact_sheet_frame_width",
    "plan.contact_sheet_jpeg_quality": "plan.contact_sheet_quality",
    # the one episode-selection flag of every steerlang command
    "episodes": "only_episodes",
    # LeRobot's annotation-pipeline docs before 0.6.1
    "module_1": "plan",
    "module_2": "interjections",
    "module_3": "vqa",
    "vlm.json_mode": "vlm.structured_output",
    # LeRobot's Slurm executor settings
    "executor.slurm_partition": "executor.partition",
    "executor.slurm_gpus": "executor.gpus_per_task",
    "executor.slurm_time": "executor.time",
}


def _older_values(given: dict[str, str]) -> dict[str, str]:
    """LeRobot's docs before 0.6.1 wrote `--push_to_hub=ORG/NAME` (the target repo)."""
    target = given.get("push_to_hub")
    if target is None or target.strip().lower() in TRUE or target.strip().lower() == "false":
        return given
    return {**given, "push_to_hub": "true", "new_repo_id": given.get("new_repo_id", target)}


COMMAND = Command(
    AnnotateConfig,
    "annotate",
    "Annotate a LeRobot v3.0 dataset with language from a vision-language model. Flags "
    "are lerobot-annotate's (0.6.1), so its command lines run unchanged.",
    aliases=ALIASES,
    rewrite=_older_values,
)


def parse_config(argv: list[str]) -> AnnotateConfig:
    """The config from the flags; settings that mean nothing here are said on stderr."""
    config = COMMAND.parse(argv)
    for line in config.notes():
        print(f"steerlang annotate: note: {line}", file=sys.stderr)
    return config


def summary(result: RunResult) -> str:
    outcomes = result.outcomes
    complete = len(outcomes) - len(result.failed) - len(result.partial)
    lines = [
        f"annotated {len(outcomes)} episode(s) in {result.root}: {complete} complete, "
        f"{len(result.partial)} partial, {len(result.failed)} failed"
    ]
    record = result.record or {}
    if record.get("simulated"):
        lines.append("model: SIMULATED (answers from the synthetic dataset's ground truth)")
    else:
        lines.append(f"model: {record.get('model_id')}")
    computed = record.get("episodes", {}).get("computed", {})
    reused = record.get("episodes", {}).get("reused", {})
    disabled = record.get("episodes", {}).get("reused_disabled", {})
    lines.append(
        f"modules computed: {dict(computed) or 'none'}; reused from staging: {dict(reused) or 'none'}"
    )
    if disabled:
        lines.append(f"disabled modules whose earlier staging was reused: {dict(disabled)}")
    edited = record.get("episodes", {}).get("kept_edited", {})
    if edited:
        lines.append(f"edited staging kept as corrected (not recomputed): {dict(edited)}")
    calls = record.get("calls", {})
    total = sum(s["calls"] for s in calls.values())
    cached = sum(s.get("cached", 0) for s in calls.values())
    failed = sum(s["calls"] - s["ok"] for s in calls.values())
    lines.append(f"model calls: {total} ({cached} from cache, {failed} failed)")
    lines += _missing_lines(result)
    lines.append(f"rows per style: {record.get('rows_per_style', {})}")
    for line in result.left_out:
        lines.append(f"left out of the write: {line}")
    for reason, episodes in _failures_by_reason(result).items():
        lines.append(f"FAILED episode(s) {_episode_list(episodes)}: {reason}")
    if result.written is not None:
        lines.append(f"shards rewritten: {len(result.written.shards_rewritten)}")
    lines.append(f"staging: {result.staging} (a rerun resumes from it)")
    return "\n".join(lines)


def _missing_lines(result: RunResult) -> list[str]:
    """What the partial episodes lack, each kind of failure said once with an example."""
    items = [item for outcome in result.partial for item in outcome.missing_items]
    if not items:
        return []
    fate = "nothing was written" if result.unanswered else "their rows are written without them"
    lines = [
        f"missing: {len(items)} item(s) in {len(result.partial)} episode(s); {fate}, and "
        "rerunning the same command asks for exactly these"
    ]
    groups: dict[str, list[str]] = {}
    for item in items:
        kind = item.reason.split(":", 1)[0] if item.outcome == FAILED else "waiting on those"
        groups.setdefault(kind, []).append(item.reason)
    for kind, reasons in sorted(groups.items(), key=lambda group: -len(group[1])):
        lines.append(f"  {len(reasons)} × {kind}, e.g. {reasons[0]}")
    return lines


def _failures_by_reason(result: RunResult) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for outcome in result.failed:
        grouped.setdefault(str(outcome.failed), []).append(outcome.index)
    return grouped


def _episode_list(episodes: list[int]) -> str:
    shown = ", ".join(str(e) for e in episodes[:10])
    return shown + (f" … ({len(episodes)} in all)" if len(episodes) > 10 else "")


def _exit_message(result: RunResult) -> str | None:
    """Why the run exits non-zero without --allow_partial, saying what was written."""
    failed, partial = len(result.failed), len(result.partial)
    if not failed and not partial:
        return None
    written = len(result.outcomes) - failed
    problems = []
    if failed:
        problems.append(f"{failed} episode(s) failed")
    if partial:
        problems.append(f"{partial} episode(s) are partial")
    if written == 0:
        outcome = "nothing was written"
    elif not failed:
        outcome = "what succeeded was written"
    else:
        outcome = f"the other {written} episode(s) were written"
    return (
        f"{' and '.join(problems)}; {outcome}. Rerun the same command to retry exactly what "
        "is missing, or pass --allow_partial to accept a partial run."
    )


def main(argv: list[str]) -> int:
    config = parse_config(argv)
    config.check()
    if config.dry_run:
        dataset = open_dataset(resolve_root(config), check_videos=False)
        checked = preflight(dataset, config, chosen_episodes(dataset, config.only_episodes))
        episodes = checked.runnable
        print(format_estimate(estimate(dataset, config, episodes), len(episodes)))
        print("\n".join(checked.lines()))
        failing = checked.blocked or bool(checked.broken and not config.allow_partial)
        return 1 if failing else 0  # the exit status the run would end with
    try:
        result = asyncio.run(annotate_dataset(config, sys.stderr))
    except KeyboardInterrupt:
        print(
            "steerlang annotate: interrupted; finished work is kept in staging — "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    print(scrub(summary(result), secret_values([config.vlm.api_key])))
    if config.push_to_hub and result.written is not None:
        target = config.new_repo_id or config.repo_id
        if target is None:
            print("nothing pushed: --push_to_hub needs --repo_id or --new_repo_id", file=sys.stderr)
            return 1
        pushed = push_dataset(
            Path(result.root),
            target,
            private=config.push_private,
            commit_message=config.push_commit_message,
            staging=result.staging,
        )
        print(f"pushed to {pushed}")
    if result.unanswered:
        print(
            "no model call succeeded (see the reasons above); nothing was written. Fix the "
            "model server and rerun the same command.",
            file=sys.stderr,
        )
        return 1
    message = _exit_message(result)
    if message is not None and not config.allow_partial:
        print(message, file=sys.stderr)
        return 1
    return 0
