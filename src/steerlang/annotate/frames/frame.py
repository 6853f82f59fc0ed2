"""One decoded camera frame of an episode."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steerlang.annotate.frames.encode import DEFAULT_JPEG_QUALITY, EncodedImage, encode_jpeg
from steerlang.annotate.frames.geometry import ImageGeometry


@dataclass(frozen=True)
class Frame:
    """An RGB frame (H, W, 3 uint8, read-only) at a real frame of the episode.

    `timestamp` is the episode's stored float32 `timestamp` of that frame, so
    anything stamped with it matches a parquet row exactly. The image may be
    scaled down from the camera's `source_width` × `source_height`.
    """

    episode: int
    camera: str
    index: int
    timestamp: float
    image: np.ndarray
    source_width: int
    source_height: int

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def geometry(self) -> ImageGeometry:
        return ImageGeometry(
            self.camera,
            self.source_width,
            self.source_height,
            self.width,
            self.height,
            (0, 0, self.width, self.height),
        )

    def encode(
        self, quality: int = DEFAULT_JPEG_QUALITY, max_side: int | None = None
    ) -> EncodedImage:
        """This frame as JPEG for a model request, with the geometry to map answers back."""
        return encode_jpeg(self.image, quality, max_side, self.geometry)


def scaled_size(width: int, height: int, target_width: int | None) -> tuple[int, int]:
    """(width, height) after scaling to `target_width` with the aspect ratio kept."""
    if target_width is None or target_width == width:
        return width, height
    if target_width < 1:
        raise ValueError(f"a frame width must be positive, got {target_width}")
    return target_width, max(1, round(target_width * height / width))
