"""The eval report as terminal tables (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

VQA_ROWS = (
    ("pairs", "pairs"),
    ("invalid answers", "invalid_answers"),
    ("unscored", "unscored"),
    ("bbox F1 (IoU ≥ 0.5)", "bbox_f1"),
    ("bbox precision", "bbox_precision"),
    ("bbox recall", "bbox_recall"),
    ("bbox mean IoU (matched)", "bbox_mean_iou"),
    ("bbox coverage IoU", "bbox_coverage_iou"),
    ("bbox label accuracy", "bbox_label_accuracy"),
    ("keypoint distance (px)", "keypoint_mean_distance_px"),
    ("keypoint inside box", "keypoint_inside_rate"),
    ("count accuracy", "count_accuracy"),
    ("attribute accuracy", "attribute_accuracy"),
    ("spatial accuracy", "spatial_accuracy"),
)
HEALTH_ROWS = (
    ("model", "model_id"),
    ("simulated", "simulated"),
    ("episodes (failed)", None),
    ("calls per episode", "calls_per_episode"),
    ("schema-valid rate", "schema_valid_rate"),
    ("parse-failure rate", "parse_failure_rate"),
    ("schema-failure rate", "schema_failure_rate"),
    ("empty rate", "empty_rate"),
    ("transport-failure rate", "transport_failure_rate"),
    ("retries per call", "retries_per_call"),
    ("images per episode", "images_per_episode"),
    ("vision tokens per episode", "vision_tokens_per_episode"),
)


def fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    return f"{value:.3f}"


def print_report(report: dict[str, Any], console: Console) -> None:
    reference = report["reference"]
    console.print(f"[bold]steerlang eval[/bold] {report['root']}")
    console.print(f"reference: {reference['kind']} ({reference['path']})")
    console.print(f"episodes scored: {len(report['episodes'])}")
    if report["episodes_without_subtasks"]:
        console.print(f"episodes without subtask rows: {report['episodes_without_subtasks']}")
    console.print(_segmentation(report["segmentation"]))
    console.print(_labels(report["labels"]))
    if report["vqa"]["cameras"]:
        console.print(_vqa(report["vqa"]))
    if report["run_health"] is not None:
        console.print(_health(report["run_health"]))
    else:
        console.print("run health: no run record (meta/steerlang_runs.jsonl)")


def _segmentation(scores: dict[str, Any]) -> Table:
    table = Table(title="Temporal segmentation")
    for name in ("", "precision", "recall", "F1", "matched / pred / ref"):
        table.add_column(name, justify="left" if not name else "right")
    rows = [(f"boundaries ±{tol}", c) for tol, c in scores["boundaries"].items()]
    rows.append(("segments IoU ≥ 0.5", scores["segments"]))
    for name, c in rows:
        counts = f"{c['matched']} / {c['predicted']} / {c['reference']}"
        table.add_row(name, fmt(c["precision"]), fmt(c["recall"]), fmt(c["f1"]), counts)
    return table


def _labels(labels: dict[str, Any]) -> Table:
    table = Table(title="Subtask labels (matched segments)")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row("pairs", fmt(labels["pairs"]))
    table.add_row("exact match (normalised)", fmt(labels["exact_match"]))
    table.add_row("token F1", fmt(labels["token_f1"]))
    table.add_row("embedding similarity", fmt(labels["embedding_similarity"]))
    return table


def _vqa(vqa: dict[str, Any]) -> Table:
    cameras = vqa["cameras"]
    table = Table(title="VQA")
    table.add_column("")
    for camera in cameras:
        table.add_column(camera.removeprefix("observation.images."), justify="right")
    table.add_column("all", justify="right")
    for name, key in VQA_ROWS:
        table.add_row(name, *(fmt(c[key]) for c in cameras.values()), fmt(vqa["all"][key]))
    return table


def _health(health: dict[str, Any]) -> Table:
    table = Table(title="Run health (latest annotate run)")
    table.add_column("")
    table.add_column("value", justify="right")
    for name, key in HEALTH_ROWS:
        value = (
            f"{health['episodes']} ({health['failed_episodes']})"
            if key is None
            else fmt(health[key])
        )
        table.add_row(name, value)
    return table
