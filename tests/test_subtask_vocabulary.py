"""`--plan.subtask_labels`: a closed label vocabulary. The enum reaches the server in the
structured-output schema of every segment and relabel request, the prompts list the
labels, the simulator answers only labels from it, every written subtask is one of them,
`export-legacy --subtask_labels` numbers them in the file's order, and a bad file is one
line before any model call."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from steerlang.dataset.groundtruth import load_truth
from steerlang.dataset.synth import CameraSpec
from steerlang.errors import SteerlangError
from steerlang.language.subtask_vocabulary import read_vocabulary
from steerlang.sim.engine import SimEngine
from steerlang.sim.server import SimServerThread
from steerlang.sim.vocabulary import nearest_label
from tests.annotate_harness import KEEP_TRUTH, annotate, over_http, run_records, written_language
from tests.legacy_data import export_legacy

DATASET = {"episodes": 2, "seconds": (3.0, 3.0), "cameras": (CameraSpec("top", 96, 72),)}
QUICK = (
    *KEEP_TRUTH,
    "--vqa.enabled=false",
    "--interjections.enabled=false",
    "--plan.n_task_rephrasings=0",
    "--plan.emit_memory=false",
)
VOCABULARY = (
    "grasp the block",
    "carry the block over the plate",
    "lower the block onto the target and release it",
    "push the ball to the edge",
    "place the gripper beside the ball",
    "wave at the camera",  # never used: still numbered, in its place
)

Asgi = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Any]


class BodyRecorder:
    """ASGI middleware keeping the JSON body of every chat completion the server receives."""

    def __init__(self, app: Asgi) -> None:
        self.app = app
        self.bodies: list[dict[str, Any]] = []

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        chunks: list[bytes] = []

        async def tapped() -> dict:
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        await self.app(scope, tapped, send)
        if scope["type"] == "http" and scope["path"].endswith("/chat/completions"):
            self.bodies.append(json.loads(b"".join(chunks)))


@pytest.fixture
def server(synth_copy) -> Iterator[tuple[Path, SimServerThread, BodyRecorder]]:
    root = synth_copy(**DATASET)
    running = SimServerThread(SimEngine(root))
    recorder = BodyRecorder(running.server.app)
    running.server.app = recorder
    with running:
        yield root, running, recorder


def labels_file(folder: Path, text: str | None = None) -> Path:
    path = folder / "labels.txt"
    path.write_text(text if text is not None else "\n".join(VOCABULARY) + "\n")
    return path


def purpose_of(body: dict[str, Any]) -> str:
    text = body["messages"][-1]["content"][-1]["text"]
    return json.loads(text.removeprefix("Context (JSON): "))["purpose"]


def prompt_of(body: dict[str, Any]) -> str:
    return "\n".join(p["text"] for p in body["messages"][-1]["content"] if p["type"] == "text")


def label_enum(body: dict[str, Any]) -> list[str] | None:
    schema = body["response_format"]["json_schema"]["schema"]
    found = [
        d["properties"]["label"].get("enum")
        for d in [schema, *schema.get("$defs", {}).values()]
        if "label" in d.get("properties", {})
    ]
    return found[0] if found else None


def test_the_enum_reaches_the_server_and_every_label_is_from_the_vocabulary(server, tmp_path):
    root, running, recorder = server
    path = labels_file(tmp_path)
    flags = (*QUICK, "--plan.subtask_seeded_relabel=true", f"--plan.subtask_labels={path}")
    assert annotate(root, *over_http(running.server.base_url), *flags) == 0
    asked = {purpose_of(body): body for body in recorder.bodies}
    assert {"segment", "relabel"} <= set(asked)
    for purpose in ("segment", "relabel"):
        assert label_enum(asked[purpose]) == list(VOCABULARY), purpose
        assert all(f"- {label}\n" in prompt_of(asked[purpose]) for label in VOCABULARY)
    assert label_enum(asked["describe"]) is None  # descriptions are free text
    for episode in written_language(root).values():
        truth = load_truth(root, episode.index)
        for row in episode.styled("subtask"):
            frame = int(np.searchsorted(episode.timestamps, np.float32(row["timestamp"])))
            in_force = truth.subtask_at_frame(frame).label
            assert row["content"] == nearest_label(in_force, VOCABULARY)
    assert run_records(root)[-1]["subtask_labels"] == list(VOCABULARY)


def test_without_the_flag_requests_and_labels_are_as_before(server):
    root, running, recorder = server
    assert annotate(root, *over_http(running.server.base_url), *QUICK) == 0
    segments = [body for body in recorder.bodies if purpose_of(body) == "segment"]
    assert segments and all(label_enum(body) is None for body in segments)
    assert all("Use only these labels" not in prompt_of(body) for body in segments)
    for episode in written_language(root).values():
        truth = {s.label for s in load_truth(root, episode.index).subtasks}
        assert {row["content"] for row in episode.styled("subtask")} <= truth
    assert "subtask_labels" not in run_records(root)[-1]


def test_export_legacy_numbers_labels_in_the_files_order(synth_copy, tmp_path):
    root = synth_copy(**DATASET)
    path = labels_file(tmp_path)
    assert annotate(root, "--vlm.backend=sim", *QUICK, f"--plan.subtask_labels={path}") == 0
    assert export_legacy(root, f"--subtask_labels={path}") == 0
    table = pd.read_parquet(root / "meta/subtasks.parquet")
    assert list(table.index) == list(VOCABULARY)
    assert list(table["subtask_index"]) == list(range(len(VOCABULARY)))
    skills = json.loads((root / "meta/skills.json").read_text())
    assert skills["skill_to_subtask_index"] == {label: i for i, label in enumerate(VOCABULARY)}
    shard = pd.concat(pd.read_parquet(path) for path in sorted(root.glob("data/*/*.parquet")))
    for episode in written_language(root).values():
        codes = shard[shard["episode_index"] == episode.index]["subtask_index"].to_numpy()
        for row in episode.styled("subtask"):
            frame = int(np.searchsorted(episode.timestamps, np.float32(row["timestamp"])))
            assert codes[frame] == VOCABULARY.index(row["content"])


def test_export_legacy_refuses_a_stored_label_the_file_lacks(synth_copy, tmp_path, capsys):
    root = synth_copy(**DATASET)
    assert annotate(root, "--vlm.backend=sim", *QUICK) == 0  # ground-truth labels
    before = {p: p.read_bytes() for p in root.glob("data/*/*.parquet")}
    capsys.readouterr()  # annotate's own lines
    assert export_legacy(root, f"--subtask_labels={labels_file(tmp_path)}") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "which --subtask_labels does not list" in err[0]
    assert {p: p.read_bytes() for p in root.glob("data/*/*.parquet")} == before


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (None, "no such file"),
        ("\n# only a comment\n\n", "holds no label"),
        ("grasp the cup\nGrasp  the cup\n", "given twice"),
        ("- grasp the cup\n- 3\n", "item 2 of the YAML list is 3"),
    ],
    ids=["missing", "empty", "duplicate", "not text"],
)
def test_a_bad_label_file_is_one_line_before_any_model_call(
    synth_copy, tmp_path, capsys, text, said
):
    root = synth_copy(**DATASET)
    path = tmp_path / "labels.txt"
    if text is not None:
        path.write_text(text)
    assert annotate(root, "--vlm.backend=sim", f"--plan.subtask_labels={path}") != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--plan.subtask_labels=" in err[0] and said in err[0], err
    assert not (root / ".annotate_staging").exists()  # nothing was asked or staged


def test_a_yaml_list_and_a_list_of_lines_are_the_same_vocabulary(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("# our skills\ngrasp the cup\n\n  pour: slowly  \n")
    listed = tmp_path / "list.yaml"
    listed.write_text('- grasp the cup\n- "pour: slowly"\n')
    expected = ("grasp the cup", "pour: slowly")
    assert read_vocabulary(lines, "--x") == read_vocabulary(listed, "--x") == expected
    with pytest.raises(SteerlangError, match="--x="):
        read_vocabulary(tmp_path / "nope.yaml", "--x")
