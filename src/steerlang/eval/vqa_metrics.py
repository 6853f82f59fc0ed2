"""Grounded VQA scores per camera: each predicted answer against the reference's facts.

- bbox: predicted and reference boxes pair one to one, greedily by IoU;
  detection P/R/F1 count pairs with IoU ≥ 0.5 (class-agnostic, so a wrong
  label does not hide a right box), `bbox_mean_iou` averages those pairs,
  `bbox_coverage_iou` averages over reference boxes (0 when unpaired), and
  `bbox_label_accuracy` is the share of matched boxes whose labels agree.
- keypoint: distance in source pixels to the centre of the named object's
  reference box (the label in the answer, else one named in the question) and
  the share of points inside that box; to a reference point when only a point
  is known.
- count, attribute, spatial: exact match after normalisation; spatial
  relations also match their inverse ("a left of b" = "b right of a").

With complete facts (ground truth) a claim about an object the scene does not
have is wrong; with a partial reference it is unscored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from steerlang.eval.annotations import VqaPair
from steerlang.eval.boxes import Box, Point, centre, distance, inside, paired_boxes
from steerlang.eval.label_metrics import normalise_text
from steerlang.eval.matching import MatchCounts
from steerlang.eval.scene_facts import SceneFacts, attribute_key
from steerlang.language.vqa_shapes import answer_shape

DETECTION_IOU = 0.5


@dataclass
class Tally:
    scored: int = 0
    correct: int = 0

    def add(self, correct: bool) -> None:
        self.scored += 1
        self.correct += bool(correct)

    @property
    def rate(self) -> float | None:
        return self.correct / self.scored if self.scored else None


@dataclass
class VqaTally:
    pairs: int = 0
    invalid_answers: int = 0  # not JSON, or none of the five shapes
    unscored: int = 0  # the reference knows nothing to score this answer on
    detections: MatchCounts = field(default_factory=MatchCounts)
    matched_iou_sum: float = 0.0
    coverage_iou_sum: float = 0.0
    box_labels: Tally = field(default_factory=Tally)
    keypoint_inside: Tally = field(default_factory=Tally)
    keypoint_distance_sum: float = 0.0
    keypoint_distances: int = 0
    keypoint_unresolved: int = 0
    counts: Tally = field(default_factory=Tally)
    attributes: Tally = field(default_factory=Tally)
    spatial: Tally = field(default_factory=Tally)

    def as_dict(self) -> dict[str, Any]:
        d = self.detections
        return {
            "pairs": self.pairs,
            "invalid_answers": self.invalid_answers,
            "unscored": self.unscored,
            "bbox_precision": d.precision,
            "bbox_recall": d.recall,
            "bbox_f1": d.f1,
            "bbox_mean_iou": self.matched_iou_sum / d.matched if d.matched else None,
            "bbox_coverage_iou": self.coverage_iou_sum / d.reference if d.reference else None,
            "bbox_label_accuracy": self.box_labels.rate,
            "bbox_boxes": d.as_dict(),
            "keypoint_mean_distance_px": (
                self.keypoint_distance_sum / self.keypoint_distances
                if self.keypoint_distances
                else None
            ),
            "keypoint_inside_rate": self.keypoint_inside.rate,
            "keypoint_scored": self.keypoint_distances,
            "keypoint_unresolved": self.keypoint_unresolved,
            "count_accuracy": self.counts.rate,
            "count_scored": self.counts.scored,
            "attribute_accuracy": self.attributes.rate,
            "attribute_scored": self.attributes.scored,
            "spatial_accuracy": self.spatial.rate,
            "spatial_scored": self.spatial.scored,
        }


@dataclass
class VqaScores:
    by_camera: dict[str, VqaTally] = field(default_factory=lambda: defaultdict(VqaTally))
    overall: VqaTally = field(default_factory=VqaTally)

    def score(self, camera: str, pair: VqaPair, facts: SceneFacts | None) -> None:
        for tally in (self.by_camera[camera], self.overall):
            score_pair(tally, pair, facts)

    def as_dict(self) -> dict[str, Any]:
        cameras = {camera: self.by_camera[camera].as_dict() for camera in sorted(self.by_camera)}
        return {"cameras": cameras, "all": self.overall.as_dict()}


def score_pair(tally: VqaTally, pair: VqaPair, facts: SceneFacts | None) -> None:
    tally.pairs += 1
    shape = answer_shape(pair.answer)
    if shape is None:
        tally.invalid_answers += 1
        return
    answer = pair.answer
    assert answer is not None
    scored = facts is not None and SCORERS[shape](tally, answer, pair.question, facts)
    tally.unscored += not scored


def _bbox(tally: VqaTally, answer: dict[str, Any], question: str, facts: SceneFacts) -> bool:
    if facts.boxes is None:
        return False
    predicted = [(normalise_text(d["label"]), tuple(d["bbox"])) for d in answer["detections"]]
    pairs = paired_boxes([b for _, b in predicted], [b for _, b in facts.boxes])
    matched = [(i, j, iou) for i, j, iou in pairs if iou >= DETECTION_IOU]
    tally.detections.add(len(matched), len(predicted), len(facts.boxes))
    tally.matched_iou_sum += sum(iou for _, _, iou in matched)
    tally.coverage_iou_sum += sum(iou for _, _, iou in pairs)
    for i, j, _ in matched:
        tally.box_labels.add(predicted[i][0] == facts.boxes[j][0])
    return True


def _keypoint(tally: VqaTally, answer: dict[str, Any], question: str, facts: SceneFacts) -> bool:
    point: Point = tuple(answer["point"])
    box = _named_box(normalise_text(answer["label"]), question, facts)
    if box is not None:
        tally.keypoint_inside.add(inside(point, box))
        _add_distance(tally, distance(point, centre(box)))
        return True
    known = facts.points.get(normalise_text(answer["label"]))
    if known is not None:
        _add_distance(tally, distance(point, known))
        return True
    if facts.complete:
        tally.keypoint_unresolved += 1
        tally.keypoint_inside.add(False)
    return facts.complete


def _add_distance(tally: VqaTally, value: float) -> None:
    tally.keypoint_distance_sum += value
    tally.keypoint_distances += 1


def _named_box(label: str, question: str, facts: SceneFacts) -> Box | None:
    """The reference box of the object the answer names, else of the one the question names."""
    boxes = dict(facts.boxes or ())
    if label in boxes:
        return boxes[label]
    words = f" {normalise_text(question)} "
    named = [name for name in boxes if f" {name} " in words]
    return boxes[max(named, key=len)] if named else None


def _count(tally: VqaTally, answer: dict[str, Any], question: str, facts: SceneFacts) -> bool:
    label = normalise_text(answer["label"])
    for key in (label, label.removesuffix("s")):
        if key in facts.counts:
            tally.counts.add(answer["count"] == facts.counts[key])
            return True
    if facts.complete:
        tally.counts.add(False)
    return facts.complete


def _attribute(tally: VqaTally, answer: dict[str, Any], question: str, facts: SceneFacts) -> bool:
    key = attribute_key(answer["label"], answer["attribute"])
    if key in facts.attributes:
        tally.attributes.add(normalise_text(str(answer["value"])) == facts.attributes[key])
        return True
    if facts.complete:
        tally.attributes.add(False)
    return facts.complete


def _spatial(tally: VqaTally, answer: dict[str, Any], question: str, facts: SceneFacts) -> bool:
    key = (normalise_text(answer["subject"]), normalise_text(answer["object"]))
    if key in facts.relations:
        tally.spatial.add(normalise_text(answer["relation"]) == facts.relations[key])
        return True
    if facts.complete:
        tally.spatial.add(False)
    return facts.complete


SCORERS = {
    "bbox": _bbox,
    "keypoint": _keypoint,
    "count": _count,
    "attribute": _attribute,
    "spatial": _spatial,
}
