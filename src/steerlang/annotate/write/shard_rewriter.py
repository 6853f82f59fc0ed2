"""Rewrite one data shard with the two language columns, everything else kept.

Kept: every other column, its position and type; the schema key-value
metadata (only `huggingface` is updated); each column's compression codec.
Changed: the language columns get exactly the declared types (appended at the
end, or replaced where they already were); the legacy `subtask_index` column is
dropped; each episode becomes exactly one row group.
"""

from __future__ import annotations

import functools
import io
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.annotate.atomic_file import fsync_file
from steerlang.annotate.write.hf_metadata import updated_metadata
from steerlang.annotate.write.persistent_encoding import encoded, encoding_schema, footer_metadata
from steerlang.dataset.records import EpisodeRecord
from steerlang.errors import SteerlangError
from steerlang.schema import (
    COLUMN_TYPES,
    LANGUAGE_COLUMNS,
    LEGACY_SUBTASK_COLUMN,
    empty_column,
)

# episode, its frame timestamps → its new (persistent, events) columns, or None to keep/empty;
# persistent in `persistent_encoding.ENCODED_PERSISTENT_TYPE`, events in the declared type
ColumnSource = Callable[[EpisodeRecord, np.ndarray], tuple[pa.Array, pa.Array] | None]


def is_final(schema: pa.Schema) -> bool:
    """Does a shard with this schema already have the output layout (only rows may differ)?"""
    names = schema.names
    return LEGACY_SUBTASK_COLUMN not in names and all(
        name in names and schema.field(name).type.equals(COLUMN_TYPES[name])
        for name in LANGUAGE_COLUMNS
    )


def output_schema(schema: pa.Schema) -> pa.Schema:
    """The shard's schema after the rewrite."""
    fields = [f for f in schema if f.name != LEGACY_SUBTASK_COLUMN]
    for name in LANGUAGE_COLUMNS:
        field = pa.field(name, COLUMN_TYPES[name])
        names = [f.name for f in fields]
        if name in names:
            fields[names.index(name)] = field
        else:
            fields.append(field)
    names = [f.name for f in fields]
    return pa.schema(fields, metadata=updated_metadata(schema.metadata, names))


def rewrite_shard(
    source: Path, target: Path, episodes: Sequence[EpisodeRecord], new_columns: ColumnSource
) -> None:
    """Write the rewritten `source` to `target` (fsynced); `source` is not touched."""
    with pq.ParquetFile(source) as parquet:
        _write_rewritten(parquet, source, target, episodes, new_columns)
    fsync_file(target)


def _write_rewritten(
    parquet: pq.ParquetFile,
    source: Path,
    target: Path,
    episodes: Sequence[EpisodeRecord],
    new_columns: ColumnSource,
) -> None:
    """The rewrite; the source's language columns are read only if an episode keeps its cells."""
    schema = output_schema(parquet.schema_arrow)
    table = parquet.read(columns=[f.name for f in schema if f.name not in LANGUAGE_COLUMNS])
    episodes = sorted(episodes, key=lambda ep: ep.row_start)
    if sum(ep.length for ep in episodes) != table.num_rows:
        raise SteerlangError(
            f"{source} has {table.num_rows} rows but meta/episodes places "
            f"{sum(ep.length for ep in episodes)} there; the dataset is inconsistent"
        )

    @functools.cache
    def existing() -> pa.Table | None:
        has_both = all(name in parquet.schema_arrow.names for name in LANGUAGE_COLUMNS)
        return parquet.read(columns=list(LANGUAGE_COLUMNS)) if has_both else None

    def kept_columns(episode: EpisodeRecord) -> tuple[pa.Array, pa.Array]:
        cells = existing()
        if cells is None:
            persistent, events = (empty_column(name, episode.length) for name in LANGUAGE_COLUMNS)
        else:
            part = cells.slice(episode.row_start, episode.length)
            persistent, events = _kept_columns(part, source, episode)
        return encoded(persistent), events

    leaves = _leaf_paths(schema)
    language = set(_leaf_paths(pa.schema([schema.field(name) for name in LANGUAGE_COLUMNS])))
    timestamps = table.column("timestamp").to_numpy().astype(np.float32, copy=False)
    with pq.ParquetWriter(
        target,
        encoding_schema(schema),
        compression=_codecs(parquet.metadata, leaves),
        # min/max of language leaves serve no reader and cost ~15% of their encoding
        write_statistics=[path for path in leaves if path not in language],
        store_schema=False,  # footer_metadata below stores the declared schema
    ) as writer:
        for episode in episodes:
            part = table.slice(episode.row_start, episode.length)
            frames = timestamps[episode.row_start : episode.row_stop]
            columns = new_columns(episode, frames) or kept_columns(episode)
            arrays = [
                columns[LANGUAGE_COLUMNS.index(f.name)]
                if f.name in LANGUAGE_COLUMNS
                else part.column(f.name)
                for f in schema
            ]
            writer.write_table(
                pa.Table.from_arrays(arrays, schema=writer.schema),
                row_group_size=max(episode.length, 1),
            )
        writer.add_key_value_metadata(footer_metadata(schema))


def _kept_columns(cells: pa.Table, source: Path, episode: EpisodeRecord) -> tuple[pa.Array, ...]:
    """The episode's existing language cells in the exact types."""
    try:
        return tuple(
            cells.column(name).combine_chunks().cast(COLUMN_TYPES[name])
            for name in LANGUAGE_COLUMNS
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SteerlangError(
            f"episode {episode.index}'s existing language columns in {source} cannot be kept "
            f"in the declared types ({exc}); rerun without --only_episodes to rewrite them all"
        ) from None


def _codecs(metadata: pq.FileMetaData, leaves: Sequence[str]) -> dict[str, str]:
    """Each leaf column's codec as in the source; new leaves use the source's commonest one."""
    found: dict[str, str] = {}
    if metadata.num_row_groups:
        group = metadata.row_group(0)
        for i in range(group.num_columns):
            chunk = group.column(i)
            found[chunk.path_in_schema] = _codec_name(chunk.compression)
    default = Counter(found.values()).most_common(1)[0][0] if found else "snappy"
    return {path: found.get(path, default) for path in leaves}


def _codec_name(parquet_name: str) -> str:
    name = parquet_name.lower()
    return {"uncompressed": "none", "lz4_raw": "lz4"}.get(name, name)


def _leaf_paths(schema: pa.Schema) -> list[str]:
    return list(_leaf_paths_cached(schema.remove_metadata()))


@functools.lru_cache(maxsize=32)
def _leaf_paths_cached(schema: pa.Schema) -> tuple[str, ...]:
    """Parquet leaf paths of a schema, as parquet itself names them."""
    sink = io.BytesIO()
    pq.ParquetWriter(sink, schema).close()
    sink.seek(0)
    parquet_schema = pq.ParquetFile(sink).schema
    return tuple(parquet_schema.column(i).path for i in range(len(parquet_schema)))
