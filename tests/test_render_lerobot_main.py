"""The canonical recipes render exactly as LeRobot main's recipes do under main's rules.

The expected side is `tests/render_reference.py` (the rules written out plainly)
applied to LeRobot main's recipe structures, written here in LeRobot's own form
(one VQA component per camera); the actual side is our shipped recipe files
(`${camera}` expansion) rendered by `steerlang.render`.
"""

from __future__ import annotations

import pytest

from steerlang.render import EpisodeLanguage, compile_recipe, load_recipe, render_sample
from steerlang.render.parquet_source import iter_frames, open_language_source
from steerlang.render.render_sample import render_choice
from steerlang.render.stream import render_frame
from tests import render_reference as reference
from tests.lerobot_recipes import LEROBOT_RECIPES
from tests.render_fixtures import (
    CAMERAS,
    FRONT,
    WRIST,
    prow,
    standard_episode,
    vqa_pair,
    write_dataset,
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """VQA on both cameras every 4th frame, on one camera at frames 6 and 7, none elsewhere."""
    episodes = []
    for i in range(3):
        episode = standard_episode(i, n_frames=40, fps=10, task_index=i % 2, vqa_every=4)
        episode.events.setdefault(6, []).extend(vqa_pair(FRONT, "front only?", {"n": 6}))
        episode.events.setdefault(7, []).extend(vqa_pair(WRIST, "wrist only?", {"n": 7}))
        episodes.append(episode)
    return write_dataset(
        tmp_path_factory.mktemp("ds"), episodes, fps=10, tasks=("stack cubes", "sort cubes")
    )


def test_shipped_recipe_set_is_lerobot_mains_plus_the_seeds():
    from steerlang.render import builtin_recipe_names

    # plus steerlang's own: subtask_reasoning trains on a style LeRobot lacks (test_reasoning)
    assert builtin_recipe_names() == sorted([*LEROBOT_RECIPES, "subtask_reasoning"])


@pytest.mark.parametrize("name", sorted(LEROBOT_RECIPES))
def test_canonical_recipe_renders_like_lerobot_main(dataset, name):
    source = open_language_source(dataset)
    compiled = compile_recipe(load_recipe(name), source.camera_keys())
    frames = reference.dataset_frames(dataset)
    kinds = {"both cameras": 0, "one camera": 0, "no vqa": 0}
    for frame, ours in zip(frames, iter_frames(source), strict=True):
        cameras = {r["camera"] for r in frame["language_events"] if r.get("style") == "vqa"}
        kinds[{2: "both cameras", 1: "one camera", 0: "no vqa"}[len(cameras)]] += 1
        expected = reference.render(
            LEROBOT_RECIPES[name],
            frame["language_persistent"],
            frame["language_events"],
            frame["timestamp"],
            frame["index"],
            frame["task"],
        )
        component, rendered = render_frame(compiled, ours, None)
        assert (component.name, rendered) == expected, (name, frame["index"])
    assert min(kinds.values()) >= 6, kinds


def test_vqa_frames_are_routed_to_their_camera(dataset):
    """On a frame with one camera's VQA, that camera's component renders whatever the draw says."""
    compiled = compile_recipe(load_recipe("subtask_mem_vqa_speech"), CAMERAS)
    source = open_language_source(dataset)
    for frame in iter_frames(source):
        cameras = {r["camera"] for r in frame.events if r.get("style") == "vqa"}
        component, rendered = render_frame(compiled, frame, None)
        if len(cameras) == 1:
            assert component.name == f"ask_vqa[{cameras.pop()}]" and rendered is not None
        elif not cameras and component.route is not None:
            assert rendered is None  # drawn on a frame without its rows


def test_lerobot_verified_vectors():
    """Outcomes recorded by running LeRobot main's own renderer (lerobot_facts.md, A2)."""
    compiled = compile_recipe(load_recipe("subtask_mem_vqa_speech"), CAMERAS)
    short = {
        "low_level_execution": "low",
        "high_level_subtask": "high",
        f"ask_vqa[{FRONT}]": "top",
        f"ask_vqa[{WRIST}]": "wrist",
        "user_interjection_response": "speech",
        "memory_update": "memory",
    }
    drawn = [short[compiled.choose(i).name] for i in range(16)]
    assert drawn == [
        "low", "wrist", "high", "low", "low", "low", "high", "top",
        "low", "low", "wrist", "speech", "low", "memory", "low", "wrist",
    ]  # fmt: skip
    episode = EpisodeLanguage([prow("subtask", "grasp", 0.0)])
    none_without_vqa = [
        i for i in range(11) if render_sample(compiled, episode, [], 0.0, i, None, "T") is None
    ]
    assert none_without_vqa == [1, 7, 10]
    events = [*vqa_pair(FRONT, "q", {"n": 1}), *vqa_pair(WRIST, "q", {"n": 2})]
    routed = [
        short[render_choice(compiled, episode, events, 0.0, i, None, "T")[0].name] for i in range(4)
    ]
    assert routed == ["top", "wrist", "top", "top"]
