"""Load REF, the labels a dataset's annotations are scored against.

Kinds: `groundtruth` (a `steerlang synth` dataset's ground truth), `language`
(another annotated copy of the same dataset: its language columns), and
`legacy_subtask_index` (per-frame `subtask_index`, labels from
`meta/subtasks.parquet` when present). `auto` picks them in that order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from steerlang.dataset import LeRobotDataset, open_dataset
from steerlang.dataset.groundtruth import has_groundtruth
from steerlang.errors import SteerlangError
from steerlang.eval.annotations import read_annotations
from steerlang.eval.reference_language import LanguageReference
from steerlang.eval.reference_legacy import LegacySubtaskReference
from steerlang.eval.reference_truth import TruthReference
from steerlang.eval.scene_facts import SceneFacts
from steerlang.eval.segments import Segment
from steerlang.schema import LEGACY_SUBTASK_COLUMN

REFERENCE_KINDS = ("auto", "groundtruth", "language", "legacy_subtask_index")


class Reference(Protocol):
    kind: str

    def has_episode(self, episode: int) -> bool: ...

    def segments(self, episode: int) -> list[Segment]: ...

    def facts(self, episode: int, camera: str, frame: int) -> SceneFacts | None: ...


def load_reference(path: Path, kind: str, dataset: LeRobotDataset) -> Reference:
    """The reference at `path` for the annotated `dataset` (whose episodes it must share)."""
    if kind not in REFERENCE_KINDS:
        raise SteerlangError(f"--reference-kind must be one of {REFERENCE_KINDS}, got {kind!r}")
    if kind == "auto" and has_groundtruth(path):
        kind = "groundtruth"
    if kind == "groundtruth":
        if not has_groundtruth(path):
            raise SteerlangError(f"{path} has no groundtruth/ folder (made by `steerlang synth`)")
        return TruthReference(path)
    if not (path / "meta/info.json").is_file():
        raise SteerlangError(
            f"--reference {path} is neither a synthetic dataset (with groundtruth/) nor a "
            "LeRobot dataset"
        )
    reference = open_dataset(path, check_videos=False)
    _check_same_episodes(reference, dataset)
    if kind == "auto":
        kind = _labels_kind(reference)
    if kind == "language":
        return LanguageReference(read_annotations(reference, reference.episodes))
    if LEGACY_SUBTASK_COLUMN not in reference.data_columns:
        raise SteerlangError(f"{path} has no {LEGACY_SUBTASK_COLUMN!r} column")
    return LegacySubtaskReference(reference)


def _labels_kind(reference: LeRobotDataset) -> str:
    if reference.has_language:
        return "language"
    if LEGACY_SUBTASK_COLUMN in reference.data_columns:
        return "legacy_subtask_index"
    raise SteerlangError(
        f"--reference {reference.root} has no labels: no groundtruth/ folder, no language "
        f"columns and no {LEGACY_SUBTASK_COLUMN!r} column"
    )


def _check_same_episodes(reference: LeRobotDataset, dataset: LeRobotDataset) -> None:
    lengths = {ep.index: ep.length for ep in reference.episodes}
    differing = [
        ep.index
        for ep in dataset.episodes
        if ep.index in lengths and lengths[ep.index] != ep.length
    ]
    if differing:
        raise SteerlangError(
            f"the reference {reference.root} is not a copy of {dataset.root}: episode(s) "
            f"{differing[:10]} have a different number of frames"
        )
    if reference.fps != dataset.fps:
        raise SteerlangError(
            f"the reference has {reference.fps} fps and the dataset {dataset.fps}; "
            "they must be copies of the same recording"
        )
