"""Write a shard in the declared schema, one row group per episode.

Why `language_persistent` is not left to pyarrow (measured for issue 15): a
writer in which pyarrow encodes every column (the persistent strings handed over
as dictionary arrays, which gives the same file bytes as plain strings; its
timestamp leaf without a dictionary; no min/max statistics on the language
leaves; one row group per episode; the same two worker processes) took 1.44 to
1.98 times this writer's wall time (median 1.56) and 1.78 to 2.22 times its CPU
time (median 1.88) in six full-size runs of `python bench/bench_writer.py
--rounds 4` at commit 91d97a4 (1,000 episodes x 1,000 frames, 20 shards, 25
persistent + 40 event rows per episode, on a shared 2-core machine):
writer_ratio 1.90-4.06 spliced against 3.63-8.06 pyarrow-only (baseline
0.78-1.21 s), 1.6-3.9 against 3.0-7.8 us per frame, peak RSS 170-184 MB against
161-166 MB. Most of the difference is pyarrow's 80-150 ms per shard on the
1.25 million repeated structs (levels and dictionary indices), which
`periodic_chunk` encodes from one frame's pattern. The rule was to keep the
pyarrow-only writer if it came within 1.5 times; it did not. (LeRobot 0.6.1's
way of writing took 25-41 us per frame in the same runs, 7.8-19 times this
writer.) The pyarrow-only writer stays in the bench (`bench/plain_writer.py`); a
later full-size run printed `plain_vs_splice: 2.75` and `plain_vs_splice_cpu: 2.08` on a
loaded machine, and 1.65 and 1.68 on a quiet one (0.95 against 1.57 us per frame).

pyarrow encodes every column but `language_persistent` into memory; that
column's chunks are made by `persistent_chunks` and spliced in while the file
is written out. Each leaf keeps the codec it is given. The language leaves
carry no min/max statistics (no reader uses them; they cost ~15% of their
encoding); every other leaf has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from steerlang.language.write.footer_template import leaf_shapes, template_footer
from steerlang.language.write.persistent_chunks import (
    PersistentCells,
    PersistentChunks,
    writer_codec,
)
from steerlang.schema import LANGUAGE_COLUMNS, PERSISTENT_COLUMN


def leaf_paths(schema: pa.Schema) -> list[str]:
    """The parquet leaf columns of `schema`, as parquet names them ("a.list.element")."""
    return [".".join(shape.path) for shape in leaf_shapes(template_footer(schema))]


def others_schema(schema: pa.Schema) -> pa.Schema:
    """The schema of what pyarrow encodes: every column but `language_persistent`."""
    return schema.remove(schema.get_field_index(PERSISTENT_COLUMN)).remove_metadata()


def write_episode_shard(
    out: BinaryIO,
    schema: pa.Schema,
    codecs: Mapping[str, str],
    episodes: Iterable[tuple[pa.Table, PersistentCells]],
) -> None:
    """Write the shard to `out`. `schema` is the declared schema (its metadata is stored);
    `codecs` maps each leaf path to parquet's codec name; each episode is its table of the
    other columns (`others_schema`) and its persistent cells."""
    shapes = leaf_shapes(template_footer(schema))
    statistics = [".".join(s.path) for s in shapes if s.path[0] not in LANGUAGE_COLUMNS]
    persistent = PersistentChunks(schema, codecs)
    # the compressed shard, far smaller than the table; a C++ sink, so that pyarrow's writes
    # never wait for the GIL (a Python file object would make them, and stall other shards)
    main = pa.BufferOutputStream()
    with pq.ParquetWriter(
        main,
        others_schema(schema),
        compression={
            path: writer_codec(codec)
            for path, codec in codecs.items()
            if path not in persistent.leaf_paths
        },
        write_statistics=statistics,
        store_schema=False,  # the footer comes from `footer_template`
    ) as writer:
        for table, cells in episodes:
            persistent.add(cells, table.num_rows)
            writer.write_table(table, row_group_size=max(table.num_rows, 1))
    persistent.write(out, main.getvalue().to_pybytes())
