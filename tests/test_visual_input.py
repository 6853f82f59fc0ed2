"""`--plan.visual_input`: segmentation from contact sheets, video frames or mp4 clips, each
against the simulated server over HTTP. Every video call passes the simulator's checks of
its form and of what it shows, long episodes are cut into overlapping windows and
stitched back to the ground truth, relabel calls show their span alike, and the run
record says which input was used."""

from __future__ import annotations

import pytest

from steerlang.annotate.frames.timeline import sample_frames, split_windows
from steerlang.commands.annotate import parse_config
from steerlang.dataset.groundtruth import load_truth
from steerlang.dataset.synth import CameraSpec
from steerlang.errors import SteerlangError
from steerlang.sim.server_process import SimServerProcess
from tests.annotate_harness import (
    KEEP_TRUTH,
    annotate,
    over_http,
    run_records,
    truth_subtasks,
    written_language,
    written_subtasks,
)

MAX_FRAMES, OVERLAP, RATE = 5, 1, 2.0
DATASET = {
    "episodes": 2,
    "seconds": (9.0, 10.0),
    "cameras": (CameraSpec("top", 96, 72),),
    "codec": "h264",  # B-frames, a keyframe every second, episodes sharing one mp4
    "episodes_per_video_file": 2,
}
MODE_FLAGS = {
    "contact_sheets": (f"--plan.max_frames_per_prompt={MAX_FRAMES}",),
    "video_frames": (f"--plan.max_video_frames={MAX_FRAMES}", "--plan.video_frame_width=64"),
    "video_clip": (f"--plan.max_video_frames={MAX_FRAMES}", f"--plan.use_video_url_fps={RATE}"),
}


def windows_of(timestamps) -> list[tuple[float, float]]:
    """(first, last) sampled time of each window, as the plan module splits the episode."""
    samples = sample_frames(timestamps, RATE)
    return [
        (float(timestamps[samples[w.start]]), float(timestamps[samples[w.stop - 1]]))
        for w in split_windows(len(samples), MAX_FRAMES, OVERLAP)
    ]


@pytest.mark.parametrize("mode", sorted(MODE_FLAGS))
def test_each_visual_input_segments_long_episodes_back_to_the_truth(synth_copy, mode: str):
    root = synth_copy(**DATASET)
    with SimServerProcess(root) as server:
        code = annotate(
            root,
            *over_http(server.api_base),
            *KEEP_TRUTH,
            f"--plan.visual_input={mode}",
            *MODE_FLAGS[mode],
            f"--plan.window_overlap_frames={OVERLAP}",
            f"--plan.frames_per_second={RATE}",
            "--plan.subtask_seeded_relabel=true",
            "--plan.n_task_rephrasings=0",
            "--interjections.enabled=false",
            "--vqa.enabled=false",
        )
        stats = server.stats()
    assert code == 0
    assert stats["rejected"] == {}
    asked = stats["by_purpose"]
    visual_calls = asked["describe"] + asked["segment"] + asked["relabel"]
    if mode == "contact_sheets":
        assert stats["videos"] == {}
    else:  # every describe, segment and relabel call sent one video block, with its rate
        assert stats["videos"] == {mode: visual_calls, "fps_hint": visual_calls}

    episodes = written_language(root)
    windows = {i: windows_of(e.timestamps) for i, e in episodes.items()}
    assert asked["segment"] == asked["describe"] == sum(len(w) for w in windows.values())
    cut = 0
    for index, episode in episodes.items():
        assert len(windows[index]) >= 3
        truth = load_truth(root, index).subtasks
        cut += sum(not any(a <= s.start and s.end <= b for a, b in windows[index]) for s in truth)
        assert written_subtasks(episode) == truth_subtasks(root, episode)
        assert asked["relabel"] >= len(truth)
    assert cut >= 2, "no ground-truth subtask crossed a window edge: the test proves nothing"

    (record,) = run_records(root)
    assert record["segmentation_input"] == mode
    assert record["config"]["plan"]["visual_input"] == mode
    assert record["images"]["videos"] == (0 if mode == "contact_sheets" else visual_calls)
    assert record["images"]["bytes"] > 0
    if mode == "video_clip":
        assert record["images"]["sent"] == 0  # a clip is video bytes, not images


def test_a_clip_needs_a_camera_stored_as_video(synth_copy, capsys):
    root = synth_copy(episodes=1, seconds=(2.0, 2.0), camera_storage="image")
    assert annotate(root, "--vlm.backend=sim", "--plan.visual_input=video_clip") == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "is stored as images; use --plan.visual_input=video_frames" in line
    assert not (root / ".annotate_staging").exists()


def test_the_in_process_transformers_backend_takes_no_video():
    config = parse_config(["--root=DS", "--vlm.backend=transformers", "--plan.use_video_url"])
    assert config.plan.visual_input == "video_clip"
    with pytest.raises(SteerlangError, match=r"--vlm\.backend=transformers sends images only"):
        config.check()
