"""How the shards type their language columns, judged by what consumers can still read.

Other tools write the columns with other types: HF `datasets` (as
`lerobot-edit-dataset` uses it) makes every struct field nullable; the
`lerobot-annotate` 0.6.1 writer lets pyarrow infer them (float64 timestamps,
null-typed all-None fields, tool calls as structs). LeRobot and `datasets` read
both, so they are warnings, reported once for all shards. Shards that disagree with
each other break a `datasets` load of the whole dataset, and a column that is not
a list of rows cannot be read at all: those are errors.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from steerlang.language.problems import Problem, Severity
from steerlang.schema import COLUMN_TYPES, LANGUAGE_COLUMNS

RESTORE = "`steerlang write --root {root}` restores the declared types"


def relaxed(data_type: pa.DataType) -> pa.DataType:
    """The type with every field nullable and list elements named `item`: what `datasets`
    sees (pyarrow's type equality already ignores list element names, not nullability)."""
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return pa.list_(relaxed(data_type.value_type))
    if pa.types.is_struct(data_type):
        return pa.struct([pa.field(f.name, relaxed(f.type)) for f in data_type])
    return data_type


def readable_rows(data_type: pa.DataType) -> bool:
    """Whether a column holds lists of row structs (or only empty lists) the rows can be read from."""
    if not (pa.types.is_list(data_type) or pa.types.is_large_list(data_type)):
        return False
    value = data_type.value_type
    return bool(pa.types.is_struct(value) or pa.types.is_null(value))


def column_type_problems(schemas: Mapping[str, pa.Schema], root: object) -> list[Problem]:
    """The language columns' stored types against the declared ones, reported once: one
    finding per severity over both columns and all shards (keyed by shard name)."""
    found: dict[Severity, list[tuple[str, list[str]]]] = {"error": [], "warning": []}
    for column in LANGUAGE_COLUMNS:
        stored = {
            name: schema.field(column).type
            for name, schema in schemas.items()
            if column in schema.names
        }
        finding = _column_finding(column, stored)
        if finding is not None:
            severity, text, shards = finding
            found[severity].append((text, shards))
    fix = RESTORE.format(root=root)
    consequence = {
        "error": "a consumer cannot read them",
        "warning": "LeRobot and `datasets` still read them",
    }
    return [
        Problem(
            severity,
            f"stores {'; '.join(text for text, _ in items)} instead of the declared types "
            f"(SPEC §3); {consequence[severity]} — {fix}",
            source=_shards(sorted({shard for _, shards in items for shard in shards})),
        )
        for severity, items in found.items()
        if items
    ]


def _column_finding(
    column: str, stored: Mapping[str, pa.DataType]
) -> tuple[Severity, str, list[str]] | None:
    """(severity, what the shards hold, which shards) for one column, or None when declared."""
    declared = COLUMN_TYPES[column]
    unreadable = [name for name, data_type in stored.items() if not readable_rows(data_type)]
    if unreadable:
        example = stored[unreadable[0]]
        return "error", f"{column} as {example}, which is not a list of rows", unreadable
    differing = [name for name, data_type in stored.items() if not data_type.equals(declared)]
    if not differing:
        return None
    kinds: dict[str, list[str]] = {}
    for name, data_type in stored.items():
        kinds.setdefault(str(relaxed(data_type)), []).append(name)
    if len(kinds) > 1:
        listed = ", ".join(f"{len(names)} shard(s) like {names[0]}" for names in kinds.values())
        return (
            "error",
            f"{column} with different types in different shards ({listed}: HF `datasets` "
            "fails to load them together)",
            differing,
        )
    example = stored[differing[0]]
    if relaxed(example).equals(relaxed(declared)):
        return "warning", f"{column} with nullable fields (as HF `datasets` writes it)", differing
    return "warning", f"{column} as {example} (types inferred by pyarrow)", differing


def _shards(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} other shard(s)"
