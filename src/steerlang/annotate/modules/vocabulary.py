"""How segmentation and relabel calls ask for labels from a closed vocabulary.

With `--plan.subtask_labels` the answer schema's label is an enum of the labels (see
`answers.segment_answer_model`), so a server with structured output can only answer
them; the prompt lists them too (a server without structured output is held to them by
validation: any other label is a schema error, repaired or recorded as missing), and
the request context carries them, as it carries every fact the prompt states.
Without the flag each function adds nothing: prompts and contexts are as before.
"""

from __future__ import annotations

from collections.abc import Sequence


def label_prompt(labels: Sequence[str] | None) -> str:
    """The prompt block listing the allowed labels ("" without a vocabulary)."""
    if not labels:
        return ""
    listed = "\n".join(f"- {label}" for label in labels)
    return (
        "\nUse only these labels, copied exactly; they are the only labels allowed, even "
        f"where another phrase would say more:\n{listed}\n"
    )


def label_context(labels: Sequence[str] | None) -> dict[str, list[str]]:
    """The request-context facts about the vocabulary ({} without one)."""
    return {"labels": list(labels)} if labels else {}
