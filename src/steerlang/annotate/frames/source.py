"""Frames of an episode's cameras at episode timestamps, exactly and fast.

Times are episode-relative (SPEC §2): a requested time snaps to the nearest
real frame of the episode's stored `timestamp` column, and for video cameras
that frame is found at file time `from_timestamp + timestamp`. Each thread
decodes with its own containers, so decode threads never wait on each other.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from steerlang.annotate.frames import errors
from steerlang.annotate.frames.cache import FrameCache
from steerlang.annotate.frames.frame import Frame
from steerlang.annotate.frames.images import read_image_rows
from steerlang.annotate.frames.timeline import nearest_frames
from steerlang.annotate.frames.video import SpanIndex, VideoReader, VideoReadError
from steerlang.dataset import CameraInfo, EpisodeRecord, LeRobotDataset, VideoSpan
from steerlang.errors import SteerlangError

logger = logging.getLogger(__name__)

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
DEFAULT_READERS_PER_THREAD = 4

EpisodeRef = EpisodeRecord | int


class FrameSource:
    """Decoded RGB frames of a dataset's episodes, per camera, with a shared byte-bounded cache.

    Safe to call from many threads at once. A dataset without cameras is
    `text_only` (a warning is logged); asking it for frames is an error.
    """

    def __init__(
        self,
        dataset: LeRobotDataset,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        readers_per_thread: int = DEFAULT_READERS_PER_THREAD,
    ) -> None:
        self.dataset = dataset
        self.cache = FrameCache(cache_bytes)
        self.readers_per_thread = max(1, readers_per_thread)
        self._local = threading.local()
        self._registry_lock = threading.Lock()  # guards the lists below, never a decode
        self._open_readers: list[VideoReader] = []
        self._timestamps: dict[int, np.ndarray] = {}
        self._span_indices: dict[tuple[Path, float, float], SpanIndex] = {}
        if self.text_only:
            logger.warning(
                "%s has no camera features: annotation runs text-only (the model sees no frames)",
                dataset.root,
            )

    # -- what there is ----------------------------------------------------------
    @property
    def cameras(self) -> list[str]:
        return self.dataset.camera_keys

    @property
    def text_only(self) -> bool:
        return not self.dataset.cameras

    def episode(self, episode: EpisodeRef) -> EpisodeRecord:
        return episode if isinstance(episode, EpisodeRecord) else self.dataset.episode(episode)

    def timestamps(self, episode: EpisodeRef) -> np.ndarray:
        """The episode's stored frame timestamps (float32, read once per episode)."""
        record = self.episode(episode)
        with self._registry_lock:
            cached = self._timestamps.get(record.index)
        if cached is None:
            cached = self.dataset.frame_timestamps(record)
            cached.setflags(write=False)
            with self._registry_lock:
                self._timestamps[record.index] = cached
        return cached

    def snap(self, episode: EpisodeRef, times: Iterable[float]) -> np.ndarray:
        """Frame indices of the real frames nearest to episode `times` (ties go earlier).

        Times more than one frame period outside the episode are a caller bug.
        """
        stamps = self.timestamps(episode).astype(np.float64)
        wanted = np.asarray(list(times), dtype=np.float64)
        period = 1.0 / self.dataset.fps
        if wanted.size and (
            not np.all(np.isfinite(wanted))
            or wanted.min() < stamps[0] - period
            or wanted.max() > stamps[-1] + period
        ):
            raise ValueError(
                f"times {wanted.min():.3f}..{wanted.max():.3f} s fall outside episode "
                f"{self.episode(episode).index} ({stamps[0]:.3f}..{stamps[-1]:.3f} s)"
            )
        return nearest_frames(stamps, wanted)

    # -- frames -----------------------------------------------------------------
    def frames(
        self,
        episode: EpisodeRef,
        camera: str,
        times: Sequence[float] | np.ndarray,
        width: int | None = None,
    ) -> list[Frame]:
        """One frame per requested time, in the order asked (duplicates share a frame).

        `width` scales the frames down (aspect ratio kept) as they are converted,
        cheaper than resizing full-size frames afterwards.
        """
        indices = self.snap(episode, times)
        unique = np.unique(indices)
        by_index = {frame.index: frame for frame in self._frames_at(episode, camera, unique, width)}
        return [by_index[int(i)] for i in indices]

    def frame(
        self, episode: EpisodeRef, camera: str, time: float, width: int | None = None
    ) -> Frame:
        return self.frames(episode, camera, [time], width)[0]

    def iter_frames(
        self, episode: EpisodeRef, camera: str, times: Iterable[float], width: int | None = None
    ) -> Iterator[Frame]:
        """The distinct frames nearest to `times`, in time order, decoded one at a time,

        so only what the caller keeps is held (e.g. contact-sheet tiles).
        """
        unique = np.unique(self.snap(episode, times))
        yield from self._frames_at(episode, camera, unique, width)

    def check_episode(self, episode: EpisodeRef, cameras: Sequence[str] | None = None) -> None:
        """Raise the episode's `FrameError` now (file missing, unreadable, truncated)
        instead of halfway through its model calls; decodes the first and last frames."""
        stamps = self.timestamps(episode)
        for camera in self.cameras if cameras is None else cameras:
            self.frames(episode, camera, [float(stamps[0]), float(stamps[-1])])

    def drop_episode(self, episode: EpisodeRef) -> None:
        """Forget a finished episode's cached frames and indices."""
        record = self.episode(episode)
        self.cache.discard(record.index)
        with self._registry_lock:
            self._timestamps.pop(record.index, None)
            for span in record.videos.values():
                self._span_indices.pop((span.path, span.from_timestamp, span.to_timestamp), None)

    def close(self) -> None:
        """Close every container opened by any thread (call when no reads are running)."""
        with self._registry_lock:
            readers, self._open_readers = self._open_readers, []
        for reader in readers:
            reader.close()
        self._local.__dict__.clear()
        self._local = threading.local()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------
    def _camera(self, camera: str) -> CameraInfo:
        info = self.dataset.cameras.get(camera)
        if info is None:
            raise SteerlangError(
                f"{self.dataset.root} has no camera {camera!r}; its cameras are "
                f"{self.cameras or 'none (text-only dataset)'}"
            )
        return info

    def _frames_at(
        self, episode: EpisodeRef, camera: str, indices: np.ndarray, width: int | None
    ) -> Iterator[Frame]:
        record = self.episode(episode)
        info = self._camera(camera)
        stamps = self.timestamps(record)
        keys = [(record.index, camera, int(i), width) for i in indices]
        cached = [self.cache.get(key) for key in keys]
        missing = [key[2] for key, frame in zip(keys, cached, strict=True) if frame is None]
        decoded = self._decode(record, info, stamps, missing, width) if missing else iter(())
        for key, frame in zip(keys, cached, strict=True):
            if frame is None:
                index, image, (source_width, source_height) = next(decoded)
                assert index == key[2], "decoders yield frames in ascending order"
                image.setflags(write=False)
                frame = Frame(
                    record.index,
                    camera,
                    index,
                    float(stamps[index]),
                    image,
                    source_width,
                    source_height,
                )
                self.cache.put(key, frame)
            yield frame

    def _decode(
        self,
        record: EpisodeRecord,
        info: CameraInfo,
        stamps: np.ndarray,
        indices: list[int],
        width: int | None,
    ) -> Iterator[tuple[int, np.ndarray, tuple[int, int]]]:
        if info.storage == "image":
            return read_image_rows(self.dataset.root, record, info.key, indices, width)
        span = record.videos.get(info.key)
        if span is None:
            raise errors.FrameError(
                record.index,
                info.key,
                None,
                "meta/episodes gives no video span for this camera",
                "re-download the dataset's meta/episodes files; the episode is skipped",
            )
        return self._decode_video(record, span, stamps, indices, width)

    def _decode_video(
        self,
        record: EpisodeRecord,
        span: VideoSpan,
        stamps: np.ndarray,
        indices: list[int],
        width: int | None,
    ) -> Iterator[tuple[int, np.ndarray, tuple[int, int]]]:
        tolerance = 0.5 / self.dataset.fps
        try:
            reader = self._reader(span.path)
            index = self._span_index(reader, span, float(stamps[-1]), tolerance)
            times = [span.from_timestamp + float(stamps[i]) for i in indices]
            for position, frame in reader.read(times, index, tolerance):
                yield indices[position], reader.to_rgb(frame, width), (frame.width, frame.height)
        except VideoReadError as exc:
            if exc.kind == "unreadable":
                self._drop_reader(span.path)
            raise self.video_error(record, span, exc) from exc

    def _span_index(
        self, reader: VideoReader, span: VideoSpan, last_stamp: float, tolerance: float
    ) -> SpanIndex:
        key = (span.path, span.from_timestamp, span.to_timestamp)
        with self._registry_lock:
            index = self._span_indices.get(key)
        if index is None:
            needed = span.from_timestamp + last_stamp
            index = reader.index_span(span.from_timestamp, needed)
            if index.last_time is None or index.last_time < needed - tolerance:
                raise VideoReadError("truncated", file_time=needed)
            with self._registry_lock:
                self._span_indices[key] = index
        return index

    def video_error(
        self, record: EpisodeRecord, span: VideoSpan, exc: VideoReadError
    ) -> errors.FrameError:
        """The episode's `FrameError` for a failed read of its span of `span.path`."""
        if exc.kind == "missing":
            return errors.missing_video(record.index, span.key, span.path)
        if exc.kind == "truncated":
            available = self._span_end(span)
            return errors.truncated_video(
                record.index, span.key, span.path, exc.file_time or 0.0, available
            )
        if exc.kind == "gap":
            return errors.missing_frame(record.index, span.key, span.path, exc.file_time or 0.0)
        return errors.unreadable_video(record.index, span.key, span.path, exc.detail)

    def _span_end(self, span: VideoSpan) -> float | None:
        """Where a truncated file's packets end (for the error message)."""
        try:
            reader = self._reader(span.path)
            return reader.index_span(span.from_timestamp, float("inf")).last_time
        except VideoReadError:
            return None

    def _reader(self, path: Path) -> VideoReader:
        readers: OrderedDict[Path, VideoReader] | None = getattr(self._local, "readers", None)
        if readers is None:
            readers = self._local.readers = OrderedDict()
        reader = readers.get(path)
        if reader is not None:
            readers.move_to_end(path)
            return reader
        if not path.is_file():
            raise VideoReadError("missing")
        reader = VideoReader(path)
        readers[path] = reader
        with self._registry_lock:
            self._open_readers.append(reader)
        while len(readers) > self.readers_per_thread:
            self._retire(readers.popitem(last=False)[1])
        return reader

    def _drop_reader(self, path: Path) -> None:
        readers = getattr(self._local, "readers", None)
        if readers is not None and path in readers:
            self._retire(readers.pop(path))

    def _retire(self, reader: VideoReader) -> None:
        with self._registry_lock:
            if reader in self._open_readers:
                self._open_readers.remove(reader)
        reader.close()
