"""Agreement of two labels: normalised exact match and token F1 (SQuAD-style).

Normalisation: lower case, punctuation removed, the articles a/an/the dropped,
whitespace collapsed — so "Grasp the red cube." equals "grasp red cube".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

ARTICLES = frozenset({"a", "an", "the"})


def normalise_text(text: str) -> str:
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    return " ".join(word for word in words if word not in ARTICLES)


def exact_match(predicted: str, reference: str) -> bool:
    return normalise_text(predicted) == normalise_text(reference)


def token_f1(predicted: str, reference: str) -> float:
    """Harmonic mean of token precision and recall over the normalised word multisets."""
    pred, ref = normalise_text(predicted).split(), normalise_text(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def label_agreement(pairs: Sequence[tuple[str, str]]) -> dict[str, float | int | None]:
    """Exact-match rate and mean token F1 over (predicted, reference) label pairs."""
    if not pairs:
        return {"pairs": 0, "exact_match": None, "token_f1": None}
    return {
        "pairs": len(pairs),
        "exact_match": sum(exact_match(p, r) for p, r in pairs) / len(pairs),
        "token_f1": sum(token_f1(p, r) for p, r in pairs) / len(pairs),
    }
