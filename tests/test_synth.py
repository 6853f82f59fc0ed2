"""`steerlang synth`: real v3.0 layout, signals, ground truth, and exactly decodable videos."""

from __future__ import annotations

import itertools
import json

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steerlang.dataset import open_dataset
from steerlang.dataset.groundtruth import load_truth
from steerlang.dataset.synth import SynthConfig, plan_episodes, render
from steerlang.dataset.synth.scene import CLOSED, OPEN

from .conftest import SMALL_CAMERAS


def test_info_and_features(synth_cache) -> None:
    root = synth_cache(episodes=4, legacy_subtask_index=True)
    info = json.loads((root / "meta/info.json").read_text())
    assert info["codebase_version"] == "v3.0"
    assert info["total_episodes"] == 4
    assert info["total_frames"] == sum(ep.length for ep in open_dataset(root).episodes)
    assert info["splits"] == {"train": "0:4"}
    features = info["features"]
    assert features["observation.state"] == {
        "dtype": "float32",
        "shape": [4],
        "names": ["x", "y", "z", "gripper"],
    }
    top = features["observation.images.top"]
    assert top["dtype"] == "video" and top["shape"] == [120, 160, 3]
    assert top["info"]["video.codec"] == "av1"
    assert features["subtask_index"]["dtype"] == "int64"


def test_data_file_columns_and_types(synth_cache) -> None:
    root = synth_cache(episodes=4, legacy_subtask_index=True)
    path = root / "data/chunk-000/file-000.parquet"
    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_row_groups == 4  # one row group per episode
    schema = parquet.schema_arrow
    assert schema.names == [
        "action",
        "observation.state",
        "timestamp",
        "frame_index",
        "episode_index",
        "index",
        "task_index",
        "subtask_index",
    ]
    assert schema.field("timestamp").type == pa.float32()
    assert schema.field("observation.state").type.value_type == pa.float32()
    hf = json.loads(schema.metadata[b"huggingface"])
    assert hf["info"]["features"]["timestamp"] == {"dtype": "float32", "_type": "Value"}


def test_gripper_opens_and_closes_with_the_script(synth_cache) -> None:
    root = synth_cache(episodes=4)
    dataset = open_dataset(root)
    scripts, _ = plan_episodes(SynthConfig(out=root, episodes=4, seconds=(2.0, 3.0)))
    for episode, script in zip(dataset.episodes, scripts, strict=True):
        state = np.stack(
            dataset.read_episode(episode, ["observation.state"])
            .column("observation.state")
            .to_pylist()
        )
        gripper = state[:, 3]
        if script.task.kind == "push":
            assert np.allclose(gripper, CLOSED)
        else:
            assert gripper[0] == pytest.approx(OPEN) and gripper.min() == pytest.approx(CLOSED)
            assert gripper[-1] == pytest.approx(OPEN)
        action = np.stack(dataset.read_episode(episode, ["action"]).column("action").to_pylist())
        assert np.allclose(action[:-1], state[1:])


def test_tasks_are_shared_and_subtasks_cover_the_episode(synth_cache) -> None:
    root = synth_cache(episodes=6, legacy_subtask_index=True)
    dataset = open_dataset(root)
    assert len(dataset.tasks) < len(dataset.episodes)
    for episode in dataset.episodes:
        truth = load_truth(root, episode.index)
        assert truth.task == episode.task
        spans = truth.subtasks
        assert spans[0].start_frame == 0 and spans[-1].end_frame == episode.length
        assert all(a.end_frame == b.start_frame for a, b in itertools.pairwise(spans))
        assert all(s.start == np.float32(s.start_frame / 30) for s in spans)
        legacy = dataset.read_episode(episode, ["subtask_index"]).column("subtask_index")
        labels = legacy.to_numpy()
        for i, span in enumerate(spans):
            assert (labels[span.start_frame : span.end_frame] == i).all()


def test_ground_truth_boxes_are_inside_the_image(synth_cache) -> None:
    root = synth_cache(episodes=3)
    truth = load_truth(root, 1)
    for camera, (width, height) in (
        ("observation.images.top", (160, 120)),
        ("observation.images.wrist", (96, 72)),
    ):
        assert truth.resolution(camera) == (width, height)
        seen = 0
        for frame in range(truth.length):
            for x1, y1, x2, y2 in truth.boxes_at(camera, frame).values():
                assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
                seen += 1
        assert seen > 0
    top_counts = truth.counts_at("observation.images.top", 0)
    assert sum(top_counts.values()) == len(truth.objects)
    assert truth.relations_at("observation.images.top", 0)


def _decode_episode(path, from_timestamp: float, fps: int, length: int) -> dict[int, np.ndarray]:
    """Decode an episode's frames, keyed by episode-relative frame index."""
    frames = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        container.seek(int(from_timestamp / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            index = round((frame.time - from_timestamp) * fps)
            if 0 <= index < length:
                frames[index] = frame.to_ndarray(format="rgb24")
            if index >= length - 1:
                break
    return frames


@pytest.mark.parametrize("codec", ["av1", "h264"])
def test_decoded_frames_are_the_ground_truth_frames(synth_cache, codec) -> None:
    config = {"episodes": 3, "episodes_per_file": 3, "codec": codec}
    root = synth_cache(**config)
    dataset = open_dataset(root)
    scripts, _ = plan_episodes(SynthConfig(out=root, seconds=(2.0, 3.0), **config))
    episode, script = dataset.episodes[2], scripts[2]  # last in a shared file
    for camera in SMALL_CAMERAS:
        span = episode.videos[camera.key]
        assert span.from_timestamp > 0
        frames = _decode_episode(span.path, span.from_timestamp, 30, episode.length)
        assert sorted(frames) == list(range(episode.length))
        for index in (0, episode.length // 3, episode.length // 2, episode.length - 1):
            drawn = render(script, camera, index).astype(int)
            error = np.abs(frames[index].astype(int) - drawn).mean()
            assert error < 6, f"{camera.name} frame {index}: mean error {error:.1f}"
        # aligned decoding: offset 0 fits the drawings better than a shift by one frame
        inner = range(1, episode.length - 1)
        fit = {
            shift: np.mean(
                [
                    np.abs(frames[i].astype(int) - render(script, camera, i + shift)).mean()
                    for i in inner
                ]
            )
            for shift in (-1, 0, 1)
        }
        assert fit[0] < min(fit[-1], fit[1]), fit


def test_image_storage_holds_pngs_in_parquet(synth_cache) -> None:
    root = synth_cache(episodes=2, camera_storage="image")
    assert not (root / "videos").exists()
    table = pq.read_table(
        root / "data/chunk-000/file-000.parquet", columns=["observation.images.top"]
    )
    cell = table.column(0)[0].as_py()
    assert cell["bytes"][:8] == b"\x89PNG\r\n\x1a\n"


def test_no_video_and_determinism(tmp_path) -> None:
    from steerlang.dataset.synth import synthesize

    a = synthesize(SynthConfig(out=tmp_path / "a", episodes=3, video=False, seed=7))
    b = synthesize(SynthConfig(out=tmp_path / "b", episodes=3, video=False, seed=7))
    assert not (a / "videos").exists()
    assert open_dataset(a).cameras == {}
    for name in (
        "data/chunk-000/file-000.parquet",
        "meta/tasks.parquet",
        "groundtruth/episode_000002.json",
    ):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_refuses_to_overwrite(tmp_path) -> None:
    from steerlang.dataset.synth import synthesize
    from steerlang.errors import SteerlangError

    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("mine")
    with pytest.raises(SteerlangError, match="not empty"):
        synthesize(SynthConfig(out=tmp_path / "taken", episodes=1, video=False))
    assert (tmp_path / "taken" / "file").read_text() == "mine"
