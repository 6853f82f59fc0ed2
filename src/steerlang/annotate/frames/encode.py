"""JPEG-encode images for model requests (PNG data URLs are several times larger)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from steerlang.annotate.frames.geometry import ImageGeometry

DEFAULT_JPEG_QUALITY = 85


@dataclass(frozen=True)
class EncodedImage:
    """JPEG bytes ready for a data URL, their size, and where the camera picture sits in them.

    `geometry` is None for composite images such as contact sheets, which keep
    one geometry per tile instead.
    """

    data: bytes
    width: int
    height: int
    geometry: ImageGeometry | None
    media_type: str = "image/jpeg"

    def data_url(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def encode_jpeg(
    image: np.ndarray | Image.Image,
    quality: int = DEFAULT_JPEG_QUALITY,
    max_side: int | None = None,
    geometry: ImageGeometry | None = None,
) -> EncodedImage:
    """Encode an RGB image as JPEG, first shrinking it so its longer side ≤ `max_side`.

    `geometry` describes the image as given; the result's geometry follows the
    resize, so model coordinates on the sent image map back to source pixels.
    """
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be within 1..100, got {quality}")
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    if picture.mode != "RGB":
        picture = picture.convert("RGB")
    if max_side is not None and max(picture.size) > max_side:
        scale = max_side / max(picture.size)
        size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
        picture = picture.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
        if geometry is not None:
            geometry = geometry.scaled_to(*size)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=quality)
    return EncodedImage(buffer.getvalue(), picture.width, picture.height, geometry)
