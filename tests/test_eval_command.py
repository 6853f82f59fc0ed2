"""`steerlang eval` on annotated datasets: the three reference kinds, the CLI, errors."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.run import annotate_dataset
from steerlang.annotate.vlm.config import VlmConfig
from steerlang.commands import cli
from steerlang.dataset.groundtruth import load_truth
from steerlang.dataset.synth import CameraSpec
from steerlang.errors import SteerlangError
from steerlang.eval import embedding, evaluate
from steerlang.eval.evaluate import evaluate as run_eval
from steerlang.eval.reference_legacy import SUBTASKS_PATH
from steerlang.sim.engine import SIM_MODEL_ID

SOURCE = {
    "episodes": 3,
    "seconds": (5.0, 6.0),
    "cameras": (CameraSpec("top", 128, 96),),
    "legacy_subtask_index": True,
}


def _annotate(root: Path, only: list[int] | None = None) -> Path:
    vlm = VlmConfig(backend="sim", model_id=SIM_MODEL_ID, cache=False)
    config = AnnotateConfig(root=root, only_episodes=only, vlm=vlm)
    asyncio.run(annotate_dataset(config, io.StringIO()))
    return root


@pytest.fixture(scope="module")
def annotated(synth_cache, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("annotated") / "dataset"
    shutil.copytree(synth_cache(**SOURCE), root)
    return _annotate(root)


def _cli_json(capsys, *argv: str) -> dict:
    assert cli.main(["eval", *argv, "--json", "--no-embeddings"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_json_against_the_datasets_own_ground_truth(annotated: Path, capsys):
    report = _cli_json(capsys, f"--root={annotated}")
    assert report["reference"] == {"path": str(annotated), "kind": "groundtruth"}
    assert report["episodes"] == [0, 1, 2]
    assert report["segmentation"]["boundaries"]["0.5s"]["f1"] == 1.0
    assert report["labels"]["exact_match"] == 1.0
    assert report["labels"]["embedding_similarity"] == "off"
    assert report["vqa"]["cameras"]["observation.images.top"]["bbox_mean_iou"] >= 0.99
    assert report["run_health"]["schema_valid_rate"] > 0.8


def test_cli_table(annotated: Path, capsys):
    assert cli.main(["eval", "--root", str(annotated), "--episodes", "0,2", "--no-embeddings"]) == 0
    out = capsys.readouterr().out
    for title in ("Temporal segmentation", "Subtask labels", "VQA", "Run health"):
        assert title in out
    assert "episodes scored: 2" in out and "boundaries ±0.5s" in out


def test_another_annotated_copy_as_reference(annotated: Path, tmp_path: Path):
    same = run_eval(annotated, annotated, "language", embeddings=False)
    assert same["reference"]["kind"] == "language"
    assert same["segmentation"]["segments"]["f1"] == 1.0
    assert same["labels"]["exact_match"] == 1.0
    vqa = same["vqa"]["all"]
    assert vqa["unscored"] == 0 and vqa["pairs"] > 0
    for key in ("bbox_f1", "count_accuracy", "attribute_accuracy", "spatial_accuracy"):
        assert vqa[key] in (None, 1.0)
    # The reference has labels for every episode; a copy annotated only on episode 1 misses two.
    source = tmp_path / "one"
    shutil.copytree(annotated, source, ignore=shutil.ignore_patterns(".annotate_staging"))
    _strip_language(source)
    _annotate(source, only=[1])
    report = run_eval(source, annotated, "language", embeddings=False)
    assert report["reference"]["kind"] == "language"
    assert report["episodes_without_subtasks"] == [0, 2]
    boundaries = report["segmentation"]["boundaries"]["0.5s"]
    assert boundaries["precision"] == 1.0 and boundaries["recall"] == pytest.approx(1 / 3)


def _strip_language(root: Path) -> None:
    """Make `root` a never-annotated dataset again (no language columns, no run record)."""
    for path in sorted((root / "data").rglob("*.parquet")):
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(["language_persistent", "language_events"]), path)
    info = json.loads((root / "meta/info.json").read_text())
    for column in ("language_persistent", "language_events"):
        info["features"].pop(column)
    (root / "meta/info.json").write_text(json.dumps(info))
    (root / "meta/steerlang_runs.jsonl").unlink()


def test_legacy_subtask_index_reference(synth_copy, annotated: Path):
    legacy = synth_copy(**SOURCE)
    unlabelled = run_eval(annotated, legacy, "legacy_subtask_index", embeddings=False)
    assert unlabelled["reference"]["kind"] == "legacy_subtask_index"
    assert unlabelled["segmentation"]["boundaries"]["0.5s"]["f1"] == 1.0
    assert unlabelled["labels"]["pairs"] == 0 and unlabelled["labels"]["exact_match"] is None
    assert unlabelled["vqa"]["all"]["unscored"] == unlabelled["vqa"]["all"]["pairs"]
    labels = [s.label for s in load_truth(legacy, 0).subtasks]
    table = pa.table({"subtask_index": np.arange(len(labels)), "__index_level_0__": labels})
    pq.write_table(table, legacy / SUBTASKS_PATH)
    labelled = run_eval(annotated, legacy, "legacy_subtask_index", episodes=[0], embeddings=False)
    assert labelled["labels"]["pairs"] == len(labels)
    assert labelled["labels"]["exact_match"] == 1.0


def test_user_errors(annotated: Path, synth_cache, tmp_path: Path):
    bare = tmp_path / "bare"
    shutil.copytree(synth_cache(**{**SOURCE, "legacy_subtask_index": False}), bare)
    shutil.rmtree(bare / "groundtruth")
    with pytest.raises(SteerlangError, match="no labels"):
        run_eval(annotated, bare)
    other = tmp_path / "other"
    shutil.copytree(synth_cache(episodes=3, seconds=(2.0, 3.0), cameras=SOURCE["cameras"]), other)
    shutil.rmtree(other / "groundtruth")
    with pytest.raises(SteerlangError, match="pass --reference"):
        run_eval(other)
    with pytest.raises(SteerlangError, match="different number of frames"):
        run_eval(other, annotated, "language")
    with pytest.raises(SteerlangError, match="not in"):
        run_eval(annotated, episodes=[7])
    with pytest.raises(SteerlangError, match="no language columns"):
        run_eval(other, annotated)
    assert cli.main(["eval", "--root", str(other)]) == 1


def test_embedding_similarity_is_optional(annotated: Path, monkeypatch):
    monkeypatch.setattr(evaluate, "embeddings_available", lambda: False)
    report = run_eval(annotated, episodes=[0])
    assert report["labels"]["embedding_similarity"] == embedding.UNAVAILABLE


def test_embedding_similarity_is_the_mean_cosine(monkeypatch):
    vectors = {"a b": [1.0, 0.0], "a c": [0.6, 0.8], "d": [0.0, 1.0]}

    class Model:
        def encode(self, texts, normalize_embeddings, convert_to_numpy):
            assert normalize_embeddings and convert_to_numpy
            return np.array([vectors[t] for t in texts])

    package = types.SimpleNamespace(load_model=lambda device: Model())
    monkeypatch.setitem(sys.modules, embedding.MODEL_PACKAGE, package)
    pairs = [("a b", "a c"), ("a b", "d"), ("d", "d")]
    assert embedding.mean_similarity(pairs) == pytest.approx((0.6 + 0.0 + 1.0) / 3)
    assert embedding.mean_similarity([]) is None
