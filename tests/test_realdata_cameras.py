"""Cameras as real datasets have them: any key (LeRobot's dtype rule), mislabelled codecs,
and depth views that are cameras but neither prompt nor VQA views unless asked for."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import av
import numpy as np
import pytest

from steerlang import schema
from steerlang.annotate.config.run_config import AnnotateConfig, VqaConfig
from steerlang.annotate.dry_run import estimate
from steerlang.annotate.vlm.types import ImagePart
from steerlang.commands import cli
from steerlang.dataset import open_dataset
from steerlang.dataset.synth import CameraSpec, plan_episodes
from steerlang.dataset.synth.build import SynthConfig
from steerlang.dataset.synth.depth import render_depth
from steerlang.language.validate import validate_dataset
from steerlang.sim.backend import SimBackend
from tests.annotate_harness import KEEP_TRUTH, annotate, written_language
from tests.foreign_datasets import declare_codec

SHORT = {"episodes": 1, "seconds": (2.0, 2.0)}
IMAGE = CameraSpec("image", 160, 120, prefix="")
TOP = CameraSpec("top", 160, 120)
DEPTH = CameraSpec("depth", 96, 72, depth=True)


@pytest.fixture
def image_keyed_mpeg4(synth_copy):
    """The real case: the only camera is keyed `image`; its streams are MPEG-4 Part 2 while
    info.json declares h264."""
    root = synth_copy(cameras=(IMAGE,), codec="mpeg4", **SHORT)
    declare_codec(root, "image", "h264")
    return root


@pytest.fixture
def spy_cameras(monkeypatch):
    """purpose → the cameras of the images the simulated model was shown."""
    seen: dict[str, set[str]] = defaultdict(set)
    complete = SimBackend.complete

    async def recording(self, request):
        for message in request.messages:
            parts = (p for p in message.parts if isinstance(p, ImagePart))
            seen[request.purpose].update(p.camera for p in parts)
        return await complete(self, request)

    monkeypatch.setattr(SimBackend, "complete", recording)
    return seen


def vqa_cameras_written(root) -> set[str]:
    return {row["camera"] for ep in written_language(root).values() for _, row in ep.events("vqa")}


def test_schema_counts_cameras_by_dtype_whatever_the_key():
    features = {
        "image": {"dtype": "video", "shape": [120, 160, 3], "names": None},
        "cam_high": {"dtype": "image", "shape": [120, 160, 3], "names": None},
        "depth": {"dtype": "video", "shape": [72, 96, 1], "info": {"is_depth_map": True}},
        "observation.images.legacy": {"dtype": "video", "video_info": {"video.is_depth_map": 1}},
        "observation.state": {"dtype": "float32", "shape": [4]},
    }
    assert schema.camera_keys(features) == [
        "image",
        "cam_high",
        "depth",
        "observation.images.legacy",
    ]
    assert schema.camera_keys(features, include_depth=False) == ["image", "cam_high"]
    assert schema.is_camera_key("image", features)
    assert not schema.is_camera_key("observation.state", features)
    assert not schema.is_camera_key("observation.images.gone", features)
    # without the dataset's features only the conventional prefix can tell
    assert schema.is_camera_key("observation.images.top") and not schema.is_camera_key("image")


def test_camera_rule_names_a_camera_of_the_dataset_or_any_when_unknown():
    row = {"role": "user", "content": "where?", "style": "vqa", "camera": "image"}
    events = schema.EVENTS_COLUMN
    assert schema.row_problems(row, events, ["image"]) == []
    assert schema.row_problems(row, events) == []  # cameras unknown: any non-empty key
    assert (
        "its cameras: image"
        in schema.row_problems({**row, "camera": "observation.images.top"}, events, ["image"])[0]
    )
    assert "its cameras: none" in schema.row_problems(row, events, [])[0]
    assert "must name the camera" in schema.row_problems({**row, "camera": ""}, events)[0]


def test_info_shows_each_camera_as_its_stream_is_and_flags_the_declared_codec(
    image_keyed_mpeg4, capsys
):
    assert open_dataset(image_keyed_mpeg4).camera_keys == ["image"]
    assert cli.main(["info", f"--root={image_keyed_mpeg4}"]) == 0
    text = capsys.readouterr().out
    assert "cameras   none" not in text
    assert (
        "  image  color  mpeg4 video  160x120  30 fps  [MISMATCH: info.json declares codec h264]"
        in text.splitlines()
    )
    assert cli.main(["info", f"--root={image_keyed_mpeg4}", "--json"]) == 0
    (camera,) = json.loads(capsys.readouterr().out)["cameras"]
    assert camera["key"] == "image" and camera["kind"] == "color"
    assert (camera["codec"], camera["declared_codec"]) == ("mpeg4", "h264")
    assert (camera["width"], camera["height"], camera["fps"]) == (160, 120, 30.0)
    assert camera["probe_error"] is None


def test_truthful_info_shows_no_mismatch(synth_cache, capsys):
    assert cli.main(["info", f"--root={synth_cache()}", "--json"]) == 0
    cameras = json.loads(capsys.readouterr().out)["cameras"]
    assert [(c["codec"], c["declared_codec"], c["declared"]) for c in cameras] == [
        ("av1", None, {}),
        ("av1", None, {}),
    ]


def test_dry_run_and_a_sim_run_see_the_image_camera(image_keyed_mpeg4, capsys, spy_cameras):
    assert annotate(image_keyed_mpeg4, "--vlm.backend=sim", "--dry_run=true") == 0
    table = capsys.readouterr().out
    vqa_calls = re.search(r"^vqa\s+(\d+)\s+(\d+)", table, re.MULTILINE)
    plan_images = re.search(r"^plan\s+\d+\s+(\d+)", table, re.MULTILINE)
    assert vqa_calls and int(vqa_calls.group(1)) > 0 and int(vqa_calls.group(2)) > 0
    assert plan_images and int(plan_images.group(1)) > 0
    assert annotate(image_keyed_mpeg4, "--vlm.backend=sim", *KEEP_TRUTH) == 0
    (episode,) = written_language(image_keyed_mpeg4).values()
    assert episode.styled("subtask"), "no subtasks were written"
    assert vqa_cameras_written(image_keyed_mpeg4) == {"image"}
    assert spy_cameras["segment"] == {"image"}
    assert not [p for p in validate_dataset(open_dataset(image_keyed_mpeg4)) if p.is_error]


def test_depth_view_is_a_lossless_hevc_gray12le_stream(synth_cache, capsys):
    root = synth_cache(cameras=(DEPTH, TOP), **SHORT)
    dataset = open_dataset(root)
    assert dataset.camera_keys == [DEPTH.key, TOP.key]
    assert (dataset.depth_camera_keys, dataset.color_camera_keys) == ([DEPTH.key], [TOP.key])
    assert dataset.view_camera_keys() == [TOP.key]
    assert dataset.view_camera_keys(include_depth=True) == [TOP.key, DEPTH.key]
    assert cli.main(["info", f"--root={root}", "--json"]) == 0
    depth = json.loads(capsys.readouterr().out)["cameras"][0]
    assert (depth["kind"], depth["codec"], depth["pix_fmt"]) == ("depth", "hevc", "gray12le")
    assert depth["declared"] == {}
    (script,), _ = plan_episodes(SynthConfig(out=root, cameras=(DEPTH, TOP), **SHORT))
    with av.open(str(dataset.episodes[0].videos[DEPTH.key].path)) as container:
        decoded = [frame.to_ndarray() for frame in container.decode(video=0)]
    assert len(decoded) == script.length
    for index in (0, script.length // 2, script.length - 1):
        assert np.array_equal(decoded[index], render_depth(script, DEPTH, index))


@pytest.mark.parametrize("include_depth", [False, True])
def test_depth_view_gets_vqa_only_when_asked_and_prompts_use_a_colour_camera(
    synth_copy, spy_cameras, include_depth
):
    root = synth_copy(cameras=(DEPTH, TOP), **SHORT)  # the depth view comes first
    flags = ["--vlm.backend=sim", f"--vqa.include_depth={str(include_depth).lower()}"]
    assert annotate(root, *flags) == 0
    expected = {TOP.key, DEPTH.key} if include_depth else {TOP.key}
    assert vqa_cameras_written(root) == expected
    assert spy_cameras["vqa"] == expected
    assert spy_cameras["segment"] == {TOP.key}
    dataset = open_dataset(root)
    config = AnnotateConfig(root=root, vqa=VqaConfig(include_depth=include_depth))
    vqa_estimate = estimate(dataset, config, dataset.episodes)["vqa"]
    frames = len(vqa_frames_of(written_language(root)))
    assert vqa_estimate.calls == frames * len(expected)


def vqa_frames_of(episodes) -> set[tuple[int, int]]:
    return {(ep.index, frame) for ep in episodes.values() for frame, _ in ep.events("vqa")}
