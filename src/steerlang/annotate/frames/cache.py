"""A least-recently-used cache of decoded frames, bounded by bytes.

The modules of one episode (contact sheets, interjection windows, VQA) ask
for overlapping frames; decoding each once saves most of the video work.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from steerlang.annotate.frames.frame import Frame


class FrameCache:
    """Thread-safe; holds frames of at most `max_bytes` of image data in all (0 disables it)."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("the frame cache size must be ≥ 0 bytes")
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Frame] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Frame | None:
        with self._lock:
            frame = self._items.get(key)
            if frame is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return frame

    def put(self, key: Hashable, frame: Frame) -> None:
        """Store a frame (one larger than the whole cache is not kept), evicting the oldest."""
        size = frame.image.nbytes
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.image.nbytes
            self._items[key] = frame
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted.image.nbytes

    def discard(self, first: Hashable) -> None:
        """Drop every entry whose tuple key starts with `first` (e.g. a finished episode)."""
        with self._lock:
            for key in [k for k in self._items if isinstance(k, tuple) and k[0] == first]:
                self._bytes -= self._items.pop(key).image.nbytes
