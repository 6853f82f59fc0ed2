"""Which episodes a reviewer accepted, kept beside the staging they looked at.

`<root>/.annotate_staging/view_review.json`:

    {"format": "steerlang-view-review/1",
     "accepted": {"3": {"at": "2026-01-02T10:00:00Z",
                        "versions": {"plan": "<sha256>", "interjections": "…", "vqa": "…"}}}}

`versions` are the staged outputs' hashes when the episode was accepted, so the
viewer can tell an acceptance that still holds from one whose rows changed since.
The file is not a module output: annotate, write and `staging --clear` ignore it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from steerlang.annotate.staging.store import STAGING_DIR
from steerlang.language.atomic_file import replace_atomically

REVIEW_FILE = "view_review.json"
REVIEW_FORMAT = "steerlang-view-review/1"


def review_path(root: Path) -> Path:
    return Path(root) / STAGING_DIR / REVIEW_FILE


def read_acceptance(root: Path) -> dict[int, dict[str, Any]]:
    """Accepted episodes → their acceptance (an unreadable file reads as none accepted)."""
    try:
        value = json.loads(review_path(root).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    accepted = value.get("accepted") if isinstance(value, dict) else None
    if not isinstance(accepted, dict):
        return {}
    return {
        int(key): entry
        for key, entry in accepted.items()
        if key.isdigit() and isinstance(entry, dict)
    }


def write_acceptance(root: Path, accepted: dict[int, dict[str, Any]]) -> None:
    document = {
        "format": REVIEW_FORMAT,
        "accepted": {str(episode): accepted[episode] for episode in sorted(accepted)},
    }
    path = review_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    replace_atomically(path, text.encode(), Path(root))


def acceptance_view(
    entry: dict[str, Any] | None, versions: dict[str, str | None]
) -> dict[str, Any] | None:
    """What the page shows: when it was accepted, and whether the rows changed since."""
    if entry is None:
        return None
    return {"at": entry.get("at"), "changed_since": entry.get("versions") != versions}
