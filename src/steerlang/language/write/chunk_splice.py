"""Assemble a parquet file from pyarrow's file of most columns plus chunks encoded elsewhere.

pyarrow writes every column but one (the "main" file). That column's chunks are
made separately (`periodic_chunk`, or pyarrow writing the column on its own)
and inserted, row group by row group, at the column's place. The footer is the
template footer of the full schema (schema elements, key-value metadata and
column orders exactly as a plain pyarrow write stores them) with the main
file's row groups, each chunk's offsets moved to where its bytes now are.

A footer holds hundreds of column chunks whose statistics the splice never
reads, so each ColumnChunk stays encoded: `ChunkBytes` scans it once, notes
where its page offsets are written, and rewrites only those varints.

Only what pyarrow writes with the writer's options is accepted: no page index,
bloom filters or encryption (their offsets would need moving too).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple, Protocol

from steerlang.language.write import parquet_ids as ids
from steerlang.language.write.thrift_compact import (
    I32,
    I64,
    STRUCT,
    Raw,
    ThriftList,
    ThriftStruct,
    decode_struct,
    encode_struct,
    list_header,
    read_list_header,
    read_zigzag,
    skip_value,
    zigzag_bytes,
)

MAGIC = b"PAR1"
_LENGTH = struct.Struct("<I")
_FILE_FIELDS = frozenset(
    {
        ids.FILE_VERSION,
        ids.FILE_SCHEMA,
        ids.FILE_NUM_ROWS,
        ids.FILE_ROW_GROUPS,
        ids.FILE_KEY_VALUE_METADATA,
        ids.FILE_CREATED_BY,
        ids.FILE_COLUMN_ORDERS,
    }
)
_UNMOVABLE_CHUNK_FIELDS = frozenset(
    {
        ids.CHUNK_OFFSET_INDEX_OFFSET,
        ids.CHUNK_COLUMN_INDEX_OFFSET,
        ids.CHUNK_CRYPTO_META_DATA,
        ids.CHUNK_ENCRYPTED_META_DATA,
    }
)
_UNMOVABLE_META_FIELDS = frozenset({ids.META_INDEX_PAGE_OFFSET, ids.META_BLOOM_FILTER_OFFSET})


class SplicedChunk(Protocol):
    """A column chunk to insert: its bytes, and its encoded ColumnChunk once placed."""

    @property
    def data(self) -> bytes: ...

    @property
    def uncompressed_size(self) -> int: ...

    def column_chunk(self, offset: int) -> bytes: ...


class ChunkBytes(NamedTuple):
    """One encoded ColumnChunk and what the splice needs from it (a named tuple: one is made
    per chunk of a footer)."""

    encoded: bytes
    start: int  # first page (dictionary or data) in its file
    compressed_size: int
    uncompressed_size: int
    offsets: tuple[tuple[int, int, int], ...]  # (begin, end, value) of each file-offset varint

    @classmethod
    def scan(cls, data: bytes, pos: int) -> tuple[ChunkBytes, int]:
        """The ColumnChunk struct at `pos` of `data`, and the position after it."""
        begin = pos
        offsets: list[tuple[int, int, int]] = []
        facts: dict[int, int] = {}
        last = 0
        while True:
            header = data[pos]
            pos += 1
            if header == 0:
                break
            kind = header & 0x0F
            if header >> 4:
                last += header >> 4
            else:
                last, pos = read_zigzag(data, pos)
            if last == ids.CHUNK_META_DATA and kind == STRUCT:
                pos = _scan_meta(data, pos, begin, offsets, facts)
            elif last == ids.CHUNK_FILE_OFFSET and kind == I64:  # deprecated; parquet-cpp writes 0
                value, end = read_zigzag(data, pos)
                if value:
                    offsets.append((pos - begin, end - begin, value))
                pos = end
            elif last in _UNMOVABLE_CHUNK_FIELDS:
                raise ValueError(f"ColumnChunk field {last} (page index/encryption) is unsupported")
            else:
                pos = skip_value(data, pos, kind)
        data_page = facts.get(ids.META_DATA_PAGE_OFFSET, 0)
        dictionary_page = facts.get(ids.META_DICTIONARY_PAGE_OFFSET, 0)
        start = min(data_page, dictionary_page) if data_page and dictionary_page else data_page
        chunk = cls(
            data[begin:pos],
            start or dictionary_page,
            facts[ids.META_TOTAL_COMPRESSED_SIZE],
            facts[ids.META_TOTAL_UNCOMPRESSED_SIZE],
            tuple(offsets),
        )
        return chunk, pos

    def moved(self, delta: int) -> bytes:
        """The ColumnChunk with its file offsets shifted by `delta` bytes."""
        if not delta:
            return self.encoded
        pieces = []
        previous = 0
        for begin, end, value in self.offsets:
            pieces.append(self.encoded[previous:begin])
            pieces.append(zigzag_bytes(value + delta))
            previous = end
        pieces.append(self.encoded[previous:])
        return b"".join(pieces)


_META_FACTS = frozenset(
    {
        ids.META_DATA_PAGE_OFFSET,
        ids.META_DICTIONARY_PAGE_OFFSET,
        ids.META_TOTAL_COMPRESSED_SIZE,
        ids.META_TOTAL_UNCOMPRESSED_SIZE,
    }
)
_PAGE_OFFSETS = frozenset({ids.META_DATA_PAGE_OFFSET, ids.META_DICTIONARY_PAGE_OFFSET})
_INTEGERS = frozenset({I32, I64})


def _scan_meta(
    data: bytes, pos: int, chunk: int, offsets: list[tuple[int, int, int]], facts: dict[int, int]
) -> int:
    """Scan a ColumnMetaData: note its sizes and page offsets; returns the position after it.
    Runs once per chunk of a footer, so field headers and integers are read inline."""
    last = 0
    while True:
        header = data[pos]
        pos += 1
        if header == 0:
            return pos
        kind = header & 0x0F
        if header >> 4:
            last += header >> 4
        else:
            last, pos = read_zigzag(data, pos)
        if kind == I64 and last in _META_FACTS:
            begin = pos
            value = shift = 0
            while True:
                byte = data[pos]
                pos += 1
                value |= (byte & 0x7F) << shift
                if byte < 0x80:
                    break
                shift += 7
            value = (value >> 1) ^ -(value & 1)
            facts[last] = value
            if value and last in _PAGE_OFFSETS:  # 0: no such page (a row group of no rows)
                offsets.append((begin - chunk, pos - chunk, value))
        elif last in _UNMOVABLE_META_FIELDS:
            raise ValueError(f"ColumnMetaData field {last} (index/bloom filter) is unsupported")
        elif kind in _INTEGERS:
            while data[pos] >= 0x80:
                pos += 1
            pos += 1
        else:
            pos = skip_value(data, pos, kind)


def _chunk_list(data: bytes, pos: int) -> tuple[list[ChunkBytes], int]:
    """The chunks of the encoded `columns` list at `pos`, and the position after it."""
    size, element, pos = read_list_header(data, pos)
    if element != STRUCT:
        raise ValueError("a row group's columns are not a list of structs")
    chunks = []
    for _ in range(size):
        chunk, pos = ChunkBytes.scan(data, pos)
        chunks.append(chunk)
    return chunks, pos


@dataclass(frozen=True)
class ParquetBytes:
    """A whole parquet file in memory: its footer decoded down to the row groups' fields,
    and each row group's chunks scanned (`ChunkBytes`)."""

    data: bytes
    footer: ThriftStruct
    columns: list[list[ChunkBytes]]  # per row group

    @classmethod
    def parse(cls, data: bytes) -> ParquetBytes:
        if data[:4] != MAGIC or data[-4:] != MAGIC:
            raise ValueError("not a parquet file (no PAR1 magic)")
        (length,) = _LENGTH.unpack_from(data, len(data) - 8)
        start = len(data) - 8 - length
        columns: list[list[ChunkBytes]] = []

        def chunk_list(data: bytes, pos: int) -> tuple[Raw, int]:
            chunks, end = _chunk_list(data, pos)
            columns.append(chunks)
            return Raw(data[pos:end]), end

        shape = {ids.FILE_ROW_GROUPS: {ids.ROW_GROUP_COLUMNS: chunk_list}}
        footer, end = decode_struct(data, start, shape)
        if end != len(data) - 8:
            raise ValueError("parquet footer length does not match its content")
        unknown = set(footer.fields) - _FILE_FIELDS
        if unknown:
            raise ValueError(f"FileMetaData fields {sorted(unknown)} (encryption?) are unsupported")
        return cls(data, footer, columns)

    def row_groups(self) -> list[ThriftStruct]:
        groups: list[ThriftStruct] = self.footer[ids.FILE_ROW_GROUPS].items
        return groups

    def chunks(self, row_group: int) -> list[MovedChunk]:
        """The row group's chunks as pieces to splice into another file."""
        return [
            MovedChunk(self.data[c.start : c.start + c.compressed_size], c)
            for c in self.columns[row_group]
        ]


class MovedChunk(NamedTuple):
    """A chunk taken from another parquet file, its metadata moved with it."""

    data: bytes
    source: ChunkBytes

    @property
    def uncompressed_size(self) -> int:
        return self.source.uncompressed_size

    def column_chunk(self, offset: int) -> bytes:
        return self.source.moved(offset - self.source.start)


def write_spliced(
    out: BinaryIO,
    main: ParquetBytes,
    template: ThriftStruct,
    position: int,
    inserted: Callable[[int], Sequence[SplicedChunk]],
) -> None:
    """Write the assembled file to `out`: row group i gets `inserted(i)` before its
    main-file chunk number `position`; `template` is the full schema's footer."""
    # the file is assembled in memory (about the compressed shard) and written at once:
    # hundreds of small writes per shard cost more than the copy
    pieces: list[bytes | memoryview] = [MAGIC]
    pos = len(MAGIC)
    groups = main.row_groups()
    for index, group in enumerate(groups):
        chunks = main.columns[index]
        start = pos
        before, pos = _copy(pieces, main.data, chunks[:position], pos)
        placed = []
        added_uncompressed = added_compressed = 0
        for piece in inserted(index):
            placed.append(piece.column_chunk(pos))
            pieces.append(piece.data)
            pos += len(piece.data)
            added_uncompressed += piece.uncompressed_size
            added_compressed += len(piece.data)
        after, pos = _copy(pieces, main.data, chunks[position:], pos)
        columns = [*before, *placed, *after]
        group.replace(
            ids.ROW_GROUP_COLUMNS, Raw(list_header(len(columns), STRUCT) + b"".join(columns))
        )
        group.replace(
            ids.ROW_GROUP_TOTAL_BYTE_SIZE, group[ids.ROW_GROUP_TOTAL_BYTE_SIZE] + added_uncompressed
        )
        if ids.ROW_GROUP_TOTAL_COMPRESSED_SIZE in group:
            total = group[ids.ROW_GROUP_TOTAL_COMPRESSED_SIZE]
            group.replace(ids.ROW_GROUP_TOTAL_COMPRESSED_SIZE, total + added_compressed)
        if ids.ROW_GROUP_FILE_OFFSET in group:
            group.replace(ids.ROW_GROUP_FILE_OFFSET, start)
    footer = ThriftStruct(dict(template.fields))
    footer.replace(ids.FILE_NUM_ROWS, main.footer[ids.FILE_NUM_ROWS])
    footer.replace(ids.FILE_ROW_GROUPS, ThriftList(STRUCT, groups))
    encoded = encode_struct(footer)
    pieces += [encoded, _LENGTH.pack(len(encoded)), MAGIC]
    out.write(b"".join(pieces))


def _copy(
    pieces: list[bytes | memoryview], data: bytes, chunks: Sequence[ChunkBytes], pos: int
) -> tuple[list[bytes], int]:
    """Copy consecutive chunks of the main file to `pos`: their moved ColumnChunks, and the end."""
    if not chunks:
        return [], pos
    first = end = chunks[0].start
    for chunk in chunks:
        if chunk.start != end:
            raise ValueError(
                f"chunks are not contiguous (one ends at {end}, the next at {chunk.start})"
            )
        end += chunk.compressed_size
    pieces.append(memoryview(data)[first:end])
    return [chunk.moved(pos - first) for chunk in chunks], pos + end - first
