"""A column chunk whose every row holds the same cell, encoded straight to parquet bytes.

Layout, as parquet-cpp writes a dictionary-encoded chunk: one dictionary page
(PLAIN values), then data pages v1 (repetition and definition levels each as a
length-prefixed RLE/bit-packed hybrid, then the RLE_DICTIONARY indices after a
bit-width byte), each page compressed with the column's codec. Pages hold whole
rows (frames), at most `PAGE_LEVELS` level entries each, so every full page is
the same bytes. Data pages depend only on the levels and indices of one row,
which most episodes of a shard share, and many leaves (`role`, `style`) hold the
same dictionary in most episodes, so pages are memoised.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from steerlang.language.write import parquet_ids as ids
from steerlang.language.write.frame_shredding import FrameLeaf, LeafShape
from steerlang.language.write.periodic_hybrid import periodic_hybrid
from steerlang.language.write.thrift_compact import (
    BINARY,
    BOOL,
    I32,
    I64,
    LIST,
    STRUCT,
    Raw,
    ThriftList,
    ThriftStruct,
    encode_struct,
    field_header,
    list_header,
    zigzag_bytes,
)

Compressor = Callable[[bytes], bytes]
PAGE_LEVELS = 1 << 18  # level entries per data page (a few hundred kB uncompressed at most)
_LENGTH = struct.Struct("<I")
# parquet's codec name → pyarrow's; codecs without an exact pyarrow equivalent are absent
PYARROW_CODECS = {
    "SNAPPY": "snappy",
    "GZIP": "gzip",
    "BROTLI": "brotli",
    "ZSTD": "zstd",
    "LZ4_RAW": "lz4_raw",
    "UNCOMPRESSED": None,
}


def can_encode(codec: str) -> bool:
    """Can chunks be compressed exactly as parquet's `codec` (e.g. "SNAPPY") expects?"""
    if codec not in PYARROW_CODECS:
        return False
    name = PYARROW_CODECS[codec]
    return name is None or pa.Codec.is_available(name)


class EncodedChunk(NamedTuple):
    """A chunk's bytes and what its ColumnMetaData must say about them."""

    data: bytes
    leaf: FrameLeaf
    codec: str
    dictionary_page_size: int  # header included: data pages start this far in
    uncompressed_size: int
    data_pages: int
    rows: int

    def column_chunk(self, offset: int) -> bytes:
        """The chunk's encoded ColumnChunk when its bytes start at `offset` in the file.

        Written once per chunk of every episode, so it is assembled from pieces: the
        fields that only depend on the leaf and codec are encoded once (`_chunk_prefix`),
        the rest follow with their precomputed field headers."""
        leaf, shape, rows = self.leaf, self.leaf.shape, self.rows
        values = (
            len(leaf.definition) * rows,
            self.uncompressed_size,
            len(self.data),
            offset + self.dictionary_page_size,
            offset,
        )
        unencoded: int | None = leaf.unencoded_bytes * rows
        if shape.physical_type != ids.TYPE_BYTE_ARRAY:
            unencoded = None
        histograms = tuple(
            tuple(count * rows for count in leaf.histogram(levels, top)) if top else ()
            for levels, top in (
                (leaf.repetition, shape.max_repetition),
                (leaf.definition, shape.max_definition),
            )
        )
        return b"".join(
            (
                _chunk_prefix(shape, self.codec),
                *(
                    header + zigzag_bytes(value)
                    for header, value in zip(_INT_HEADERS, values, strict=True)
                ),
                _ENCODING_STATS_HEADER,
                _encoding_stats(self.data_pages).data,
                _SIZE_STATISTICS_HEADER,
                _size_statistics(unencoded, *histograms),
                b"\x00\x00",  # the ColumnMetaData and ColumnChunk end
            )
        )


# ColumnMetaData fields after `_chunk_prefix`'s, in order: (field id, type) and their headers
_TAIL_FIELDS = (
    (ids.META_NUM_VALUES, I64),
    (ids.META_TOTAL_UNCOMPRESSED_SIZE, I64),
    (ids.META_TOTAL_COMPRESSED_SIZE, I64),
    (ids.META_DATA_PAGE_OFFSET, I64),
    (ids.META_DICTIONARY_PAGE_OFFSET, I64),
    (ids.META_ENCODING_STATS, LIST),
    (ids.META_SIZE_STATISTICS, STRUCT),
)
_TAIL_HEADERS = [
    field_header(previous, field_id, kind)
    for previous, (field_id, kind) in zip(
        (ids.META_CODEC, *(f for f, _ in _TAIL_FIELDS[:-1])), _TAIL_FIELDS, strict=True
    )
]
_INT_HEADERS = _TAIL_HEADERS[:5]
_ENCODING_STATS_HEADER, _SIZE_STATISTICS_HEADER = _TAIL_HEADERS[5:]


@functools.lru_cache(maxsize=64)
def _chunk_prefix(shape: LeafShape, codec: str) -> bytes:
    """A ColumnChunk's bytes up to and including ColumnMetaData's `codec` field."""
    encodings = ThriftList(I32, [ids.ENCODING_PLAIN, ids.ENCODING_RLE, ids.ENCODING_RLE_DICTIONARY])
    meta = ThriftStruct(
        {
            ids.META_TYPE: (I32, shape.physical_type),
            ids.META_ENCODINGS: (LIST, encodings),
            ids.META_PATH: (LIST, ThriftList(BINARY, [part.encode() for part in shape.path])),
            ids.META_CODEC: (I32, ids.CODEC_IDS[codec]),
        }
    )
    chunk = ThriftStruct({ids.CHUNK_FILE_OFFSET: (I64, 0), ids.CHUNK_META_DATA: (STRUCT, meta)})
    return encode_struct(chunk)[:-2]  # without the two structs' stop bytes


def _size_statistics(
    unencoded: int | None, repetition: tuple[int, ...], definition: tuple[int, ...]
) -> bytes:
    """An encoded SizeStatistics struct (assembled: it is written for every chunk)."""
    if unencoded is None:
        parts = [_REPETITION_FIRST]
    else:
        parts = [_UNENCODED_HEADER, zigzag_bytes(unencoded), _REPETITION_AFTER_UNENCODED]
    parts.append(list_header(len(repetition), I64))
    parts += map(zigzag_bytes, repetition)
    parts += [_DEFINITION_HEADER, list_header(len(definition), I64)]
    parts += map(zigzag_bytes, definition)
    parts.append(b"\x00")
    return b"".join(parts)


_UNENCODED_HEADER = field_header(0, ids.SIZE_UNENCODED_BYTE_ARRAY_BYTES, I64)
_REPETITION_FIRST = field_header(0, ids.SIZE_REPETITION_HISTOGRAM, LIST)
_REPETITION_AFTER_UNENCODED = field_header(
    ids.SIZE_UNENCODED_BYTE_ARRAY_BYTES, ids.SIZE_REPETITION_HISTOGRAM, LIST
)
_DEFINITION_HEADER = field_header(
    ids.SIZE_REPETITION_HISTOGRAM, ids.SIZE_DEFINITION_HISTOGRAM, LIST
)


def encode_periodic_chunk(leaf: FrameLeaf, rows: int, codec: str) -> EncodedChunk:
    """`leaf` (one row's share) repeated on `rows` rows, compressed with parquet's `codec`."""
    if rows < 1:
        raise ValueError("a periodic chunk needs at least one row")
    if not can_encode(codec):
        raise ValueError(f"no exact pyarrow codec for parquet's {codec}")
    rows_per_page = max(1, min(rows, PAGE_LEVELS // max(len(leaf.definition), 1)))
    full_pages, last_rows = divmod(rows, rows_per_page)
    dictionary, uncompressed = _dictionary_page(leaf.dictionary, codec)
    parts = [dictionary]
    key = (leaf.repetition, leaf.definition, leaf.indices, len(leaf.dictionary))
    if full_pages:
        page, size = _data_page(key, leaf.shape, rows_per_page, codec)
        parts.append(page * full_pages)
        uncompressed += size * full_pages
    if last_rows:
        page, size = _data_page(key, leaf.shape, last_rows, codec)
        parts.append(page)
        uncompressed += size
    return EncodedChunk(
        data=b"".join(parts),
        leaf=leaf,
        codec=codec,
        dictionary_page_size=len(dictionary),
        uncompressed_size=uncompressed,
        data_pages=full_pages + (1 if last_rows else 0),
        rows=rows,
    )


@functools.lru_cache(maxsize=256)
def _dictionary_page(dictionary: tuple[bytes, ...], codec: str) -> tuple[bytes, int]:
    """The dictionary page (header included) and its uncompressed size; memoised, as
    leaves like `role` or `style` hold the same few values in most episodes."""
    body = b"".join(dictionary)
    compressed = _compress(codec, body)
    header = ThriftStruct(
        {
            ids.DICTIONARY_NUM_VALUES: (I32, len(dictionary)),
            ids.DICTIONARY_ENCODING: (I32, ids.ENCODING_PLAIN),
            ids.DICTIONARY_IS_SORTED: (BOOL, False),
        }
    )
    head = _page_header(ids.PAGE_DICTIONARY, len(body), len(compressed), header)
    return head + compressed, len(head) + len(body)


@functools.lru_cache(maxsize=256)
def _data_page(
    key: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int],
    shape: LeafShape,
    rows: int,
    codec: str,
) -> tuple[bytes, int]:
    """One data page of `rows` rows (header included) and its uncompressed size."""
    repetition, definition, indices, dictionary_size = key
    width = max(1, (dictionary_size - 1).bit_length()) if dictionary_size else 0
    body = b"".join(
        (
            _levels(repetition, rows, shape.max_repetition),
            _levels(definition, rows, shape.max_definition),
            bytes([width]),
            periodic_hybrid(np.array(indices, dtype=np.uint64), rows, width) if width else b"",
        )
    )
    compressed = _compress(codec, body)
    data_header = ThriftStruct(
        {
            ids.DATA_NUM_VALUES: (I32, len(definition) * rows),
            ids.DATA_ENCODING: (I32, ids.ENCODING_RLE_DICTIONARY),
            ids.DATA_DEFINITION_ENCODING: (I32, ids.ENCODING_RLE),
            ids.DATA_REPETITION_ENCODING: (I32, ids.ENCODING_RLE),
            ids.DATA_STATISTICS: (STRUCT, ThriftStruct()),  # empty, as parquet-cpp writes it
        }
    )
    header = _page_header(ids.PAGE_DATA, len(body), len(compressed), data_header)
    return header + compressed, len(header) + len(body)


def _levels(levels: tuple[int, ...], rows: int, top: int) -> bytes:
    """A level section of a v1 data page: absent at max level 0, else length-prefixed."""
    if top == 0:
        return b""
    encoded = periodic_hybrid(np.array(levels, dtype=np.uint64), rows, top.bit_length())
    return _LENGTH.pack(len(encoded)) + encoded


def _page_header(kind: int, uncompressed: int, compressed: int, header: ThriftStruct) -> bytes:
    field_id = ids.PAGE_DATA_HEADER if kind == ids.PAGE_DATA else ids.PAGE_DICTIONARY_HEADER
    return encode_struct(
        ThriftStruct(
            {
                ids.PAGE_TYPE: (I32, kind),
                ids.PAGE_UNCOMPRESSED_SIZE: (I32, uncompressed),
                ids.PAGE_COMPRESSED_SIZE: (I32, compressed),
                field_id: (STRUCT, header),
            }
        )
    )


def _compress(codec: str, body: bytes) -> bytes:
    name = PYARROW_CODECS[codec]
    if name is None:
        return body
    # a fresh codec each time (it costs well under a microsecond): some, like gzip, keep
    # stream state, and shards are encoded on several threads
    compressed: bytes = pa.Codec(name).compress(body, asbytes=True)
    return compressed


@functools.lru_cache(maxsize=64)
def _encoding_stats(data_pages: int) -> Raw:
    """`encoding_stats`: one PLAIN dictionary page, then the RLE_DICTIONARY data pages."""
    stats = [
        ThriftStruct(
            {
                ids.ENCODING_STATS_PAGE_TYPE: (I32, page_type),
                ids.ENCODING_STATS_ENCODING: (I32, encoding),
                ids.ENCODING_STATS_COUNT: (I32, count),
            }
        )
        for page_type, encoding, count in (
            (ids.PAGE_DICTIONARY, ids.ENCODING_PLAIN, 1),
            (ids.PAGE_DATA, ids.ENCODING_RLE_DICTIONARY, data_pages),
        )
    ]
    return _raw_list(ThriftList(STRUCT, stats))


def _raw_list(value: ThriftList) -> Raw:
    """A list value pre-encoded (its bytes without the enclosing field header)."""
    encoded = encode_struct(ThriftStruct({1: (LIST, value)}))
    return Raw(encoded[1:-1])  # drop the field header byte and the struct's stop byte
