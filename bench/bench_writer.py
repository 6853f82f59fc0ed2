"""Benchmark the language writer against a pyarrow-only writer, a plain copy and LeRobot 0.6.1.

The writer we ship encodes `language_persistent` itself and splices it into
pyarrow's file (`language/write/episode_shard.py` says why, with the figures).
Beside it, same data, same run: the plain writer (`plain_writer.py`: the same
write path with pyarrow encoding every column), a baseline that reads each shard
and writes it back with pyarrow (same row groups and codecs), and LeRobot
0.6.1's annotation writer, re-implemented here.

Full size: 1,000 episodes x 1,000 frames in 20 shards, no videos, 25 persistent
and 40 event rows per episode. `--quick` shrinks it to finish in under 30 s.
Each side runs in a fresh child process on a fresh copy, so their peak RSS is
comparable and the ratios are measured on the same machine in the same run. On
a shared machine one timing is noisy, so `--rounds` rounds (baseline, writer,
plain writer, LeRobot 0.6.1) are run and the fastest of each side is compared.

Prints `name: value` lines: `{side}_seconds` (wall) and `{side}_cpu_seconds`
(this process and its reaped workers) for baseline, writer, plain_writer and
lerobot061; writer_ratio and plain_writer_ratio (each / baseline);
plain_vs_splice and plain_vs_splice_cpu (plain writer / writer, wall and CPU);
writer_vs_lerobot061 (lerobot061 / writer, target >= 2.5); `{side}_us_per_frame`,
`{side}_peak_rss_mb` (the largest process: the side's or a shard worker's),
shard_mb (a written shard in memory), plain_same_values (1: a shard of each
writer reads back to the same language columns and schema; 0 fails the run),
and each round's seconds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

FULL = {"episodes": 1000, "frames": 1000, "shards": 20}
QUICK = {"episodes": 60, "frames": 300, "shards": 4}
CAMERAS = ("observation.images.top", "observation.images.wrist")
WRITERS = ("writer", "plain_writer")  # the splice we ship, pyarrow alone
KINDS = ("baseline", *WRITERS, "lerobot061")
CODECS = {"UNCOMPRESSED": "none", "LZ4_RAW": "lz4"}  # parquet's codec names → pyarrow's


def episode_rows(episode: int, frames: np.ndarray) -> list[dict[str, Any]]:
    """25 persistent + 40 event rows in staging form, spread over the episode."""
    from steerlang.schema import speech_atom

    n = len(frames)

    def t(i: int) -> float:
        return float(frames[min(i, n - 1)])

    starts = [i * n // 12 for i in range(12)]
    rows: list[dict[str, Any]] = [
        {"timestamp": t(0), "style": "task_aug", "role": "user", "content": f"tidy table {episode}"}
    ]
    for k, start in enumerate(starts):
        rows.append(
            {
                "timestamp": t(start),
                "style": "subtask",
                "role": "assistant",
                "content": f"step {k}: grasp the cube by its sides with the left gripper",
            }
        )
    for k, start in enumerate(starts[1:7]):
        rows.append(
            {
                "timestamp": t(start),
                "style": "memory",
                "role": "assistant",
                "content": f"{k + 1} cubes are in the bowl; the lid is open",
            }
        )
    interjections = [n // 5, 2 * n // 5, 3 * n // 5, 4 * n // 5]
    for i in [0, *interjections, n // 2]:
        rows.append(
            {
                "timestamp": t(i),
                "style": "plan",
                "role": "assistant",
                "content": "1. open the lid 2. move the cubes 3. close the lid",
            }
        )
    for i in interjections:
        rows.append(
            {
                "timestamp": t(i),
                "style": "interjection",
                "role": "user",
                "content": "use the other gripper for the blue one",
            }
        )
        rows.append({"timestamp": t(i), **speech_atom("Sure, switching grippers.")})
    for k in range(16):
        frame, camera = (k * n) // 16 + 1, CAMERAS[k % 2]
        answer = {"label": "cube", "count": k % 5}
        rows.append(
            {
                "timestamp": t(frame),
                "style": "vqa",
                "role": "user",
                "camera": camera,
                "content": "how many cubes are on the table?",
            }
        )
        rows.append(
            {
                "timestamp": t(frame),
                "style": "vqa",
                "role": "assistant",
                "camera": camera,
                "content": json.dumps(answer),
            }
        )
    return rows


def staged_rows(dataset: Any) -> dict[int, list[dict[str, Any]]]:
    return {
        ep.index: episode_rows(ep.index, dataset.frame_timestamps(ep)) for ep in dataset.episodes
    }


def run_writer(root: Path, plain: bool) -> tuple[float, float]:
    from plain_writer import write_language_plain  # beside this file

    from steerlang.dataset.reader import open_dataset
    from steerlang.language.write.write_language import write_language

    dataset = open_dataset(root, check_videos=False)
    rows = staged_rows(dataset)
    clock = Stopwatch()
    (write_language_plain if plain else write_language)(dataset, rows)
    return clock.stop()


def run_lerobot061(root: Path) -> tuple[float, float]:
    """LeRobot 0.6.1's annotation writer, re-implemented (`steerable_pipeline/writer.py`): each
    shard read whole, one Python list of row dicts per frame, pyarrow inferring the column
    types from them, one row group per episode (snappy), shards one after another."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from steerlang.dataset.reader import open_dataset
    from steerlang.schema import EVENTS_COLUMN, LANGUAGE_COLUMNS, PERSISTENT_COLUMN
    from steerlang.schema import column_for_style as column_of

    dataset = open_dataset(root, check_videos=False)
    rows = staged_rows(dataset)
    clock = Stopwatch()
    for shard in dataset.data_files():
        persistent: dict[int, list[dict[str, Any]]] = {}
        events: dict[int, dict[float, list[dict[str, Any]]]] = {}
        for episode in dataset.episodes_in(shard):
            staged = rows[episode.index]
            ordered = sorted(
                (r for r in staged if column_of(r.get("style")) == PERSISTENT_COLUMN),
                key=lambda r: (float(r["timestamp"]), r.get("style") or "", r.get("role") or ""),
            )
            persistent[episode.index] = [lerobot_row(r, with_timestamp=True) for r in ordered]
            on_frame: dict[float, list[dict[str, Any]]] = {}
            for row in staged:
                if column_of(row.get("style")) == EVENTS_COLUMN:
                    stamp = float(row["timestamp"])
                    on_frame.setdefault(stamp, []).append(lerobot_row(row, with_timestamp=False))
            for bucket in on_frame.values():
                bucket.sort(key=lambda r: (r["style"] or "", r["role"] or "", r["camera"] or ""))
            events[episode.index] = on_frame
        table = pq.read_table(shard)
        episode_of = table.column("episode_index").to_pylist()
        stamps = table.column("timestamp").to_pylist()
        frame_persistent = [persistent.get(e, []) for e in episode_of]
        frame_events = [
            events.get(e, {}).get(float(t), []) for e, t in zip(episode_of, stamps, strict=True)
        ]
        dropped = {"subtask_index", "tools", *LANGUAGE_COLUMNS}
        kept = [name for name in table.column_names if name not in dropped]
        new = pa.Table.from_arrays(
            [*(table.column(n) for n in kept), pa.array(frame_persistent), pa.array(frame_events)],
            names=[*kept, *LANGUAGE_COLUMNS],
        )
        starts = np.flatnonzero(np.diff(np.asarray(episode_of), prepend=-1, append=-1))
        temporary = shard.with_name(shard.name + ".tmp")
        with pq.ParquetWriter(temporary, new.schema, compression="snappy") as writer:
            for start, stop in itertools.pairwise(starts):
                writer.write_table(new.slice(start, stop - start), row_group_size=stop - start)
        temporary.replace(shard)
    return clock.stop()


def lerobot_row(row: dict[str, Any], with_timestamp: bool) -> dict[str, Any]:
    """A staged row in the key order LeRobot 0.6.1 builds (pyarrow infers the struct from it)."""
    out = {
        "role": str(row["role"]),
        "content": None if row.get("content") is None else str(row["content"]),
        "style": row.get("style"),
    }
    if with_timestamp:
        out["timestamp"] = float(row["timestamp"])
    out["camera"] = row.get("camera")
    out["tool_calls"] = None if row.get("tool_calls") is None else list(row["tool_calls"])
    return out


def run_baseline(root: Path, out: Path) -> tuple[float, float]:
    """Read each shard and write it back as its source was written: same row groups
    (here one per episode, like the writer's output) and the same codec per column."""
    import pyarrow.parquet as pq

    shards = sorted((root / "data").rglob("*.parquet"))
    clock = Stopwatch()
    for shard in shards:
        target = out / shard.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = pq.ParquetFile(shard)
        table = source.read()
        groups = [source.metadata.row_group(i) for i in range(source.num_row_groups)]
        codecs = {
            chunk.path_in_schema: CODECS.get(chunk.compression, chunk.compression)
            for chunk in (groups[0].column(i) for i in range(groups[0].num_columns))
        }
        with pq.ParquetWriter(target, table.schema, compression=codecs) as writer:
            start = 0
            for group in groups:
                writer.write_table(table.slice(start, group.num_rows), group.num_rows)
                start += group.num_rows
    return clock.stop()


def same_language(splice: Path, plain: Path) -> bool:
    """Do the two writers' copies of a shard read back to the same language columns, in the
    same schema (types and key-value metadata)?"""
    import pyarrow.parquet as pq

    from steerlang.schema import LANGUAGE_COLUMNS

    tables = [pq.read_table(path, columns=list(LANGUAGE_COLUMNS)) for path in (splice, plain)]
    schemas = [pq.read_schema(path) for path in (splice, plain)]
    same_schema: bool = schemas[0].equals(schemas[1], check_metadata=True)
    return same_schema and bool(tables[0].equals(tables[1]))


class Stopwatch:
    """Wall and CPU seconds from its creation; CPU counts this process and the workers it
    started and reaped (shard workers exit when the writer's pool shuts down)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), cpu_seconds()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, cpu_seconds() - self.cpu


def cpu_seconds() -> float:
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def child(kind: str, root: str, out: str) -> None:
    if kind == "build":  # `out` names the size
        build(QUICK if out == "quick" else FULL, Path(root))
        return
    if kind == "baseline":
        seconds, cpu = run_baseline(Path(root), Path(out))
    elif kind == "lerobot061":
        seconds, cpu = run_lerobot061(Path(root))
    else:
        seconds, cpu = run_writer(Path(root), plain=kind == "plain_writer")
    # the largest process: this one, or a shard worker the writer started (and reaped)
    peak_mb = (
        max(
            resource.getrusage(who).ru_maxrss
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        / 1024
    )
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_mb}))


def in_child(kind: str, root: Path, out: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind, str(root), str(out)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def build(size: dict[str, int], out: Path) -> None:
    from steerlang.dataset.synth import SynthConfig, synthesize

    fps = 30
    synthesize(
        SynthConfig(
            out=out,
            episodes=size["episodes"],
            seconds=(size["frames"] / fps,) * 2,
            fps=fps,
            episodes_per_file=size["episodes"] // size["shards"],
            video=False,
            legacy_subtask_index=True,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--dataset", type=Path, help="reuse a dataset built for this size (copied)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of every side; the fastest of each counts"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    size = QUICK if args.quick else FULL
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory(prefix="bench_writer_") as tmp:
        work = Path(tmp)
        built = args.dataset
        if built is None:
            built = work / "built"  # in a child: this process must stay small (see below)
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "build",
                    str(built),
                    "quick" if args.quick else "full",
                ],
                check=True,
            )
        for round_ in range(args.rounds):
            for kind in KINDS:  # a fresh copy for each: the writers rewrite it in place
                source = work / f"{kind}{round_}"
                shutil.copytree(built, source)
                runs[kind].append(in_child(kind, source, work / f"{kind}{round_}_out"))
                if kind not in WRITERS or round_ < args.rounds - 1:
                    shutil.rmtree(source)
        # read only now: a child started by a large parent inherits its peak RSS
        import pyarrow.parquet as pq

        written = [work / f"{kind}{args.rounds - 1}" for kind in WRITERS]
        shards = sorted((written[0] / "data").rglob("*.parquet"))
        shard_mb = pq.read_table(shards[0]).nbytes / 2**20  # a written shard, in memory
        same_values = same_language(*(root / shards[0].relative_to(written[0]) for root in written))
    seconds = {kind: min(run["seconds"] for run in runs[kind]) for kind in KINDS}
    frames = size["episodes"] * size["frames"]
    print(f"episodes: {size['episodes']}")
    print(f"frames_per_episode: {size['frames']}")
    print(f"shards: {len(shards)}")
    print(f"shard_mb: {shard_mb:.1f}")
    for kind in KINDS:
        print(f"{kind}_seconds: {seconds[kind]:.3f}")
    for kind in WRITERS:
        print(f"{kind}_ratio: {seconds[kind] / seconds['baseline']:.2f}")
    print(f"plain_vs_splice: {seconds['plain_writer'] / seconds['writer']:.2f}")
    print(f"writer_vs_lerobot061: {seconds['lerobot061'] / seconds['writer']:.2f}")
    for kind in (*WRITERS, "lerobot061"):
        print(f"{kind}_us_per_frame: {seconds[kind] / frames * 1e6:.2f}")
    cpu = {kind: min(run["cpu_seconds"] for run in runs[kind]) for kind in KINDS}
    for kind in KINDS:
        print(f"{kind}_cpu_seconds: {cpu[kind]:.3f}")
    print(f"plain_vs_splice_cpu: {cpu['plain_writer'] / cpu['writer']:.2f}")
    for kind in KINDS:
        print(f"{kind}_peak_rss_mb: {max(run['peak_mb'] for run in runs[kind]):.0f}")
    for kind in KINDS:
        print(f"rounds_{kind}_seconds: " + " ".join(f"{r['seconds']:.3f}" for r in runs[kind]))
    print(f"plain_same_values: {int(same_values)}")
    if not same_values:
        sys.exit("the plain writer's shard reads back differently from the splice's: fix it")


if __name__ == "__main__":
    main()
