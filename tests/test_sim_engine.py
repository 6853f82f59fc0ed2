"""The simulator's answers: exact at zero noise for every purpose, and what each knob changes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from steerlang.annotate.modules.answers import SegmentAnswer, answer_model
from steerlang.dataset.groundtruth import EpisodeTruth, load_truth
from steerlang.dataset.synth import CameraSpec, SynthConfig
from steerlang.errors import SteerlangError
from steerlang.language.vqa_shapes import QUESTION_TYPES
from steerlang.sim.engine import SimEngine
from steerlang.sim.knobs import SimKnobs
from steerlang.sim.language import task_core
from steerlang.sim.truth_only import write_truth_only

TOP, WRIST = "observation.images.top", "observation.images.wrist"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "dataset"
    cameras = (CameraSpec("top", 640, 480), CameraSpec("wrist", 320, 240))
    return write_truth_only(SynthConfig(out=out, episodes=3, seconds=(4.0, 6.0), cameras=cameras))


@pytest.fixture(scope="module")
def truth(root: Path) -> EpisodeTruth:
    return load_truth(root, 0)


def exact(root: Path, purpose: str, **context):
    reply = SimEngine(root).reply(purpose, {"episode_index": 0, **context}, structured=False)
    assert reply.status == 200 and reply.injected == ()
    return answer_model(purpose, context).model_validate_json(reply.text)


def middle(truth: EpisodeTruth, i: int) -> float:
    span = truth.subtasks[i]
    return (span.start + span.end) / 2


def test_task_and_speech_come_from_the_ground_truth_task(root: Path, truth: EpisodeTruth) -> None:
    assert exact(root, "task", window=[0.0, 2.0]).task == truth.task
    speech = exact(root, "speech_initial", task=truth.task).text
    assert task_core(truth.task) in speech


def test_paraphrases_are_distinct_rewordings_of_the_task(root: Path, truth: EpisodeTruth) -> None:
    texts = exact(root, "task_paraphrases", task=truth.task, n=4).paraphrases
    assert len(texts) == 4 == len(set(texts))
    assert all(task_core(truth.task) in t and t != truth.task for t in texts)


def test_segment_returns_ground_truth_spans_clipped_to_the_window(
    root: Path, truth: EpisodeTruth
) -> None:
    t0, t1 = middle(truth, 0), middle(truth, 2)
    spans = exact(
        root, "segment", window=[t0, t1], tile_times=[t0, t1], episode_duration=5
    ).subtasks
    assert [s.label for s in spans] == [s.label for s in truth.subtasks]
    assert spans[0].start == t0 and spans[-1].end == t1
    assert [s.end for s in spans[:-1]] == [s.end for s in truth.subtasks[:-1]]
    assert [s.start for s in spans[1:]] == [s.start for s in truth.subtasks[1:]]


def test_segment_of_a_window_inside_one_subtask_is_that_subtask(
    root: Path, truth: EpisodeTruth
) -> None:
    s = truth.subtasks[1]
    window = [s.start + 0.1, s.end - 0.1]
    spans = exact(root, "segment", window=window, tile_times=window, episode_duration=5).subtasks
    assert [(x.label, x.start, x.end) for x in spans] == [(s.label, *window)]


def test_describe_gives_one_observation_per_tile(root: Path, truth: EpisodeTruth) -> None:
    times = [middle(truth, 0), middle(truth, 2)]
    observations = exact(root, "describe", window=[0.0, 5.0], tile_times=times).observations
    assert [o.time for o in observations] == times
    assert truth.subtasks[0].label in observations[0].description
    assert truth.subtasks[2].label in observations[1].description


def test_relabel_names_the_subtask_overlapping_the_span_most(
    root: Path, truth: EpisodeTruth
) -> None:
    s = truth.subtasks[1]
    span = [s.start - 0.05, s.end + 0.05]
    assert exact(root, "relabel", span=span).label == s.label


def test_plan_is_the_subtask_labels_in_order(root: Path, truth: EpisodeTruth) -> None:
    assert exact(root, "plan", task=truth.task).steps == [s.label for s in truth.subtasks]


def test_plan_refresh_quotes_the_interjection_then_lists_what_is_left(
    root: Path, truth: EpisodeTruth
) -> None:
    said = "Keep away from the edge of the table."
    steps = exact(
        root,
        "plan_refresh",
        time=middle(truth, 1),
        plan=[s.label for s in truth.subtasks],
        interjection=said,
        subtasks_done=[truth.subtasks[0].label],
    ).steps
    assert said in steps[0]
    assert steps[1:] == [s.label for s in truth.subtasks[1:]]


def test_memory_keeps_what_was_done_and_what_comes_next(root: Path, truth: EpisodeTruth) -> None:
    first, second = truth.subtasks[0], truth.subtasks[1]
    text = exact(
        root, "memory", time=first.end, completed=[first.label], previous_memory=None
    ).memory
    assert f"Done 1 of {len(truth.subtasks)}" in text
    assert first.label in text and second.label in text
    start = exact(root, "memory", time=0.0, completed=[], previous_memory=None).memory
    assert start.startswith("Nothing done yet")


@pytest.mark.parametrize(
    "kind", ["negative_task", "situated_correction", "specific_constraint", "preference"]
)
def test_interjections_of_every_kind_mention_the_scene(
    root: Path, truth: EpisodeTruth, kind: str
) -> None:
    subtask = truth.subtasks[1].label
    answer = exact(root, "interjection", time=middle(truth, 1), subtask=subtask, kind=kind)
    labels = [o["label"] for o in truth.objects]
    assert any(label in answer.interjection for label in labels) or subtask in answer.interjection
    assert answer.reply


def vqa_context(truth: EpisodeTruth, camera: str, question_type: str, **extra) -> dict:
    frame = truth.subtasks[1].start_frame + 5
    return {
        "time": frame / truth.fps,
        "frame_index": frame,
        "camera": camera,
        "question_type": question_type,
        "source_width": truth.resolution(camera)[0],
        "source_height": truth.resolution(camera)[1],
        **extra,
    }


@pytest.mark.parametrize(
    ("coordinates", "scale"),
    [
        # pixels of the 320x120 image sent, of Qwen2.5-VL's 308x112 resize of it, or 0-1000
        ("pixels", (320 / 640, 120 / 480)),
        ("qwen2.5", (308 / 640, 112 / 480)),
        ("norm1000", (1000 / 640, 1000 / 480)),
    ],
)
def test_vqa_boxes_are_the_ground_truth_in_the_asked_convention(
    root: Path, truth: EpisodeTruth, coordinates: str, scale: tuple[float, float]
) -> None:
    ctx = vqa_context(truth, TOP, "bbox", sent_width=320, sent_height=120)
    engine = SimEngine(root, SimKnobs(coordinates=coordinates))
    reply = engine.reply("vqa", {"episode_index": 0, **ctx}, structured=True)
    answer = answer_model("vqa", ctx).model_validate_json(reply.text).answer
    boxes = truth.boxes_at(TOP, ctx["frame_index"])
    labels = {o["id"]: o["label"] for o in truth.objects}
    assert {d.label for d in answer.detections} == {labels[i] for i in boxes}
    sx, sy = scale
    for detection in answer.detections:
        x1, y1, x2, y2 = next(boxes[i] for i in boxes if labels[i] == detection.label)
        assert detection.bbox == pytest.approx([x1 * sx, y1 * sy, x2 * sx, y2 * sy], abs=0.01)


def test_vqa_keypoint_is_the_centre_of_the_named_object(root: Path, truth: EpisodeTruth) -> None:
    ctx = vqa_context(truth, TOP, "keypoint")
    answer = exact(root, "vqa", **ctx).answer
    box = next(
        b
        for i, b in truth.boxes_at(TOP, ctx["frame_index"]).items()
        if truth.object(i)["label"] == answer.label
    )
    assert answer.point == pytest.approx([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2], abs=0.01)


def test_vqa_count_attribute_and_spatial_match_the_ground_truth(
    root: Path, truth: EpisodeTruth
) -> None:
    ctx = vqa_context(truth, TOP, "count")
    count = exact(root, "vqa", **ctx).answer
    assert count.count == truth.counts_at(TOP, ctx["frame_index"]).get(count.label, 0)
    attribute = exact(root, "vqa", **vqa_context(truth, TOP, "attribute")).answer
    obj = next(o for o in truth.objects if attribute.label in (o["shape"], f"{o['color']} object"))
    assert attribute.value == obj[attribute.attribute]
    ctx = vqa_context(truth, TOP, "spatial")
    spatial = exact(root, "vqa", **ctx).answer
    relations = [
        (truth.object(r["subject"])["label"], r["relation"], truth.object(r["object"])["label"])
        for r in truth.relations_at(TOP, ctx["frame_index"])
    ]
    assert (spatial.subject, spatial.relation, spatial.object) in relations


@pytest.mark.parametrize("question_type", ["keypoint", "attribute", "spatial"])
def test_vqa_with_nothing_to_ground_it_asks_a_count_instead(
    root: Path, truth: EpisodeTruth, question_type: str
) -> None:
    """A real model asks about what it sees; a count of 0 is an answer, a refusal is not."""
    blind = next(f for f in range(truth.length) if not truth.boxes_at(WRIST, f))
    ctx = {
        "episode_index": 0,
        "frame_index": blind,
        "camera": WRIST,
        "question_type": question_type,
    }
    reply = SimEngine(root).reply("vqa", ctx, structured=True)
    assert reply.injected == ()
    answer = answer_model("vqa", ctx).model_validate_json(reply.text).answer
    assert answer.count == 0 and answer.label in {o["shape"] for o in truth.objects}


def test_every_vqa_question_type_validates_against_its_schema(
    root: Path, truth: EpisodeTruth
) -> None:
    for question_type in QUESTION_TYPES:
        ctx = vqa_context(truth, TOP, question_type)
        assert exact(root, "vqa", **ctx).question


def test_missing_context_facts_and_unknown_purposes_are_clear_errors(root: Path) -> None:
    engine = SimEngine(root)
    with pytest.raises(SteerlangError, match="lacks 'span'"):
        engine.reply("relabel", {"episode_index": 0}, structured=False)
    with pytest.raises(SteerlangError, match="does not know purpose"):
        engine.reply("haiku", {"episode_index": 0}, structured=False)


# --- knobs -------------------------------------------------------------------------------

SEGMENT = {"episode_index": 0, "window": [0.0, 5.0], "tile_times": [0.0], "episode_duration": 5.0}


def segment_answer(root: Path, **knobs) -> SegmentAnswer:
    reply = SimEngine(root, SimKnobs(**knobs)).reply("segment", SEGMENT, structured=True)
    return SegmentAnswer.model_validate_json(reply.text)


def test_boundary_jitter_moves_inner_boundaries_only_and_is_seeded(
    root: Path, truth: EpisodeTruth
) -> None:
    clean = segment_answer(root).subtasks
    noisy = segment_answer(root, boundary_jitter_s=0.3, seed=1).subtasks
    assert [s.label for s in noisy] == [s.label for s in clean]
    assert [s.start for s in noisy[1:]] != [s.start for s in clean[1:]]
    assert noisy[0].start == clean[0].start and noisy[-1].end == clean[-1].end
    assert all(a.end == b.start and a.start < a.end for a, b in itertools.pairwise(noisy))
    assert segment_answer(root, boundary_jitter_s=0.3, seed=1) == segment_answer(
        root, boundary_jitter_s=0.3, seed=1
    )
    assert segment_answer(root, boundary_jitter_s=0.3, seed=2) != segment_answer(
        root, boundary_jitter_s=0.3, seed=1
    )


def test_label_noise_changes_labels_but_not_times(root: Path, truth: EpisodeTruth) -> None:
    clean = segment_answer(root).subtasks
    noisy = segment_answer(root, label_noise=1.0).subtasks
    assert all(a.label != b.label for a, b in zip(noisy, clean, strict=True))
    assert [(s.start, s.end) for s in noisy] == [(s.start, s.end) for s in clean]
    engine = SimEngine(root, SimKnobs(label_noise=1.0))
    steps = engine.answer("plan", {"episode_index": 0, "task": truth.task}).steps
    assert all(a != b.label for a, b in zip(steps, truth.subtasks, strict=True))


def malformed(root: Path, **knobs) -> str:
    return SimEngine(root, SimKnobs(**knobs)).reply("plan", {"episode_index": 0}, False).text


def test_wrapping_knobs_wrap_the_json_without_changing_it(root: Path) -> None:
    clean = malformed(root)
    assert malformed(root, think_prob=1.0).startswith("<think>")
    assert malformed(root, fence_prob=1.0) == f"```json\n{clean}\n```"
    prose = malformed(root, prose_prob=1.0)
    assert prose.startswith("Here is") and clean in prose
    everything = malformed(root, think_prob=1.0, fence_prob=1.0, prose_prob=1.0)
    assert everything.endswith("I hope this helps.") and clean in everything


def test_breaking_knobs_break_the_json_or_the_schema(root: Path) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed(root, invalid_json_prob=1.0))
    payload = json.loads(malformed(root, schema_invalid_prob=1.0))
    assert "steps" not in payload and "steps_" in payload
    assert malformed(root, empty_prob=1.0) == ""


def test_structured_replies_are_pure_json_but_can_still_be_empty(root: Path) -> None:
    knobs = SimKnobs(think_prob=1.0, fence_prob=1.0, prose_prob=1.0, invalid_json_prob=1.0)
    reply = SimEngine(root, knobs).reply("plan", {"episode_index": 0}, structured=True)
    assert json.loads(reply.text)["steps"]
    empty = SimEngine(root, SimKnobs(empty_prob=1.0)).reply("plan", {"episode_index": 0}, True)
    assert empty.text == "" and empty.injected == ("empty",)


def test_probabilities_are_rates_and_repeats_draw_afresh(root: Path) -> None:
    engine = SimEngine(root, SimKnobs(http_error_rate=0.3, seed=7))
    statuses = [engine.reply("plan", {"episode_index": 0}, False).status for _ in range(400)]
    errors = [s for s in statuses if s != 200]
    assert 0.2 < len(errors) / len(statuses) < 0.4
    assert set(errors) <= {500, 502, 503}
    assert engine.stats.injected["http_error"] == len(errors)
    assert engine.stats.by_purpose["plan"] == 400


def test_latency_is_uniform_around_the_mean(root: Path) -> None:
    engine = SimEngine(root, SimKnobs(latency_ms=200, latency_jitter_ms=50))
    delays = [engine.reply("plan", {"episode_index": 0}, False).latency_s for _ in range(200)]
    assert all(0.15 <= d <= 0.25 for d in delays)
    assert sum(delays) / len(delays) == pytest.approx(0.2, abs=0.01)
    assert SimEngine(root).reply("plan", {"episode_index": 0}, False).latency_s == 0.0


def test_answers_do_not_depend_on_the_order_requests_arrive_in(root: Path) -> None:
    knobs = SimKnobs(label_noise=0.5, boundary_jitter_s=0.2, think_prob=0.5, seed=3)
    asks = [("plan", {"episode_index": e}) for e in range(3)] + [("segment", SEGMENT)]
    forward, backward = SimEngine(root, knobs), SimEngine(root, knobs)
    first = {p + json.dumps(c): forward.reply(p, c, False).text for p, c in asks}
    second = {p + json.dumps(c): backward.reply(p, c, False).text for p, c in reversed(asks)}
    assert first == second


def test_knobs_reject_impossible_values() -> None:
    with pytest.raises(SteerlangError, match="probability"):
        SimKnobs(think_prob=1.5)
    with pytest.raises(SteerlangError, match="coordinates"):
        SimKnobs(coordinates="inches")
