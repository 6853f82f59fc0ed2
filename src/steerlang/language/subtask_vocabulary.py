"""A closed subtask label vocabulary: the file `--plan.subtask_labels` and
`export-legacy --subtask_labels` read.

One label per line (blank lines and `#` comments skipped), or a YAML list of
strings. The order is the file's: it numbers the labels in `subtask_index`. The
annotate pipeline asks the model to choose only from these labels; the legacy export
numbers them in this order, so several datasets labelled from one file share indices.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from steerlang.errors import SteerlangError

FIX = "write one label per line, or a YAML list of strings"


def read_vocabulary(path: str | Path, flag: str) -> tuple[str, ...]:
    """The labels of `path` in order; a bad file is one `SteerlangError` line naming `flag`."""
    where = f"{flag}={path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SteerlangError(f"{where}: no such file; {FIX}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SteerlangError(f"{where}: cannot be read ({exc}); {FIX}") from None
    labels = _yaml_list(text, where)
    if labels is None:
        labels = [line.strip() for line in text.splitlines()]
        labels = [label for label in labels if label and not label.startswith("#")]
    if not labels:
        raise SteerlangError(f"{where}: holds no label; {FIX}")
    seen: dict[str, str] = {}
    for label in labels:
        key = " ".join(label.lower().split())
        if key in seen:
            raise SteerlangError(
                f"{where}: the label {label!r} is given twice"
                + (f" (also as {seen[key]!r})" if seen[key] != label else "")
                + "; each label once, so its index is unambiguous"
            )
        seen[key] = label
    return tuple(labels)


def _yaml_list(text: str, where: str) -> list[str] | None:
    """The labels of a YAML list, or None when the file is not one (then: one per line)."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return None  # lines such as `grasp: the cup` are not YAML lists either
    if not isinstance(value, list):
        return None
    labels = []
    for position, item in enumerate(value, 1):
        if not isinstance(item, str) or not item.strip() or "\n" in item.strip():
            raise SteerlangError(
                f"{where}: item {position} of the YAML list is {item!r}, not a one-line label; "
                f"{FIX}"
            )
        labels.append(item.strip())
    return labels
