"""The README's table of where `steerlang annotate` differs from `lerobot-annotate` is true:
every default that differs is a row with both values, no row claims a default difference
the config does not have, and every flag that is only explained, or that selects video
input, has its row."""

from __future__ import annotations

import json
import re
from pathlib import Path

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.commands.annotate import COMMAND
from steerlang.commands.flag_fields import flags_of
from tests.lerobot_annotate_flags import (
    LEROBOT_061_DEFAULTS,
    LEROBOT_061_SAMPLES,
    OLDER_SAMPLES,
    VIDEO_INPUT_SAMPLES,
)

README = Path(__file__).resolve().parents[1] / "README.md"
START = "<!-- lerobot-annotate flags:"
END = "<!-- end of lerobot-annotate flags -->"


def table_rows() -> list[list[str]]:
    text = README.read_text()
    assert text.count(START) == 1 and text.count(END) == 1
    body = text[text.index(START) : text.index(END)].splitlines()[3:]  # marker, head, rule
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in body]


def flags_named(cell: str) -> set[str]:
    return set(re.findall(r"`--([a-z_0-9.*]+)", cell))


def literal(cell: str) -> object:
    """The value of a cell that is one code span holding a JSON value, else None."""
    match = re.fullmatch(r"`([^`]+)`", cell)
    if match is None:
        return None
    try:
        return json.loads(match.group(1))
    except ValueError:
        return None


def test_every_default_difference_is_a_row_with_both_values():
    ours, _ = flags_of(AnnotateConfig)
    differing = {
        name: (theirs, ours[name].default)
        for name, theirs in LEROBOT_061_DEFAULTS.items()
        if ours[name].default != theirs
    }
    listed = {}
    for flag, theirs, mine, why in table_rows():
        assert why, f"{flag}: say why"
        if literal(theirs) is not None and literal(mine) is not None:
            (name,) = flags_named(flag)
            listed[name] = (literal(theirs), literal(mine))
    assert listed == differing


def test_every_explained_or_video_flag_has_its_row():
    named = set().union(*(flags_named(row[0]) for row in table_rows()))
    explained = {
        flag.split("=")[0].removeprefix("--")
        for flag, field, _ in LEROBOT_061_SAMPLES + OLDER_SAMPLES
        if field is None
    }
    # LeRobot's older video flags: their row says which visual input they select
    video = {flag.split("=")[0].removeprefix("--") for flag, _ in VIDEO_INPUT_SAMPLES}
    video = {name.replace("module_1.", "plan.") for name in video}

    def covered(name: str) -> bool:
        return name in named or any(
            pattern.endswith("*") and name.startswith(pattern[:-1]) for pattern in named
        )

    assert all(covered(name) for name in explained | video), named
    ours = flags_of(AnnotateConfig)[0]
    for name in named:  # and no row names a flag steerlang does not take
        stem = name.rstrip("*")
        if name.endswith("*"):
            prefix = COMMAND.canonical(stem[:-1]) + "." if stem.endswith(".") else stem
            assert any(flag.startswith(prefix) for flag in ours), name
        else:
            assert COMMAND.canonical(name) in ours, name
