"""A shard's `language_persistent` chunks, made apart from pyarrow's file of the other columns.

Each episode's cells are either the same rows on every frame (always for newly
written episodes) or anything else (kept cells that are not). Same rows are
shredded once and encoded by `periodic_chunk` in microseconds; anything else
(and everything, when a persistent leaf's codec cannot be reproduced) goes to a
side file pyarrow writes with just this column, whose chunks are moved over.
`write` then splices the chunks into pyarrow's file (`chunk_splice`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import BinaryIO, TypeAlias

import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.language.write.chunk_splice import ParquetBytes, SplicedChunk, write_spliced
from steerlang.language.write.footer_template import leaf_shapes, template_footer
from steerlang.language.write.frame_shredding import ColumnShredder
from steerlang.language.write.periodic_chunk import EncodedChunk, can_encode, encode_periodic_chunk
from steerlang.language.write.persistent_encoding import (
    ENCODED_PERSISTENT_TYPE,
    encoded,
    repeated_persistent,
)
from steerlang.language.write.persistent_rows import PersistentRows
from steerlang.schema import PERSISTENT_COLUMN

# an episode's persistent cells: the rows every frame holds (staged, or kept from the
# source), or the whole column (kept cells that differ between frames)
PersistentCells: TypeAlias = PersistentRows | pa.StructArray | pa.ListArray


class PersistentChunks:
    """Collects one shard's persistent cells episode by episode, then splices them in."""

    def __init__(self, schema: pa.Schema, codecs: Mapping[str, str]) -> None:
        """`schema`: the shard's declared schema; `codecs`: parquet codec name per leaf path."""
        self.template = template_footer(schema)
        shapes = leaf_shapes(self.template)
        names = [shape.path[0] for shape in shapes]
        self.position = names.index(PERSISTENT_COLUMN)
        column = schema.field(PERSISTENT_COLUMN)
        self._shredder = ColumnShredder(column)
        mine = self._shredder.shapes
        if shapes[self.position : self.position + len(mine)] != mine:
            raise ValueError("the persistent column's parquet leaves are not the ones expected")
        self.leaf_paths = [".".join(shape.path) for shape in mine]
        self._codecs = [codecs[path] for path in self.leaf_paths]
        self.periodic = all(can_encode(codec) for codec in self._codecs)
        self._side_schema = pa.schema(
            [pa.field(column.name, ENCODED_PERSISTENT_TYPE, column.nullable)]
        )
        self._side_sink = pa.BufferOutputStream()  # C++ sink: writes need no GIL
        self._side: pq.ParquetWriter | None = None
        self._side_groups = 0
        # per episode: its encoded chunks, or its row group in the side file
        self._episodes: list[list[EncodedChunk] | int] = []

    def add(self, cells: PersistentCells, frames: int) -> None:
        """The next episode's cells (an episode is a row group, in file order)."""
        same_rows = not isinstance(cells, pa.ListArray)
        if same_rows and self.periodic and frames:
            # encoded now rather than at `write`: this Python work then alternates with
            # pyarrow's (which runs without the GIL), so shards in flight overlap better
            rows = cells.values() if isinstance(cells, PersistentRows) else cells.to_pylist()
            leaves = self._shredder.shred(rows)
            self._episodes.append(
                [
                    encode_periodic_chunk(leaf, frames, codec)
                    for leaf, codec in zip(leaves, self._codecs, strict=True)
                ]
            )
            return
        if isinstance(cells, PersistentRows):
            cells = cells.struct()
        column = repeated_persistent(cells, frames) if same_rows else encoded(cells)
        if self._side is None:
            self._side = pq.ParquetWriter(
                self._side_sink,
                self._side_schema,
                compression={
                    path: writer_codec(codec)
                    for path, codec in zip(self.leaf_paths, self._codecs, strict=True)
                },
                write_statistics=False,
                store_schema=False,
            )
        self._side.write_table(
            pa.Table.from_arrays([column], schema=self._side_schema), row_group_size=max(frames, 1)
        )
        self._episodes.append(self._side_groups)
        self._side_groups += 1

    def write(self, out: BinaryIO, main: bytes) -> None:
        """Write the shard: `main` is pyarrow's file of every other column, one row group per
        episode added."""
        main_file = ParquetBytes.parse(main)
        groups = main_file.row_groups()
        if len(groups) != len(self._episodes):
            raise ValueError(f"{len(groups)} row groups for {len(self._episodes)} episodes")
        side_file = None
        if self._side is not None:
            self._side.close()
            side_file = ParquetBytes.parse(self._side_sink.getvalue().to_pybytes())

        def inserted(index: int) -> Sequence[SplicedChunk]:
            episode = self._episodes[index]
            if isinstance(episode, int):
                assert side_file is not None
                return side_file.chunks(episode)
            return episode

        write_spliced(out, main_file, self.template, self.position, inserted)


def writer_codec(parquet_name: str) -> str:
    """`ParquetWriter`'s name for parquet's codec name (e.g. "LZ4_RAW" → "lz4")."""
    name = parquet_name.lower()
    return {"uncompressed": "none", "lz4_raw": "lz4"}.get(name, name)
