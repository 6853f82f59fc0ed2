"""Exact grounded VQA answers at the asked frame and camera, in the asked convention.

Boxes come from the ground truth in source pixels and are converted to what
the simulated model would say: pixels of the image it was sent, pixels of
that image after Qwen2.5-VL's own smart resize, or 0–1000 normalised units
(Qwen2-VL, Qwen3-VL).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from steerlang.annotate.frames.geometry import smart_resize
from steerlang.dataset.groundtruth import EpisodeTruth
from steerlang.language.vqa_shapes import (
    VQA_ANSWER_MODELS,
    AttributeAnswer,
    BboxAnswer,
    CountAnswer,
    Detection,
    KeypointAnswer,
    SpatialAnswer,
    VqaAnswer,
    VqaAttributeAnswer,
    VqaBboxAnswer,
    VqaCountAnswer,
    VqaKeypointAnswer,
    VqaSpatialAnswer,
)


@dataclass(frozen=True)
class Geometry:
    """Maps source pixels to the coordinates a model answers in."""

    convention: str
    source: tuple[int, int]
    sent: tuple[int, int]

    def point(self, x: float, y: float) -> list[float]:
        if self.convention == "pixels":
            sx, sy = self.sent[0] / self.source[0], self.sent[1] / self.source[1]
        elif self.convention == "qwen2.5":
            height, width = smart_resize(self.sent[1], self.sent[0])
            sx, sy = width / self.source[0], height / self.source[1]
        else:
            sx, sy = 1000 / self.source[0], 1000 / self.source[1]
        return [round(x * sx, 2), round(y * sy, 2)]

    def box(self, box: list[float]) -> list[float]:
        return [*self.point(box[0], box[1]), *self.point(box[2], box[3])]


def geometry(context: Mapping[str, Any], truth: EpisodeTruth, convention: str) -> Geometry:
    source = truth.resolution(str(context["camera"]))
    sent = (
        int(context.get("sent_width") or source[0]),
        int(context.get("sent_height") or source[1]),
    )
    return Geometry(convention, source, sent)


def frame_of(context: Mapping[str, Any], truth: EpisodeTruth) -> int:
    if context.get("frame_index") is not None:
        return int(context["frame_index"])
    return truth.frame_at(float(context["time"]))


def vqa(
    context: Mapping[str, Any], truth: EpisodeTruth, convention: str, choose: random.Random
) -> VqaAnswer:
    """A question of the asked type and its exact answer; when the frame shows nothing to
    ask it about, a count question instead, as a real model asks about what it sees."""
    kind = str(context["question_type"])
    answer = _grounded(kind, context, truth, convention, choose)
    if answer is not None:
        return answer
    count = _count(context, truth, choose)
    model = VQA_ANSWER_MODELS[kind]
    return model.model_validate({"question": count.question, "answer": count.answer.model_dump()})


def _count(
    context: Mapping[str, Any], truth: EpisodeTruth, choose: random.Random
) -> VqaCountAnswer:
    counts = truth.counts_at(str(context["camera"]), frame_of(context, truth))
    shape = choose.choice(sorted({o["shape"] for o in truth.objects}))
    return VqaCountAnswer(
        question=f"How many {shape}s can you see?",
        answer=CountAnswer(label=shape, count=counts.get(shape, 0)),
    )


def _grounded(
    kind: str,
    context: Mapping[str, Any],
    truth: EpisodeTruth,
    convention: str,
    choose: random.Random,
) -> VqaAnswer | None:
    """The asked type's question and exact answer, or None when nothing in view grounds it."""
    camera = str(context["camera"])
    frame = frame_of(context, truth)
    geo = geometry(context, truth, convention)
    boxes = truth.boxes_at(camera, frame)
    visible = [o for o in truth.objects if o["id"] in boxes]
    if kind == "bbox":
        detections = [
            Detection(label=o["label"], bbox_format="xyxy", bbox=geo.box(boxes[o["id"]]))
            for o in visible
        ]
        return VqaBboxAnswer(
            question="Give the bounding box of every object you can see.",
            answer=BboxAnswer(detections=detections),
        )
    if kind == "count":
        return _count(context, truth, choose)
    if kind == "spatial":
        relations = truth.relations_at(camera, frame)
        if not relations:
            return None
        rel = choose.choice(relations)
        subject, obj = truth.object(rel["subject"])["label"], truth.object(rel["object"])["label"]
        return VqaSpatialAnswer(
            question=f"Where is the {subject} relative to the {obj}?",
            answer=SpatialAnswer(subject=subject, relation=rel["relation"], object=obj),
        )
    if not visible:
        return None
    target = choose.choice(visible)
    if kind == "keypoint":
        x1, y1, x2, y2 = boxes[target["id"]]
        return VqaKeypointAnswer(
            question=f"Point at the centre of the {target['label']}.",
            answer=KeypointAnswer(
                label=target["label"],
                point_format="xy",
                point=geo.point((x1 + x2) / 2, (y1 + y2) / 2),
            ),
        )
    if kind == "attribute":
        return _attribute(target, truth)
    raise ValueError(f"unknown VQA question type {kind!r}")


def _attribute(target: dict[str, str], truth: EpisodeTruth) -> VqaAttributeAnswer:
    """Ask the colour when the shape names the object, else the shape of the coloured one."""
    same_shape = [o for o in truth.objects if o["shape"] == target["shape"]]
    if len(same_shape) == 1:
        return VqaAttributeAnswer(
            question=f"What colour is the {target['shape']}?",
            answer=AttributeAnswer(label=target["shape"], attribute="color", value=target["color"]),
        )
    label = f"{target['color']} object"
    return VqaAttributeAnswer(
        question=f"What shape is the {label}?",
        answer=AttributeAnswer(label=label, attribute="shape", value=target["shape"]),
    )
