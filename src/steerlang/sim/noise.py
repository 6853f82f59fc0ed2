"""Content noise: shifted subtask boundaries and wrong or vaguer labels.

Applied to an exact answer, so every noisy answer still fits its schema; only
what it says drifts from the ground truth (unlike `malform.py`, which breaks
the reply's form).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from steerlang.annotate.modules.answers import SegmentAnswer, SubtaskSpan
from steerlang.dataset.synth.scene import COLORS

MIN_SPAN_S = 1e-3  # a jittered span never shrinks below this
CONTIGUOUS_S = 1e-4  # spans this close touch (ground-truth starts are float32-rounded)


def perturb_label(label: str, others: Sequence[str], rng: random.Random) -> str:
    """A different label: another one from the episode, a vaguer one, or a wrong colour."""
    words = label.split()
    candidates = [o for o in others if o != label]
    if len(words) > 3:
        candidates.append(" ".join(words[:3]))
    for i, word in enumerate(words):
        if word in COLORS:
            swapped = sorted(c for c in COLORS if c != word)
            candidates.append(" ".join([*words[:i], rng.choice(swapped), *words[i + 1 :]]))
            break
    return rng.choice(candidates) if candidates else f"{label} somehow"


def noisy_labels(
    labels: Sequence[str], pool: Sequence[str], probability: float, rng: random.Random
) -> list[str]:
    """Each label replaced with probability `probability` (pool: plausible alternatives)."""
    return [
        perturb_label(label, pool, rng) if rng.random() < probability else label for label in labels
    ]


def jitter_boundaries(answer: SegmentAnswer, sigma: float, rng: random.Random) -> SegmentAnswer:
    """Move each inner boundary by N(0, sigma), keeping spans ordered and non-empty."""
    spans = [span.model_copy() for span in answer.subtasks]
    for i in range(1, len(spans)):
        prev, span = spans[i - 1], spans[i]
        contiguous = abs(prev.end - span.start) < CONTIGUOUS_S
        low, high = prev.start + MIN_SPAN_S, span.end - MIN_SPAN_S
        shift = rng.gauss(0.0, sigma)
        if high < low:
            continue
        moved = round(min(max(span.start + shift, low), high), 3)
        span.start = moved
        if contiguous or prev.end > moved:
            prev.end = moved
    return SegmentAnswer(subtasks=[SubtaskSpan.model_validate(s.model_dump()) for s in spans])
