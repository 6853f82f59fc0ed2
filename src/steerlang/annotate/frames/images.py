"""Frames of cameras stored as encoded images inside the parquet rows (dtype `image`)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image, UnidentifiedImageError

from steerlang.annotate.frames.errors import bad_image
from steerlang.annotate.frames.frame import scaled_size
from steerlang.dataset import EpisodeRecord


def read_image_rows(
    root: Path,
    episode: EpisodeRecord,
    camera: str,
    frame_indices: Sequence[int],
    width: int | None = None,
) -> Iterator[tuple[int, np.ndarray, tuple[int, int]]]:
    """Yield (frame index, RGB array, source size) for ascending frame indices.

    Only the row groups holding the episode are read, and only this column;
    `width` scales the images down with their aspect ratio kept.
    """
    column = _episode_column(episode, camera)
    for frame_index in frame_indices:
        cell = column[frame_index].as_py()
        image = _decode(root, episode, camera, frame_index, cell)
        source_size = image.size
        size = scaled_size(*source_size, width)
        if size != source_size:
            image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
        yield frame_index, np.asarray(image), source_size


def _episode_column(episode: EpisodeRecord, camera: str) -> pa.ChunkedArray:
    parquet = pq.ParquetFile(episode.data_path)
    groups, first_row, row = [], None, 0
    for group in range(parquet.metadata.num_row_groups):
        rows = parquet.metadata.row_group(group).num_rows
        if row < episode.row_stop and row + rows > episode.row_start:
            groups.append(group)
            first_row = row if first_row is None else first_row
        row += rows
    table = parquet.read_row_groups(groups, columns=[camera])
    offset = episode.row_start - (first_row or 0)
    return table.column(camera).slice(offset, episode.length)


def _decode(
    root: Path,
    episode: EpisodeRecord,
    camera: str,
    frame_index: int,
    cell: dict[str, Any] | bytes | None,
) -> Image.Image:
    data: bytes | None = cell.get("bytes") if isinstance(cell, dict) else cell
    try:
        if data is None:
            data = _read_referenced(root, cell)
        image = Image.open(io.BytesIO(data))
        with image:  # not `as`: Pillow's __enter__ returns typing.Self, which 3.10 lacks
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise bad_image(episode.index, camera, episode.data_path, frame_index, str(exc)) from exc


def _read_referenced(root: Path, cell: object) -> bytes:
    """Image rows may reference a file instead of embedding bytes."""
    path = cell.get("path") if isinstance(cell, dict) else None
    if not path:
        raise ValueError("the row holds neither image bytes nor a path")
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = root / candidate
    return candidate.read_bytes()
