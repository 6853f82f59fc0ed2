"""A closed label vocabulary, honoured the way a server with structured output honours an
enum: whatever the ground truth (and its noise) says is answered as the nearest label
the request allows (`labels` in the context of `segment` and `relabel` requests)."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from steerlang.annotate.modules.answers import RelabelAnswer, SegmentAnswer
from steerlang.annotate.modules.segmentation import normalise_label
from steerlang.language.vqa_shapes import Answer


def nearest_label(label: str, vocabulary: Sequence[str]) -> str:
    """The vocabulary label most like `label`: the same words in the same order count most,
    then the same characters; ties go to the earlier label of the file."""
    wanted = normalise_label(label)

    def likeness(position: int) -> tuple[float, float, int]:
        other = normalise_label(vocabulary[position])
        words = SequenceMatcher(None, wanted.split(), other.split()).ratio()
        return words, SequenceMatcher(None, wanted, other).ratio(), -position

    return vocabulary[max(range(len(vocabulary)), key=likeness)]


def within_vocabulary(answer: Answer, vocabulary: Sequence[str]) -> Answer:
    """The answer with each subtask label replaced by its nearest vocabulary label."""
    if isinstance(answer, SegmentAnswer):
        for span in answer.subtasks:
            span.label = nearest_label(span.label, vocabulary)
    elif isinstance(answer, RelabelAnswer):
        answer.label = nearest_label(answer.label, vocabulary)
    return answer
