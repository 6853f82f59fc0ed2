"""`steerlang export-legacy`: write LeRobot's older subtask (and dialogue) files from the
language columns, for reward models, SARM-style training and older policies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steerlang.annotate.vlm.redaction import shown_command_line
from steerlang.commands.flags import Command
from steerlang.dataset.reader import require_dataset_root
from steerlang.language.dataset_lock import dataset_lock
from steerlang.language.subtask_vocabulary import read_vocabulary
from steerlang.legacy.export import export_legacy


@dataclass
class ExportLegacyFlags:
    root: Path  # the annotated dataset
    # also write the high-level dialogue files from the interjections and replies
    dialogue: bool = False
    # the closed label vocabulary annotate used (--plan.subtask_labels): subtask indices
    # follow its order instead of sorted order, and every stored label must be in it
    subtask_labels: Path | None = None


COMMAND = Command(
    ExportLegacyFlags,
    "export-legacy",
    "Write meta/subtasks.parquet, meta/skills.json and a per-frame subtask_index (and with "
    "--dialogue meta/tasks_high_level.parquet, meta/syn_annotations.jsonl and a per-frame "
    "task_index_high_level) from the dataset's language columns.",
)


def main(argv: list[str]) -> int:
    args = COMMAND.parse(argv)
    vocabulary = None
    if args.subtask_labels is not None:
        vocabulary = read_vocabulary(args.subtask_labels, "--subtask_labels")
    with dataset_lock(require_dataset_root(args.root), shown_command_line()):
        summary = export_legacy(args.root, dialogue=args.dialogue, vocabulary=vocabulary)
    if summary.resumed_interrupted_write:
        print("finished an interrupted write first")
    print(
        f"exported {summary.subtask_labels} subtask label(s) from "
        f"{len(summary.labelled_episodes)} labelled episode(s); "
        f"{summary.shards_rewritten} shard(s) rewritten"
    )
    if summary.high_level_tasks is not None:
        print(f"dialogue: {summary.high_level_tasks} high-level task(s)")
    print("wrote " + ", ".join(summary.files) + " and meta/info.json")
    return 0
