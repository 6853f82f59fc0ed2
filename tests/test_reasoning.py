"""`--reasoning.enabled`: ECoT-style reasoning traces, one `reasoning` row per subtask span.

The rows are valid (the validator's rules, source pixels that match the ground truth in
any coordinate convention), the shipped `subtask_reasoning` recipe trains on them under
both render semantics and exports with the lines that register the style in LeRobot, a
run without the module writes only LeRobot's core styles, and failed reasoning calls are
missing items a rerun asks for, and only them.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from steerlang.annotate.staging.store import StagingStore, State
from steerlang.commands import cli
from steerlang.dataset import open_dataset
from steerlang.dataset.groundtruth import load_truth
from steerlang.dataset.synth import CameraSpec
from steerlang.language.reasoning_shape import ReasoningTrace
from steerlang.language.validate import validate_dataset
from steerlang.render import iter_rendered
from steerlang.render.export import registration_lines
from steerlang.render.semantics import SEMANTICS
from steerlang.schema import LEROBOT_CORE_STYLES
from steerlang.sim.engine import SimEngine
from steerlang.sim.knobs import SimKnobs
from steerlang.sim.server import SimServerThread
from tests.annotate_harness import (
    KEEP_TRUTH,
    annotate,
    over_http,
    requests_since,
    run_records,
    shard_bytes,
    staging_bytes,
    written_language,
)

TOP = "observation.images.top"
DATASET = {"episodes": 2, "seconds": (3.0, 3.0), "cameras": (CameraSpec("top", 96, 72),)}
QUICK = (
    *KEEP_TRUTH,
    "--vqa.enabled=false",
    "--interjections.enabled=false",
    "--plan.n_task_rephrasings=0",
    "--plan.emit_memory=false",
)
REASONING = (*QUICK, "--reasoning.enabled=true")


@pytest.fixture(scope="module")
def reasoned(synth_cache, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reasoned") / "dataset"
    shutil.copytree(synth_cache(**DATASET), root)
    assert annotate(root, "--vlm.backend=sim", *REASONING) == 0
    return root


def traces(root: Path) -> dict[int, list[tuple[float, ReasoningTrace]]]:
    return {
        index: [
            (row["timestamp"], ReasoningTrace.model_validate_json(row["content"]))
            for row in episode.styled("reasoning")
        ]
        for index, episode in written_language(root).items()
    }


def assert_grounded(root: Path, tolerance: float = 1e-6) -> None:
    """Every trace: at a subtask start, about that subtask, boxes of the objects visible on
    its frame and a gripper point the gripper reaches in the span, in source pixels."""
    for index, episode in written_language(root).items():
        truth = load_truth(root, index)
        subtasks = episode.styled("subtask")
        found = traces(root)[index]
        assert [t for t, _ in found] == [row["timestamp"] for row in subtasks]
        ends = [int(np.searchsorted(episode.timestamps, row["timestamp"])) for row in subtasks]
        for (time, trace), row, end in zip(found, subtasks, [*ends[1:], truth.length], strict=True):
            frame = int(np.searchsorted(episode.timestamps, np.float32(time)))
            assert (trace.camera, trace.subtask, trace.task) == (TOP, row["content"], truth.task)
            boxes = truth.boxes_at(TOP, frame)
            expected = {truth.object(oid)["label"]: box for oid, box in boxes.items()}
            stored = {d.label: d.bbox for d in trace.objects.detections}
            assert stored.keys() == expected.keys()
            for label, box in stored.items():
                assert box == pytest.approx(expected[label], abs=tolerance)
            reached = [truth.gripper_at(TOP, f) for f in range(frame, end)]
            assert any(
                p is not None and trace.gripper.point == pytest.approx(p, abs=tolerance)
                for p in reached
            )


def test_one_valid_grounded_trace_per_subtask(reasoned):
    dataset = open_dataset(reasoned)
    assert [p for p in validate_dataset(dataset) if p.severity != "info"] == []
    assert_grounded(reasoned)
    record = run_records(reasoned)[-1]
    assert record["episodes"]["computed"]["reasoning"] == 2
    assert record["config"]["reasoning"]["enabled"] is True
    assert record["rows_per_style"]["reasoning"] == sum(len(t) for t in traces(reasoned).values())
    assert record["reasoning_coordinates_clamped"] == 0


def test_normalised_answers_are_stored_in_source_pixels(synth_copy):
    root = synth_copy(**DATASET)
    with SimServerThread(SimEngine(root, SimKnobs(coordinates="norm1000"))) as running:
        flags = (*REASONING, "--vqa.coordinates=normalized_1000")
        assert annotate(root, *over_http(running.server.base_url), *flags) == 0
    assert_grounded(root, tolerance=0.05)


@pytest.mark.parametrize("semantics", SEMANTICS)
def test_the_shipped_recipe_trains_on_the_traces(reasoned, semantics):
    contents = {
        trace.model_dump_json() for found in traces(reasoned).values() for _, trace in found
    }
    targets = Counter()
    for sample in iter_rendered(reasoned, "subtask_reasoning", semantics=semantics):
        rendered = sample["rendered"]
        if rendered is None:
            continue
        for position in rendered["target_message_indices"]:
            content = rendered["messages"][position]["content"]
            if content.startswith("{"):
                targets["reasoning"] += 1
                assert ReasoningTrace.model_validate_json(content).model_dump_json() in contents
            else:
                targets["subtask"] += 1
    assert targets["reasoning"] > 20 and targets["subtask"] > 20


def test_recipe_export_says_how_to_register_the_style_in_lerobot(reasoned, tmp_path, capsys):
    out = tmp_path / "recipe.yaml"
    argv = ["recipe", "export", "--recipe=subtask_reasoning", f"--root={reasoned}", f"--out={out}"]
    assert cli.main(argv) == 0
    lines = registration_lines(["reasoning"])
    assert lines == [
        "from lerobot.datasets.language import EXTENDED_STYLES, PERSISTENT_STYLES",
        'EXTENDED_STYLES.update({"reasoning"}); PERSISTENT_STYLES.update({"reasoning"})',
    ]
    err = capsys.readouterr().err
    assert all(line in err for line in lines)
    assert all(f"# {line}\n" in out.read_text() for line in lines)
    original = list(iter_rendered(reasoned, "subtask_reasoning"))
    assert list(iter_rendered(reasoned, out)) == original


def test_without_the_module_only_lerobots_core_styles_are_written(synth_copy, capsys):
    root = synth_copy(**DATASET)
    assert annotate(root, "--vlm.backend=sim", *KEEP_TRUTH) == 0
    styles = {
        row["style"]
        for episode in written_language(root).values()
        for rows in (episode.persistent, *episode.event_cells)
        for row in rows
    }
    assert None in styles and styles - {None} <= LEROBOT_CORE_STYLES
    assert not list(root.glob(".annotate_staging/*/reasoning.*"))
    assert "reasoning" not in run_records(root)[-1]["rows_per_style"]
    capsys.readouterr()
    assert cli.main(["staging", f"--root={root}"]) == 0
    assert "reasoning" not in capsys.readouterr().out  # an optional module never run
    assert cli.main(["annotate", f"--root={root}", "--dry_run", *REASONING]) == 0
    assert "reasoning" in capsys.readouterr().out


def test_failed_reasoning_calls_are_missing_and_a_rerun_asks_only_them(synth_cache, tmp_path):
    reference, root = tmp_path / "reference", tmp_path / "faulty"
    for target in (reference, root):
        shutil.copytree(synth_cache(**DATASET), target)

    def run(target: Path, *flags: str, **knobs: object) -> tuple[int, Counter]:
        with SimServerThread(SimEngine(target, SimKnobs(**knobs))) as running:
            before = running.server.engine.stats.snapshot()
            code = annotate(target, *over_http(running.server.base_url), *flags)
            return code, requests_since(before, running.server.engine.stats.snapshot())

    assert run(reference, *REASONING)[0] == 0
    assert run(root, *QUICK)[0] == 0  # the plan is complete; no reasoning yet
    garbage = {"reject_response_format": True, "invalid_json_prob": 1.0}
    code, asked = run(root, *REASONING, **garbage)
    assert code == 1 and set(asked) == {"reasoning"}
    store = StagingStore(root)
    missing = [item for ep in store.episodes() for item in store.missing(ep, "reasoning")]
    assert len(missing) == sum(len(t) for t in traces(reference).values())
    assert {(item["purpose"], item["outcome"]) for item in missing} == {("reasoning", "failed")}
    assert {store.status(ep, "reasoning").state for ep in store.episodes()} == {State.PARTIAL}
    per_episode = run_records(root)[-1]["missing"]["episodes"]
    assert {style for styles in per_episode.values() for style in styles} == {"reasoning"}

    code, asked = run(root, *REASONING)
    assert code == 0 and asked == Counter({"reasoning": len(missing)})
    assert shard_bytes(root) == shard_bytes(reference)
    assert staging_bytes(root) == staging_bytes(reference)


def test_the_content_rules_of_a_reasoning_row():
    from steerlang.dataset.records import CameraInfo
    from steerlang.language.episode_checks import SourcedRow, check_episode

    cameras = {TOP: CameraInfo(TOP, "video", 96, 72, "av1")}
    trace = {
        "task": "t",
        "plan": ["a", "b"],
        "subtask": "a",
        "subtask_reason": "first",
        "move": "move down",
        "move_reason": "to reach it",
        "gripper": {"label": "gripper target", "point_format": "xy", "point": [10.0, 20.0]},
        "objects": {
            "detections": [{"label": "cup", "bbox_format": "xyxy", "bbox": [1.0, 2.0, 30.0, 40.0]}]
        },
        "camera": TOP,
    }
    frames = np.arange(10, dtype=np.float32) / 10

    def problems(content: object, time: float = 0.0, **row: object) -> list[tuple[str, str]]:
        rows = [
            {"timestamp": 0.0, "style": "subtask", "role": "assistant", "content": "a"},
            {
                "timestamp": time,
                "style": "reasoning",
                "role": "assistant",
                "content": content if isinstance(content, str) else json.dumps(content),
                **row,
            },
        ]
        found = check_episode(
            0, [SourcedRow(r, "reasoning", n) for n, r in enumerate(rows)], frames, cameras
        )
        return [(p.severity, p.message) for p in found]

    assert problems(trace) == []
    assert "must have camera null" in problems(trace, camera=TOP)[0][1]
    assert "not JSON" in problems("TASK: t")[0][1]
    assert (
        "gripper"
        in problems({**trace, "gripper": {**trace["gripper"], "point": [500.0, 1.0]}})[0][1]
    )
    assert "move" in problems({k: v for k, v in trace.items() if k != "move"})[0][1]
    assert "camera 'cam'" in problems({**trace, "camera": "cam"})[0][1]
    assert problems(trace, time=0.5) == [("warning", "reasoning row is not at a subtask start")]
    assert "role 'assistant'" in problems(trace, role="user")[0][1]


def test_the_viewer_shows_the_traces(reasoned, tmp_path):
    site = tmp_path / "site"
    assert cli.main(["view", "--root", str(reasoned), "--out", str(site)]) == 0
    count = sum(len(found) for found in traces(reasoned).values())
    assert (
        f"<td>reasoning traces</td><td>2 / 2 episodes</td><td>{count}</td>"
        in (site / "index.html").read_text()
    )
    page = (site / "episodes/episode_000000.data.js").read_text()
    assert '"reasoning": [{"t": 0.0' in page
