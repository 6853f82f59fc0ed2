"""The commit protocol that makes a multi-file write all-or-nothing across crashes.

1. Prepare: every new file (shards, then `meta/info.json`) is written to its
   temporary sibling (`atomic_file.temp_path_for`) and fsynced. The old files
   are untouched; a crash here loses only temporaries, which the next write
   deletes before starting over.
2. Commit point: the journal `<root>/.steerlang_commit.json`, listing every
   (temporary, target) pair, is written atomically. From now on the write is
   decided.
3. Apply: each temporary is renamed over its target (info.json last), folders
   are fsynced, the journal is deleted.

A crash during 3 is rolled forward by `roll_forward` (run at the start of every
write and by `steerlang write`): renames whose temporary still exists are
redone, the others already happened. Each rename is atomic, so every file is
old or new at every instant; once the journal is gone the dataset is new.

A distributed write (`annotate/executors`) commits each rank's shards through
that rank's own journal (`part`), so ranks of one job never touch each other's
renames; a rank rolls forward only its own part, a whole-dataset writer all of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from steerlang.dataset.layout import stays_inside
from steerlang.errors import SteerlangError
from steerlang.language.atomic_file import (
    TEMP_SUFFIX,
    fsync_dir,
    replace_atomically,
    temp_path_for,
)

JOURNAL_NAME = ".steerlang_commit.json"
PART_JOURNALS = ".steerlang_commit.*.json"
LEFTOVER_FOLDERS = ("data", "meta")


def journal_path(root: Path, part: str | None = None) -> Path:
    """The journal of a whole write, or of one part of a distributed write."""
    return root / (JOURNAL_NAME if part is None else f".steerlang_commit.{part}.json")


def journals(root: Path) -> list[Path]:
    """Every journal present: the whole write's, then the parts' in name order."""
    found = [journal_path(root)] if journal_path(root).exists() else []
    return found + sorted(root.glob(PART_JOURNALS))


def is_pending(root: Path) -> bool:
    """True when a committed write (or a part of one) was interrupted before it finished."""
    return bool(journals(root))


def discard_leftovers(root: Path) -> None:
    """Delete temporaries of an uncommitted (abandoned) write."""
    if is_pending(root):
        raise RuntimeError("a committed write is pending; roll it forward instead")
    for folder in LEFTOVER_FOLDERS:
        for temp in (root / folder).rglob(f".*{TEMP_SUFFIX}"):
            temp.unlink()


def commit(root: Path, renames: Sequence[tuple[Path, Path]], part: str | None = None) -> None:
    """Make the prepared temporaries the dataset's files (steps 2 and 3 above)."""
    entries = [
        [str(temp.relative_to(root)), str(target.relative_to(root))] for temp, target in renames
    ]
    text = json.dumps({"renames": entries}, indent=1) + "\n"
    replace_atomically(journal_path(root, part), text.encode(), root)
    _roll_forward_one(root, journal_path(root, part))


def roll_forward(root: Path, part: str | None = None) -> bool:
    """Finish interrupted commits (all of them, or one part's); returns whether there was one."""
    found = journals(root) if part is None else [journal_path(root, part)]
    rolled = [_roll_forward_one(root, path) for path in found]
    return any(rolled)


def _roll_forward_one(root: Path, path: Path) -> bool:
    if not path.exists():
        return False
    try:
        entries = json.loads(path.read_text())["renames"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SteerlangError(
            f"{path} is damaged ({exc}); it records an interrupted steerlang write — "
            "restore the dataset from a copy, or delete the file and rerun the write"
        ) from None
    renames = [_checked_rename(root, path, entry) for entry in _entry_list(path, entries)]
    folders = set()
    for temp, target in renames:
        if temp.exists():
            os.replace(temp, target)
        folders.add(target.parent)
    for folder in sorted(folders):
        fsync_dir(folder)
    path.unlink()
    fsync_dir(root)
    return True


def _entry_list(journal: Path, entries: object) -> list[object]:
    if not isinstance(entries, list):
        raise _refused(journal, "'renames' is not a list")
    return entries


def _checked_rename(root: Path, journal: Path, entry: object) -> tuple[Path, Path]:
    """One journal entry as (temporary, target), refused unless it is what `commit` writes:
    a target inside the root, not reached through a symlink, and its own temporary sibling.

    A journal is a file in the dataset, and datasets come from anywhere: one naming other
    paths would make the next write move files anywhere the user may write.
    """
    if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str) for e in entry)):
        raise _refused(journal, f"entry {entry!r} is not a [temporary, target] pair")
    temp_name, target_name = entry
    if not stays_inside(target_name):
        raise _refused(journal, f"target {target_name!r} is not a path inside the dataset")
    target = root / target_name
    if temp_name != str(temp_path_for(target).relative_to(root)):
        raise _refused(journal, f"{temp_name!r} is not the temporary of {target_name!r}")
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(target.parent)]) != real_root:
        raise _refused(journal, f"the folder of {target_name!r} leads outside the dataset")
    if target.is_symlink():
        raise _refused(journal, f"target {target_name!r} is a symlink")
    return temp_path_for(target), target


def _refused(journal: Path, why: str) -> SteerlangError:
    return SteerlangError(
        f"{journal} was not written by steerlang's writer ({why}); nothing was moved — "
        "if the dataset came from elsewhere, delete that file and check the dataset"
    )
