"""Unit tests of the eval metrics: boundaries, segments, labels, boxes and VQA scoring."""

from __future__ import annotations

import json

import pytest

from steerlang.eval.annotations import VqaPair
from steerlang.eval.boxes import box_iou, paired_boxes
from steerlang.eval.label_metrics import exact_match, label_agreement, normalise_text, token_f1
from steerlang.eval.matching import MatchCounts
from steerlang.eval.scene_facts import SceneFacts, facts_from_answer
from steerlang.eval.segmentation_metrics import (
    SegmentationScores,
    boundaries,
    matched_boundaries,
    matched_segments,
    temporal_iou,
)
from steerlang.eval.segments import Segment, segments_from_starts
from steerlang.eval.vqa_metrics import VqaTally, score_pair

FPS = 30.0


def test_segments_from_starts_run_to_the_next_start_and_the_episode_end():
    segs = segments_from_starts([(3.0, "b"), (0.0, "a"), (3.0, "dup"), (7.5, "c")], 9.0)
    assert segs == [Segment("a", 0.0, 3.0), Segment("dup", 3.0, 7.5), Segment("c", 7.5, 9.0)]


def test_the_episode_start_is_not_a_boundary():
    segs = [Segment("a", 0.0, 2.0), Segment("b", 2.0, 5.0), Segment("c", 5.0, 6.0)]
    assert boundaries(segs, FPS) == [2.0, 5.0]
    late = [Segment("a", 1.0 / FPS / 4, 2.0), Segment("b", 2.0, 3.0)]
    assert boundaries(late, FPS) == [2.0]


def test_boundary_matching_is_one_to_one_and_maximal():
    # Matching 1.6 to its nearest (1.4) first would leave 1.0 alone; the sweep finds both.
    assert matched_boundaries([1.0, 1.6], [1.4, 2.0], 0.5) == 2
    # Two predictions near one reference boundary: only one of them counts.
    assert matched_boundaries([2.9, 3.1], [3.0], 0.5) == 1
    assert matched_boundaries([2.0], [2.6], 0.5) == 0
    assert matched_boundaries([2.0], [2.6], 1.0) == 1


def test_segmentation_scores_add_up_over_episodes():
    scores = SegmentationScores()
    reference = [Segment("grasp", 0.0, 3.0), Segment("lift", 3.0, 6.0)]
    scores.add_episode([Segment("grasp", 0.0, 3.3), Segment("lift it", 3.3, 6.0)], reference, FPS)
    scores.add_episode([Segment("x", 0.0, 6.0)], reference, FPS)  # found no boundary
    report = scores.as_dict()
    assert report["boundaries"]["0.5s"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "matched": 1,
        "predicted": 1,
        "reference": 2,
    }
    # Episode 1: both segments match; episode 2: [0, 6] against [0, 3] has IoU exactly 0.5.
    assert report["segments"]["matched"] == 3
    assert report["segments"]["predicted"] == 3
    assert report["segments"]["reference"] == 4
    # Ties in IoU go to the earlier reference segment.
    assert sorted(scores.label_pairs) == [("grasp", "grasp"), ("lift it", "lift"), ("x", "grasp")]


def test_segment_matching_needs_iou_at_least_one_half():
    a, b = Segment("a", 0.0, 4.0), Segment("b", 0.0, 2.0)
    assert temporal_iou(a, b) == 0.5
    assert matched_segments([a], [b]) == [(a, b)]
    assert matched_segments([a], [Segment("c", 0.0, 1.9)]) == []
    assert temporal_iou(Segment("a", 0, 1), Segment("b", 1, 2)) == 0.0


def test_match_counts_without_anything_are_undefined_not_perfect():
    empty = MatchCounts()
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)
    missed = MatchCounts(0, 0, 3)
    assert (missed.precision, missed.recall, missed.f1) == (None, 0.0, 0.0)


def test_label_normalisation_exact_match_and_token_f1():
    assert normalise_text("  Grasp the RED cube. ") == "grasp red cube"
    assert exact_match("Grasp the red cube.", "grasp a red cube")
    assert not exact_match("grasp the red cube", "grasp the blue cube")
    assert token_f1("grasp the red cube", "grasp the blue cube") == pytest.approx(2 / 3)
    assert token_f1("lift", "lower the block") == 0.0
    assert token_f1("", "") == 1.0
    agreement = label_agreement([("grasp red cube", "grasp red cube"), ("lift", "lower")])
    assert agreement == {"pairs": 2, "exact_match": 0.5, "token_f1": 0.5}
    assert label_agreement([])["exact_match"] is None


def test_box_iou_and_one_to_one_pairing():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert box_iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0
    pairs = paired_boxes([(0, 0, 10, 10), (1, 1, 11, 11)], [(0, 0, 10, 10)])
    assert pairs == [(0, 0, 1.0)]


def _pair(answer: dict, question: str = "?") -> VqaPair:
    return VqaPair(question, json.loads(json.dumps(answer)))


def _truth_facts() -> SceneFacts:
    facts = SceneFacts(complete=True)
    facts.boxes = [("red cube", (10.0, 10.0, 30.0, 30.0)), ("blue ball", (50.0, 50.0, 70.0, 70.0))]
    facts.counts = {"cube": 1, "ball": 1, "red cube": 1, "blue ball": 1}
    facts.attributes = {("ball", "color"): "blue", ("red cube", "shape"): "cube"}
    facts.add_relation("red cube", "left of", "blue ball")
    return facts


def _bbox(*detections: tuple[str, list[float]]) -> dict:
    rows = [{"label": label, "bbox_format": "xyxy", "bbox": box} for label, box in detections]
    return {"detections": rows}


def test_bbox_scores_detection_f1_iou_and_labels():
    tally = VqaTally()
    answer = _bbox(
        ("red cube", [10, 10, 30, 30]), ("green ball", [55, 50, 75, 70]), ("x", [90, 90, 99, 99])
    )
    score_pair(tally, _pair(answer), _truth_facts())
    scores = tally.as_dict()
    shifted = box_iou((55, 50, 75, 70), (50, 50, 70, 70))
    assert scores["bbox_boxes"] == {
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
        "f1": pytest.approx(0.8),
        "matched": 2,
        "predicted": 3,
        "reference": 2,
    }
    assert scores["bbox_mean_iou"] == pytest.approx((1.0 + shifted) / 2)
    assert scores["bbox_coverage_iou"] == pytest.approx((1.0 + shifted) / 2)
    assert scores["bbox_label_accuracy"] == 0.5  # "green ball" is on the blue ball's box
    # Boxes in the wrong convention (here 0-1000 units read as pixels) miss everything.
    wrong = VqaTally()
    score_pair(wrong, _pair(_bbox(("red cube", [62, 83, 187, 250]))), _truth_facts())
    assert wrong.as_dict()["bbox_f1"] == 0.0
    assert wrong.as_dict()["bbox_coverage_iou"] < 0.1


def test_keypoint_distance_to_the_named_objects_box_centre():
    tally = VqaTally()
    point = {"label": "red cube", "point_format": "xy", "point": [23.0, 24.0]}
    score_pair(tally, _pair(point), _truth_facts())
    # A wrong label in the answer: the object the question names is used.
    wrong_label = {"label": "purple cube", "point_format": "xy", "point": [60.0, 60.0]}
    score_pair(tally, _pair(wrong_label, "Point at the centre of the blue ball."), _truth_facts())
    # Nothing named that the scene has: unresolved, counted outside.
    score_pair(tally, _pair(wrong_label, "Point at the cube."), _truth_facts())
    scores = tally.as_dict()
    assert scores["keypoint_mean_distance_px"] == pytest.approx(5.0 / 2)
    assert scores["keypoint_inside_rate"] == pytest.approx(2 / 3)
    assert scores["keypoint_unresolved"] == 1
    assert scores["unscored"] == 0


def test_count_attribute_and_spatial_exact_match_with_inverse_relations():
    tally = VqaTally()
    facts = _truth_facts()
    for answer in (
        {"label": "cubes", "count": 1},
        {"label": "ball", "count": 2},
        {"label": "ball", "attribute": "colour", "value": "Blue"},
        {"label": "red cube", "attribute": "shape", "value": "ball"},
        {"subject": "blue ball", "relation": "right of", "object": "red cube"},
        {"subject": "red cube", "relation": "behind", "object": "blue ball"},
        {"subject": "red cube", "relation": "left of", "object": "yellow plate"},
    ):
        score_pair(tally, _pair(answer), facts)
    scores = tally.as_dict()
    assert (scores["count_accuracy"], scores["count_scored"]) == (0.5, 2)
    assert (scores["attribute_accuracy"], scores["attribute_scored"]) == (0.5, 2)
    assert scores["spatial_accuracy"] == pytest.approx(1 / 3)  # unknown object: wrong
    assert scores["unscored"] == 0


def test_partial_reference_facts_leave_other_claims_unscored():
    facts = facts_from_answer({"label": "block", "count": 2})
    assert facts is not None and not facts.complete
    tally = VqaTally()
    score_pair(tally, _pair({"label": "blocks", "count": 2}), facts)
    score_pair(tally, _pair({"label": "ball", "count": 1}), facts)
    score_pair(tally, _pair(_bbox(("block", [0, 0, 5, 5]))), facts)
    score_pair(tally, VqaPair("?", None), facts)
    score_pair(tally, _pair({"label": "ball", "count": 1}), None)
    scores = tally.as_dict()
    assert (scores["count_accuracy"], scores["count_scored"]) == (1.0, 1)
    assert scores["unscored"] == 3
    assert scores["invalid_answers"] == 1
    assert scores["pairs"] == 5
    assert facts_from_answer({"not": "a shape"}) is None
    spatial = facts_from_answer({"subject": "The cup", "relation": "left of", "object": "plate"})
    assert spatial is not None
    assert spatial.relations == {("cup", "plate"): "left of", ("plate", "cup"): "right of"}
