"""The synthetic scene's few colours, indexed so frames are drawn as one byte a pixel.

A frame is drawn as palette indices; RGB for tests and YUV 4:2:0 planes for the
encoder are then table look-ups, far cheaper than converting RGB per frame.
"""

from __future__ import annotations

import numpy as np

from steerlang.dataset.synth.scene import COLORS

Color = tuple[int, int, int]

FLOOR: Color = (70, 70, 78)
TABLE: Color = (176, 134, 92)
GRID: Color = (160, 120, 80)
FINGER: Color = (45, 45, 50)
PALM: Color = (110, 110, 120)


def _mix(a: Color, b: Color, amount: float) -> Color:
    red, green, blue = (int(x * (1 - amount) + y * amount) for x, y in zip(a, b, strict=True))
    return red, green, blue


def object_colors(color: str, shape: str) -> tuple[Color, Color]:
    """(rim, face): solid objects get a darker rim, plates a pale face with a coloured rim."""
    base = COLORS[color]
    if shape == "plate":
        return base, _mix(base, (255, 255, 255), 0.65)
    return _mix(base, (0, 0, 0), 0.4), base


_ENTRIES: list[Color] = [FLOOR, TABLE, GRID, FINGER, PALM]
for _name in COLORS:
    for _shape in ("block", "plate"):
        _ENTRIES.extend(c for c in object_colors(_name, _shape) if c not in _ENTRIES)

PALETTE = np.array(_ENTRIES, dtype=np.uint8)
INDEX: dict[Color, int] = {color: i for i, color in enumerate(_ENTRIES)}


def _bt601(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limited-range BT.601, the matrix FFmpeg assumes for untagged yuv420p."""
    r, g, b = (rgb[:, i].astype(np.float64) for i in range(3))
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    y8, u8, v8 = (np.clip(np.round(c), 0, 255).astype(np.uint8) for c in (y, u, v))
    return y8, u8, v8


Y_LUT, U_LUT, V_LUT = _bt601(PALETTE)


def to_rgb(indices: np.ndarray) -> np.ndarray:
    rgb: np.ndarray = PALETTE[indices]
    return rgb


def to_yuv420p(indices: np.ndarray) -> np.ndarray:
    """The (H·3/2, W) plane stack PyAV's `from_ndarray(..., "yuv420p")` takes.

    `np.take` into preallocated planes: about twice as fast as fancy indexing.
    """
    height, width = indices.shape
    quarter = height // 4
    chroma = np.ascontiguousarray(indices[::2, ::2]).reshape(quarter, width)
    planes = np.empty((height * 3 // 2, width), dtype=np.uint8)
    np.take(Y_LUT, indices, out=planes[:height])
    np.take(U_LUT, chroma, out=planes[height : height + quarter])
    np.take(V_LUT, chroma, out=planes[height + quarter :])
    return planes
