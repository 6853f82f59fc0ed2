"""Fill rectangles and ellipses straight into a palette-index (or depth) numpy image.

A pixel is painted when its centre lies inside the shape, so a ground-truth
box (x1, y1, x2, y2) names exactly the pixels drawn. Numpy slicing keeps a
640×480 frame well under a millisecond, which is what makes `synth` fast.
"""

from __future__ import annotations

import math

import numpy as np


def _span(lo: float, hi: float, size: int) -> tuple[int, int]:
    """Pixel indices whose centres fall in [lo, hi), clipped to the image."""
    start = max(math.ceil(lo - 0.5), 0)
    stop = min(math.ceil(hi - 0.5), size)
    return start, max(stop, start)


def fill_rect(image: np.ndarray, box: tuple[float, ...], color: float) -> None:
    x1, y1, x2, y2 = box
    c0, c1 = _span(x1, x2, image.shape[1])
    r0, r1 = _span(y1, y2, image.shape[0])
    image[r0:r1, c0:c1] = color


def fill_ellipse(image: np.ndarray, box: tuple[float, ...], color: float) -> None:
    x1, y1, x2, y2 = box
    c0, c1 = _span(x1, x2, image.shape[1])
    r0, r1 = _span(y1, y2, image.shape[0])
    if c1 <= c0 or r1 <= r0:
        return
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    rx, ry = max((x2 - x1) / 2, 1e-6), max((y2 - y1) / 2, 1e-6)
    xs = ((np.arange(c0, c1) + 0.5 - cx) / rx) ** 2
    ys = ((np.arange(r0, r1) + 0.5 - cy) / ry) ** 2
    inside = ys[:, None] + xs[None, :] <= 1.0
    image[r0:r1, c0:c1][inside] = color


def inset(box: tuple[float, ...], pixels: float) -> tuple[float, ...]:
    x1, y1, x2, y2 = box
    return (x1 + pixels, y1 + pixels, x2 - pixels, y2 - pixels)
