"""Matched / predicted / reference counts and the precision, recall and F1 they give.

Counts add up over episodes (micro-averaging), so an episode with many
boundaries weighs more than one with few, and episodes where one side is
empty need no special case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class MatchCounts:
    matched: int = 0
    predicted: int = 0
    reference: int = 0

    def add(self, matched: int, predicted: int, reference: int) -> None:
        self.matched += matched
        self.predicted += predicted
        self.reference += reference

    @property
    def precision(self) -> float | None:
        return self.matched / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference if self.reference else None

    @property
    def f1(self) -> float | None:
        """2·matched / (predicted + reference); None when both sides are empty."""
        total = self.predicted + self.reference
        return 2 * self.matched / total if total else None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "matched": self.matched,
            "predicted": self.predicted,
            "reference": self.reference,
        }


def greedy_pairs(
    candidates: Iterable[tuple[float, int, int]], accept: Callable[[float], bool]
) -> list[tuple[int, int, float]]:
    """One-to-one (i, j, score) pairs taken by decreasing score while `accept(score)` holds."""
    used_i: set[int] = set()
    used_j: set[int] = set()
    pairs = []
    for score, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if not accept(score):
            break
        if i in used_i or j in used_j:
            continue
        used_i.add(i)
        used_j.add(j)
        pairs.append((i, j, score))
    return pairs
