"""The writer with pyarrow encoding every column: bench_writer's comparison for the splice.

The shipped writer encodes `language_persistent` itself and splices it into
pyarrow's file (`language/write/episode_shard.py` says why, with the figures).
This is the alternative it was measured against (issue 15): everything else is
the shipped write path — the same reading of shards, the same language columns
(`shard_rewriter`, `language_columns`, `event_rows`), the same two worker
processes, fsync and commit journal — and only the shard encoding is replaced by
one `pq.ParquetWriter` writing every column, one row group per episode.

`language_persistent`'s string leaves are handed over as dictionary arrays
(`persistent_encoding`: each distinct value once plus indices), which gives the
same pages as plain strings without hashing the same few strings on every
frame; its timestamp leaf gets no dictionary and the language leaves no min/max
statistics, as in the splice. The file's key-value metadata is the one a write
of the declared schema stores, so readers see the declared types.

It lives in bench/ only: it is a measurement, not a product path.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.dataset.reader import LeRobotDataset
from steerlang.dataset.records import EpisodeRecord
from steerlang.language.write import shard_rewriter
from steerlang.language.write import write_language as shipped
from steerlang.language.write.persistent_chunks import PersistentCells, writer_codec
from steerlang.language.write.persistent_encoding import (
    ENCODED_PERSISTENT_TYPE,
    encoded,
    repeated_persistent,
)
from steerlang.language.write.persistent_rows import PersistentRows
from steerlang.schema import LANGUAGE_COLUMNS, PERSISTENT_COLUMN, Row

ARROW_SCHEMA_KEY = b"ARROW:schema"
PERSISTENT_TIMESTAMP = f"{PERSISTENT_COLUMN}.list.element.timestamp"


def write_language_plain(
    dataset: LeRobotDataset, rows_by_episode: Mapping[int, Sequence[Row]]
) -> shipped.WriteSummary:
    """`write_language` with every shard written by `rewrite_shard_plain`."""
    with mock.patch.object(shipped, "rewrite_shard", rewrite_shard_plain):
        return shipped.write_language(dataset, rows_by_episode)


def rewrite_shard_plain(
    source: Path,
    target: Path,
    episodes: Sequence[EpisodeRecord],
    new_columns: shard_rewriter.ColumnSource,
) -> None:
    """`shard_rewriter.rewrite_shard` with `write_plain_shard` as its encoder. The swap is
    made here, in the worker process that runs the shard, so it holds however the pool
    started its workers (forked or spawned)."""
    with mock.patch.object(shard_rewriter, "write_episode_shard", write_plain_shard):
        shard_rewriter.rewrite_shard(source, target, episodes, new_columns)


def write_plain_shard(
    out: BinaryIO,
    schema: pa.Schema,
    codecs: Mapping[str, str],
    episodes: Iterable[tuple[pa.Table, PersistentCells]],
) -> None:
    """`episode_shard.write_episode_shard`'s contract, written by pyarrow alone: `schema` is
    the declared schema, `codecs` parquet's codec name per leaf path, each episode its table
    of the other columns (`others_schema`) and its persistent cells."""
    fields = encoded_schema(schema)
    # into a C++ sink, as the splice does: pyarrow's writes then never wait for the GIL
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(
        sink,
        fields,
        compression={path: writer_codec(codec) for path, codec in codecs.items()},
        write_statistics=[path for path in codecs if path.split(".")[0] not in LANGUAGE_COLUMNS],
        use_dictionary=[path for path in codecs if path != PERSISTENT_TIMESTAMP],
        store_schema=False,  # the declared schema's, below
    ) as writer:
        writer.add_key_value_metadata(declared_key_value_metadata(schema))
        for others, cells in episodes:
            table = episode_table(fields, others, cells)
            writer.write_table(table, row_group_size=max(table.num_rows, 1))
    out.write(sink.getvalue())


def episode_table(fields: pa.Schema, others: pa.Table, cells: PersistentCells) -> pa.Table:
    """An episode's table of `encoded_schema`: its persistent cells (repeated on every frame
    unless they are a whole column already) put among its other columns."""
    if isinstance(cells, pa.ListArray):
        column = encoded(cells)
    else:
        struct = cells.struct() if isinstance(cells, PersistentRows) else cells
        column = repeated_persistent(struct, others.num_rows)
    arrays = [column if f.name == PERSISTENT_COLUMN else others.column(f.name) for f in fields]
    return pa.Table.from_arrays(arrays, schema=fields)


def encoded_schema(schema: pa.Schema) -> pa.Schema:
    """The schema of the tables handed to pyarrow: `language_persistent` in its dictionary
    form, no metadata (the file's comes from `declared_key_value_metadata`)."""
    index = schema.get_field_index(PERSISTENT_COLUMN)
    field = schema.field(index).with_type(ENCODED_PERSISTENT_TYPE)
    return schema.set(index, field).remove_metadata()


def declared_key_value_metadata(schema: pa.Schema) -> dict[bytes, bytes]:
    """What a pyarrow write of `schema` stores: its metadata, then the serialised schema."""
    serialized = base64.b64encode(schema.serialize().to_pybytes())
    return {**(schema.metadata or {}), ARROW_SCHEMA_KEY: serialized}
