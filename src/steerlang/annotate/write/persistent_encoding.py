"""`language_persistent` in the form parquet encodes fastest, with the same bytes on disk.

An episode's persistent rows repeat on every frame (e.g. 25 rows x 1,000 frames),
so parquet's dictionary encoder would hash the same few values over a million
times per shard. Given Arrow dictionary arrays instead (each distinct value once
plus int32 indices), it writes the dictionary and the indices directly: the
pages come out byte-identical, only the hashing is skipped.

The writer is therefore opened with `encoding_schema` (dictionary leaves) and
`store_schema=False`, and the footer gets `footer_metadata`: exactly the
key-value metadata, `ARROW:schema` included, that pyarrow writes for the declared
schema. Readers see the declared types; the file equals a plain write.
"""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from steerlang.schema import PERSISTENT_COLUMN, PERSISTENT_TYPE, repeat_offsets, repeated

# The string leaves. Parquet takes dictionary arrays directly only for string-like
# values (a float32 dictionary would be expanded again), and camera is always null.
DICTIONARY_LEAVES = frozenset({"role", "content", "style"})


def _encoded_field(field: pa.Field) -> pa.Field:
    if field.name not in DICTIONARY_LEAVES:
        return field
    return pa.field(field.name, pa.dictionary(pa.int32(), field.type), field.nullable)


ENCODED_PERSISTENT_TYPE = pa.list_(
    pa.struct([_encoded_field(f) for f in PERSISTENT_TYPE.value_type])
)


def encoding_schema(schema: pa.Schema) -> pa.Schema:
    """`schema` with `language_persistent` in its encoding type."""
    index = schema.get_field_index(PERSISTENT_COLUMN)
    return schema.set(index, pa.field(PERSISTENT_COLUMN, ENCODED_PERSISTENT_TYPE))


def footer_metadata(schema: pa.Schema) -> dict[bytes, bytes]:
    """What to pass `ParquetWriter.add_key_value_metadata` so that the footer holds
    exactly the key-value metadata a plain write of `schema` stores (its metadata and
    `ARROW:schema`, in the same order)."""
    sink = io.BytesIO()
    pq.ParquetWriter(sink, schema).close()
    sink.seek(0)
    stored = pq.ParquetFile(sink).metadata.metadata
    # the writer's merge stores added entries last-first; a test checks the bytes match
    return dict(reversed(stored.items()))


def repeated_persistent(struct: pa.StructArray, n_frames: int) -> pa.ListArray:
    """An episode's persistent rows (`schema.persistent_struct`) on each of its frames, encoded."""
    return pa.ListArray.from_arrays(
        pa.array(repeat_offsets(len(struct), n_frames).astype(np.int32)),
        repeated(_dictionary_struct(struct), n_frames),
        type=ENCODED_PERSISTENT_TYPE,
    )


def encoded(column: pa.Array) -> pa.ListArray:
    """A persistent column of the declared type (e.g. an episode's kept cells), encoded."""
    offsets = np.asarray(column.offsets, dtype=np.int32)
    values = column.values.slice(offsets[0], offsets[-1] - offsets[0])
    mask = column.is_null() if column.null_count else None
    return pa.ListArray.from_arrays(
        pa.array(offsets - offsets[0]),
        _dictionary_struct(values),
        type=ENCODED_PERSISTENT_TYPE,
        mask=mask,
    )


def _dictionary_struct(struct: pa.StructArray) -> pa.StructArray:
    children = [
        pc.dictionary_encode(struct.field(i)) if f.name in DICTIONARY_LEAVES else struct.field(i)
        for i, f in enumerate(struct.type)
    ]
    mask = struct.is_null() if struct.null_count else None
    return pa.StructArray.from_arrays(
        children, fields=list(ENCODED_PERSISTENT_TYPE.value_type), mask=mask
    )
