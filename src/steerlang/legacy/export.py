"""`export_legacy`: write the old subtask (and dialogue) files from the language columns.

Every file it changes — each data shard (new per-frame columns), the meta files and
`meta/info.json` (their features) — is first written to its temporary sibling and
then committed through `commit_journal`, the language writer's protocol: a crash at
any moment leaves every file old or new, and a rerun (which first rolls an
interrupted commit forward) ends byte-identical to an export never interrupted.
The language columns are read, never changed, so the export can be rerun at will;
a later `steerlang write` drops `subtask_index` again, as the contract says.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from steerlang.dataset.layout import INFO_PATH
from steerlang.dataset.reader import LeRobotDataset, open_dataset
from steerlang.errors import SteerlangError
from steerlang.language.atomic_file import refuse_symlinks, temp_path_for, write_durable
from steerlang.language.write.commit_journal import commit, discard_leftovers, roll_forward
from steerlang.language.write.info_update import info_bytes
from steerlang.legacy.dialogue_files import (
    build_dialogue,
    syn_annotations_bytes,
    tasks_high_level_parquet,
)
from steerlang.legacy.dialogue_types import asked_kinds
from steerlang.legacy.formats import (
    HIGH_LEVEL_COLUMN,
    SKILLS_PATH,
    SUBTASK_COLUMN,
    SUBTASKS_PATH,
    SYN_ANNOTATIONS_PATH,
    TASKS_HIGH_LEVEL_PATH,
    int_feature,
)
from steerlang.legacy.shard_columns import write_with_columns
from steerlang.legacy.stored_language import read_stored_episodes
from steerlang.legacy.subtask_files import (
    coarse_description,
    skills_bytes,
    skills_document,
    sorted_labels,
    subtask_indices,
    subtasks_parquet,
    vocabulary_outside,
)


@dataclass
class ExportSummary:
    labelled_episodes: list[int] = field(default_factory=list)
    subtask_labels: int = 0
    high_level_tasks: int | None = None  # None: no dialogue export
    shards_rewritten: int = 0
    files: list[str] = field(default_factory=list)  # meta files written
    resumed_interrupted_write: bool = False


def export_legacy(
    root: str | Path, dialogue: bool = False, vocabulary: Sequence[str] | None = None
) -> ExportSummary:
    """Export the dataset at `root`; `dialogue` adds the high-level dialogue files;
    `vocabulary` (a closed label list, `--subtask_labels`) numbers the labels in its order."""
    root = Path(root)
    resumed = roll_forward(root) if root.is_dir() else False
    dataset = open_dataset(root, check_videos=False)
    discard_leftovers(root)
    episodes = read_stored_episodes(dataset)
    labelled = [episode for episode in episodes if episode.subtasks]
    if not labelled:
        raise SteerlangError(
            f"no episode of {root} has subtask rows; annotate it (or import labels and "
            "`steerlang write`) before exporting"
        )
    labels = list(vocabulary) if vocabulary is not None else sorted_labels(labelled)
    outside = vocabulary_outside(labelled, labels) if vocabulary is not None else []
    if outside:
        episode, label = outside[0]
        raise SteerlangError(
            f"episode {episode} has the subtask label {label!r}, which --subtask_labels does "
            f"not list ({len(outside)} label(s) outside it in all); add it to the file, or "
            "correct the label (`steerlang view --serve`) and `steerlang write`"
        )
    index_of = {label: i for i, label in enumerate(labels)}
    columns = {SUBTASK_COLUMN: {ep.index: subtask_indices(ep, index_of) for ep in episodes}}
    document = skills_document(labelled, labels, coarse_description(dataset, labelled))
    files = {SUBTASKS_PATH: subtasks_parquet(labels), SKILLS_PATH: skills_bytes(document)}
    summary = ExportSummary([ep.index for ep in labelled], len(labels), None)
    summary.resumed_interrupted_write = resumed
    if dialogue:
        talk = build_dialogue(episodes, asked_kinds(root))
        columns[HIGH_LEVEL_COLUMN] = talk.frames
        files[TASKS_HIGH_LEVEL_PATH] = tasks_high_level_parquet(talk.tasks)
        files[SYN_ANNOTATIONS_PATH] = syn_annotations_bytes(talk.lines)
        summary.high_level_tasks = len(talk.tasks)
    targets = [*dataset.data_files(), *(root / name for name in files), root / INFO_PATH]
    for target in targets:
        refuse_symlinks(target, root)
    try:
        renames = _prepare(dataset, columns, files)
    except BaseException:
        discard_leftovers(root)  # nothing was committed: the old files are the dataset
        raise
    commit(root, renames)
    summary.shards_rewritten = len(dataset.data_files())
    summary.files = [str(name) for name in files]
    return summary


def _prepare(
    dataset: LeRobotDataset,
    columns: dict[str, dict[int, np.ndarray]],
    files: dict[Path, bytes],
) -> list[tuple[Path, Path]]:
    """Every new file at its temporary sibling (shards, meta files, info.json last);
    returns the renames to commit."""
    renames: list[tuple[Path, Path]] = []
    for shard in dataset.data_files():
        records = sorted(dataset.episodes_in(shard), key=lambda ep: ep.row_start)
        values = {
            name: np.concatenate([per_episode[ep.index] for ep in records])
            for name, per_episode in columns.items()
        }
        write_with_columns(shard, temp_path_for(shard), records, values)
        renames.append((temp_path_for(shard), shard))
    for name, data in files.items():
        target = dataset.root / name
        write_durable(temp_path_for(target), data)
        renames.append((temp_path_for(target), target))
    info_path = dataset.root / INFO_PATH
    info = json.loads(info_path.read_text())
    info["features"] = {**info.get("features", {}), **{name: int_feature() for name in columns}}
    write_durable(temp_path_for(info_path), info_bytes(info))
    renames.append((temp_path_for(info_path), info_path))
    return renames
