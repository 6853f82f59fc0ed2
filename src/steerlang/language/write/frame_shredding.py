"""One cell of a nested list column → each parquet leaf's levels and dictionary (Dremel shredding).

The persistent column holds the same list on every frame of an episode, so the
writer shreds that list once and the periodic page encoder repeats the result.
The walk is column-wise over the list's items as Python values (a few list
comprehensions per leaf, never a loop per frame). Leaves are laid out the way
parquet-cpp writes Arrow types (a list is `name (LIST) { repeated group list
{ element } }`); their values come out PLAIN-encoded, deduplicated in order of
first appearance.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import pyarrow as pa

from steerlang.language.write.parquet_ids import TYPE_BYTE_ARRAY, TYPE_FLOAT

_FLOAT = struct.Struct("<f")
_LENGTH = struct.Struct("<I")


class UnsupportedColumn(ValueError):
    """A type the shredder does not encode."""


@dataclass(frozen=True)
class LeafShape:
    """Where a leaf sits: its parquet path, physical type and maximum levels."""

    path: tuple[str, ...]
    physical_type: int
    max_definition: int
    max_repetition: int


class FrameLeaf(NamedTuple):
    """One leaf's share of one cell: levels per entry, dictionary index per non-null value.
    (A named tuple: hundreds are made per shard, and they build faster than dataclasses.)"""

    shape: LeafShape
    repetition: tuple[int, ...]
    definition: tuple[int, ...]
    indices: tuple[int, ...]
    dictionary: tuple[bytes, ...]  # PLAIN-encoded values, length prefix included
    unencoded_bytes: int  # byte-array value bytes without prefixes (size statistics)

    @classmethod
    def of(
        cls, shape: LeafShape, repetition: list[int], definition: list[int], values: list[Any]
    ) -> FrameLeaf:
        if shape.physical_type == TYPE_FLOAT:
            keys = tuple([_FLOAT.pack(value) for value in values])  # by bits: 0.0 ≠ -0.0
        else:
            keys = tuple(values)
        return _frame_leaf(shape, tuple(repetition), tuple(definition), keys)

    def histogram(self, levels: tuple[int, ...], top: int) -> list[int]:
        """How often each level 0..top occurs in `levels` (for size statistics)."""
        return [levels.count(level) for level in range(top + 1)]


@functools.lru_cache(maxsize=1024)
def _frame_leaf(
    shape: LeafShape,
    repetition: tuple[int, ...],
    definition: tuple[int, ...],
    keys: tuple[Any, ...],
) -> FrameLeaf:
    """The leaf for its levels and values (PLAIN bytes for floats, str for strings). Memoised:
    leaves like `role`, `style` or `camera` hold the same values in most episodes."""
    unique = list(dict.fromkeys(keys))
    position = dict(zip(unique, range(len(unique)), strict=True))
    indices = tuple(map(position.__getitem__, keys))
    if shape.physical_type == TYPE_FLOAT:
        dictionary, unencoded = tuple(unique), 0
    else:
        raw = [value.encode() for value in unique]
        dictionary = tuple([_LENGTH.pack(len(item)) + item for item in raw])
        unencoded = sum(map([len(item) for item in raw].__getitem__, indices))
    return FrameLeaf(shape, repetition, definition, indices, dictionary, unencoded)


@dataclass(frozen=True)
class _Node:
    name: str
    optional: bool
    kind: str  # "leaf", "struct" or "list"
    children: tuple[_Node, ...] = ()
    repetition: int = 0  # for a list: the repetition level of its elements
    leaf: int = -1  # for a leaf: its index among the column's leaves


# an entry ended above the current node by a null or an empty list: it gets levels, no value
_CLOSED = object()


class ColumnShredder:
    """Shreds cells of one list-typed Arrow field; build it once per column."""

    def __init__(self, arrow_field: pa.Field) -> None:
        if not pa.types.is_list(arrow_field.type):
            raise UnsupportedColumn(f"{arrow_field.name} is not a list column")
        self.shapes: list[LeafShape] = []
        self._root = self._node(arrow_field, (), 0, 0)

    def shred(self, items: Sequence[Any]) -> list[FrameLeaf]:
        """The leaves of one non-null cell: its list items as Python values (`to_pylist` form:
        dicts for structs, lists, str, float, None)."""
        leaves: list[FrameLeaf | None] = [None] * len(self.shapes)
        present = int(self._root.optional)  # the cell itself is not null
        if items:
            repetition = [0] + [self._root.repetition] * (len(items) - 1)
            definition = [present + 1] * len(items)
            self._walk(self._root.children[0], list(items), repetition, definition, leaves)
        else:
            self._walk(self._root, [_CLOSED], [0], [present], leaves)
        return [leaf for leaf in leaves if leaf is not None]

    def _node(self, arrow_field: pa.Field, path: tuple[str, ...], depth: int, rep: int) -> _Node:
        optional = arrow_field.nullable
        depth += optional
        data_type = arrow_field.type
        if isinstance(data_type, pa.BaseExtensionType) and data_type.extension_name == "arrow.json":
            data_type = data_type.storage_type
        path = (*path, arrow_field.name)
        if pa.types.is_list(data_type):
            item = data_type.value_field
            element = self._node(
                pa.field("element", item.type, item.nullable), (*path, "list"), depth + 1, rep + 1
            )
            return _Node(arrow_field.name, optional, "list", (element,), rep + 1)
        if pa.types.is_struct(data_type):
            children = tuple(self._node(child, path, depth, rep) for child in data_type)
            return _Node(arrow_field.name, optional, "struct", children)
        if pa.types.is_string(data_type):
            physical = TYPE_BYTE_ARRAY
        elif pa.types.is_float32(data_type):
            physical = TYPE_FLOAT
        else:
            raise UnsupportedColumn(f"no periodic encoding for {arrow_field.type}")
        self.shapes.append(LeafShape(path, physical, depth, rep))
        return _Node(arrow_field.name, optional, "leaf", leaf=len(self.shapes) - 1)

    def _walk(
        self,
        node: _Node,
        values: list[Any],
        repetition: list[int],
        definition: list[int],
        leaves: list[FrameLeaf | None],
    ) -> None:
        """Levels for `node`, one entry per value (`_CLOSED` where an entry already ended)."""
        closed = _CLOSED in values
        if None in values:
            if not node.optional:
                raise ValueError(f"{node.name} is not nullable but holds a null")
            values = [_CLOSED if value is None else value for value in values]
            closed = True
        if node.optional:
            if closed:
                definition = [
                    d + (v is not _CLOSED) for d, v in zip(definition, values, strict=True)
                ]
            else:
                definition = [d + 1 for d in definition]
        if node.kind == "leaf":
            present = [value for value in values if value is not _CLOSED] if closed else values
            leaves[node.leaf] = FrameLeaf.of(
                self.shapes[node.leaf], repetition, definition, present
            )
        elif node.kind == "struct":
            for child in node.children:
                name = child.name
                if closed:
                    column = [_CLOSED if row is _CLOSED else row.get(name) for row in values]
                else:
                    column = [row.get(name) for row in values]
                self._walk(child, column, repetition, definition, leaves)
        else:
            items: list[Any] = []
            reps: list[int] = []
            defs: list[int] = []
            inner = node.repetition
            for value, rep, depth in zip(values, repetition, definition, strict=True):
                if value is _CLOSED or not value:  # null or empty list: the entry ends here
                    items.append(_CLOSED)
                    reps.append(rep)
                    defs.append(depth)
                else:
                    items.extend(value)
                    reps.append(rep)
                    reps.extend([inner] * (len(value) - 1))
                    defs.extend([depth + 1] * len(value))
            self._walk(node.children[0], items, reps, defs, leaves)
