"""Where things live in a LeRobot v3.0 dataset (SPEC §2), and what to do with an older one."""

from __future__ import annotations

import shlex
import string
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from steerlang.errors import SteerlangError

T = TypeVar("T")

CODEBASE_VERSION = "v3.0"
INFO_PATH = Path("meta/info.json")
TASKS_PATH = Path("meta/tasks.parquet")
EPISODES_DIR = Path("meta/episodes")
DEFAULT_DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
DEFAULT_VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"

# LeRobot 0.6.1's v2.1 → v3.0 converter (checked in the lerobot-0.6.1 wheel:
# lerobot/scripts/convert_dataset_v21_to_v30.py; it was lerobot.datasets.v30.* up to 0.5).
# It is not a console script; `--repo-id` is required even for a local folder, and
# `--push-to-hub` defaults to true.
CONVERTER_MODULE = "lerobot.scripts.convert_dataset_v21_to_v30"
CONVERTER_INPUT_VERSION = "v2.1"

# The placeholders LeRobot v3.0 fills in each path template of info.json.
TEMPLATE_FIELDS = {
    "data_path": frozenset({"chunk_index", "file_index"}),
    "video_path": frozenset({"video_key", "chunk_index", "file_index"}),
}
V2_FIELDS = frozenset({"episode_index", "episode_chunk"})

# Columns every v3.0 data file carries besides the features the user recorded.
INDEX_COLUMNS = ("timestamp", "frame_index", "episode_index", "index", "task_index")


def converter_command(root: Path) -> str:
    """The shell command converting the v2.1 dataset at `root` in place, with nothing pushed."""
    folder = Path(root).resolve()
    return (
        f"python -m {CONVERTER_MODULE} --repo-id={shlex.quote('local/' + folder.name)} "
        f"--root={shlex.quote(str(folder))} --push-to-hub=false"
    )


def converter_hint(root: Path, version: str) -> str:
    """What to run on an older dataset (LeRobot's converter reads v2.1 only)."""
    hint = (
        "convert it with LeRobot's v2.1→v3.0 converter (it keeps the original as "
        f"{Path(root).name}_old): `{converter_command(root)}`"
    )
    if version != CONVERTER_INPUT_VERSION:
        hint += f" (the converter reads {CONVERTER_INPUT_VERSION} datasets only)"
    return hint


def next_file(chunk_index: int, file_index: int, chunks_size: int) -> tuple[int, int]:
    """The (chunk, file) after this one: files roll over into a new chunk at `chunks_size`."""
    if file_index + 1 >= chunks_size:
        return chunk_index + 1, 0
    return chunk_index, file_index + 1


def file_groups(items: list[T], size: int, chunks_size: int) -> list[tuple[int, int, list[T]]]:
    """Split into files of `size` items, numbering (chunk, file) with roll-over."""
    groups: list[tuple[int, int, list[T]]] = []
    chunk, file = 0, 0
    for start in range(0, len(items), size):
        groups.append((chunk, file, items[start : start + size]))
        chunk, file = next_file(chunk, file, chunks_size)
    return groups


def check_path_templates(info: Mapping[str, Any], root: Path) -> None:
    """Refuse path templates a v3.0 reader cannot fill (a v2-style `data_path` above all)."""
    for name, allowed in TEMPLATE_FIELDS.items():
        template = info.get(name)
        if template is None:
            continue
        where = f"{Path(root) / INFO_PATH} {name} {template!r}"
        fields = _placeholders(template, where)
        unknown = sorted(fields - allowed)
        if not unknown:
            continue
        named = ", ".join(f"{{{field}}}" for field in unknown)
        expected = " and ".join(f"{{{field}}}" for field in sorted(allowed))
        if V2_FIELDS & set(unknown):
            raise SteerlangError(
                f"{where} uses {named}, LeRobot v2.x's one-file-per-episode layout, though "
                f"codebase_version says v3.0 (v3.0 names files by {expected}); if the dataset "
                f'is v2.x, set codebase_version to "{CONVERTER_INPUT_VERSION}" and '
                f"{converter_hint(root, CONVERTER_INPUT_VERSION)}"
            )
        raise SteerlangError(
            f"{where} uses {named}; a v3.0 {name} may use only {expected} — correct it in "
            f"{INFO_PATH}"
        )


def _placeholders(template: Any, where: str) -> set[str]:
    if not isinstance(template, str):
        raise SteerlangError(f"{where} must be a string path template")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise SteerlangError(f"{where} is not a valid path template ({exc})") from None
    fields = {field for _, field, _, _ in parsed if field is not None}
    if "" in fields or any(field.isdigit() for field in fields):
        raise SteerlangError(f"{where} has a positional {{}} placeholder; name every placeholder")
    return {field.split(".")[0].split("[")[0] for field in fields}


def inside_root(root: Path, relative: str, source: str) -> Path:
    """`root / relative`, refused unless `relative` stays inside the root.

    Paths built from a dataset's own metadata (path templates, camera keys, indices)
    must not reach outside it, whoever made the dataset. The test is lexical (no
    absolute path, no `..` part), so datasets whose files are symlinks into a
    Hugging Face cache still open; the writer refuses to write through links anyway.
    """
    if not stays_inside(relative):
        raise SteerlangError(
            f"{source} gives the path {relative!r}, which is not inside {root}; the dataset's "
            "metadata may only name files under its own folder — fix or re-download meta/"
        )
    return root / relative


def stays_inside(relative: str) -> bool:
    """True when `relative` names something below a folder: relative, no `..`, not empty."""
    pure = PurePosixPath(relative)
    return (
        "\x00" not in relative
        and not pure.is_absolute()
        and ".." not in pure.parts
        and bool(pure.parts)
    )
