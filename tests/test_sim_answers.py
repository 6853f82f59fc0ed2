"""The answer schemas: strict, one per purpose, and the SPEC §3 VQA shapes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from steerlang.annotate.modules.answers import PURPOSES, PlanAnswer, SegmentAnswer, answer_model
from steerlang.language.vqa_shapes import QUESTION_TYPES, VqaBboxAnswer, VqaKeypointAnswer


def test_every_purpose_has_a_model_and_unknown_ones_are_errors() -> None:
    for purpose in PURPOSES:
        context = {"question_type": "count"} if purpose == "vqa" else {}
        assert answer_model(purpose, context).model_json_schema()["type"] == "object"
    with pytest.raises(ValueError, match="unknown purpose"):
        answer_model("poem")
    with pytest.raises(ValueError, match="unknown VQA question type"):
        answer_model("vqa", {"question_type": "colour"})


def test_schemas_forbid_extra_keys_and_require_every_shape_field() -> None:
    with pytest.raises(ValidationError):
        PlanAnswer.model_validate({"steps": ["a"], "notes": "x"})
    schema = VqaBboxAnswer.model_json_schema()["$defs"]["Detection"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"label", "bbox_format", "bbox"}
    for question_type in QUESTION_TYPES:
        assert answer_model("vqa", {"question_type": question_type}).model_json_schema()[
            "required"
        ] == ["question", "answer"]


def test_vqa_shapes_are_the_spec_ones() -> None:
    box = {"label": "red block", "bbox_format": "xyxy", "bbox": [1, 2, 3, 4]}
    assert VqaBboxAnswer.model_validate({"question": "q", "answer": {"detections": [box]}})
    with pytest.raises(ValidationError):
        VqaBboxAnswer.model_validate(
            {"question": "q", "answer": {"detections": [{**box, "bbox": [1, 2, 3]}]}}
        )
    with pytest.raises(ValidationError):
        VqaKeypointAnswer.model_validate(
            {"question": "q", "answer": {"label": "x", "point_format": "yx", "point": [1, 2]}}
        )


def test_subtask_spans_must_not_end_before_they_start() -> None:
    with pytest.raises(ValidationError, match="ends"):
        SegmentAnswer.model_validate({"subtasks": [{"label": "a", "start": 2.0, "end": 1.0}]})
    with pytest.raises(ValidationError):
        SegmentAnswer.model_validate({"subtasks": [{"label": "", "start": 0.0, "end": 1.0}]})
