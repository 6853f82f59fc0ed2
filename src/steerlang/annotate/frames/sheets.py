"""Timestamped contact sheets: an episode's sampled frames tiled into grids for one prompt.

Each tile carries its exact source time burned in above the picture, so the
model can name event times it sees; the sheet keeps those times per tile. A
long episode is split into overlapping windows of at most
`max_frames_per_prompt` frames. A sheet is only as large as its tiles need:
no black filler tiles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from steerlang.annotate.frames.encode import DEFAULT_JPEG_QUALITY, EncodedImage, encode_jpeg
from steerlang.annotate.frames.geometry import ImageGeometry
from steerlang.annotate.frames.source import EpisodeRef, FrameSource
from steerlang.annotate.frames.timeline import sample_frames, split_windows
from steerlang.errors import SteerlangError

BACKGROUND_LEVEL = 255  # white; one grey level, so a sheet is filled by a plain memset
BACKGROUND = (BACKGROUND_LEVEL,) * 3
LABEL_BACKGROUND = (232, 232, 232)

# Pillow hands a freed image's memory back to the OS by default, so each new sheet
# page-faults a fresh multi-megabyte buffer in again, which costs about as much as
# tiling it. Keeping a few freed blocks (Pillow's own PILLOW_BLOCKS_MAX setting)
# lets sheets reuse them; a larger setting made by the user is left alone.
PILLOW_BLOCKS_KEPT = 4
# Pillow's own comment names Image.core the way to reach its C module, but does not mark it
# re-exported, so mypy does not see it
_PILLOW_CORE = Image.core  # type: ignore[attr-defined]
if _PILLOW_CORE.get_blocks_max() < PILLOW_BLOCKS_KEPT:
    _PILLOW_CORE.set_blocks_max(PILLOW_BLOCKS_KEPT)
LABEL_TEXT = (0, 0, 0)


@dataclass(frozen=True)
class ContactSheetConfig:
    """How frames are sampled, tiled and encoded (mirrors `--plan.*` flags)."""

    frames_per_second: float = 1.0
    columns: int = 4
    rows: int = 4  # at most this many rows per sheet; a window may span several sheets
    tile_width: int = 320
    jpeg_quality: int = DEFAULT_JPEG_QUALITY
    max_frames_per_prompt: int = 16
    overlap_frames: int = 2

    def check(self) -> None:
        if not self.frames_per_second > 0:
            raise SteerlangError("frames_per_second must be positive (e.g. 1 or 2)")
        if self.columns < 1 or self.rows < 1:
            raise SteerlangError("contact sheet columns and rows must be at least 1")
        if self.tile_width < 32:
            raise SteerlangError("contact sheet tile_width must be at least 32 pixels")
        if not 1 <= self.jpeg_quality <= 100:
            raise SteerlangError("jpeg_quality must be within 1..100")
        if self.max_frames_per_prompt < 2:
            raise SteerlangError("max_frames_per_prompt must be at least 2")
        if not 0 <= self.overlap_frames < self.max_frames_per_prompt:
            raise SteerlangError("overlap_frames must be ≥ 0 and below max_frames_per_prompt")


@dataclass(frozen=True)
class SheetTile:
    """One tile: which frame it shows and where its picture sits (x, y, w, h) in the sheet."""

    frame_index: int
    timestamp: float
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class ContactSheet:
    """One grid image of an episode's frames, read left to right, top to bottom."""

    episode: int
    camera: str
    image: Image.Image
    tiles: tuple[SheetTile, ...]
    source_width: int
    source_height: int
    jpeg_quality: int = DEFAULT_JPEG_QUALITY

    @property
    def timestamps(self) -> list[float]:
        return [tile.timestamp for tile in self.tiles]

    def tile_geometry(self, position: int) -> ImageGeometry:
        """Maps a point on tile `position` of the sheet back to source pixels."""
        return ImageGeometry(
            self.camera,
            self.source_width,
            self.source_height,
            self.image.width,
            self.image.height,
            self.tiles[position].box,
        )

    def encode(self) -> EncodedImage:
        return encode_jpeg(self.image, self.jpeg_quality)


@dataclass(frozen=True)
class ContactSheetWindow:
    """The sheets of one prompt: a stretch of the episode's samples."""

    index: int
    sheets: tuple[ContactSheet, ...]

    @property
    def timestamps(self) -> list[float]:
        return [t for sheet in self.sheets for t in sheet.timestamps]

    @property
    def start(self) -> float:
        return self.sheets[0].tiles[0].timestamp

    @property
    def end(self) -> float:
        return self.sheets[-1].tiles[-1].timestamp


def contact_sheets(
    source: FrameSource, episode: EpisodeRef, camera: str, config: ContactSheetConfig
) -> list[ContactSheetWindow]:
    """The episode's contact-sheet windows for one camera.

    Frames are decoded in one forward pass and shrunk to tiles at once, so
    only tile-sized images are held while the sheets are built.
    """
    config.check()
    stamps = source.timestamps(episode)
    samples = sample_frames(stamps, config.frames_per_second)
    decimals = time_decimals(source.dataset.fps)
    tiles: list[tuple[int, float, np.ndarray]] = []
    size = None
    for frame in source.iter_frames(episode, camera, stamps[samples], width=config.tile_width):
        size = (frame.source_width, frame.source_height)
        tiles.append((frame.index, frame.timestamp, frame.image))
    assert size is not None, "an episode has at least one frame"
    per_sheet = config.columns * config.rows
    record = source.episode(episode)
    windows = []
    for number, window in enumerate(
        split_windows(len(tiles), config.max_frames_per_prompt, config.overlap_frames)
    ):
        chosen = [tiles[i] for i in window]
        sheets = tuple(
            tile_sheet(
                record.index,
                camera,
                chosen[start : start + per_sheet],
                size,
                config,
                decimals,
            )
            for start in range(0, len(chosen), per_sheet)
        )
        windows.append(ContactSheetWindow(number, sheets))
    return windows


def tile_sheet(
    episode: int,
    camera: str,
    tiles: Sequence[tuple[int, float, np.ndarray]],
    source_size: tuple[int, int],
    config: ContactSheetConfig,
    decimals: int = 2,
) -> ContactSheet:
    """Lay (frame index, timestamp, RGB tile) out on a grid just big enough for them.

    The grid is assembled as one array (tiles and labels copied into place) and
    becomes an image once: pasting into a filled PIL image cost more than the JPEG.
    """
    rows = math.ceil(len(tiles) / config.columns)
    columns = math.ceil(len(tiles) / rows)
    tile_h, tile_w = tiles[0][2].shape[:2]
    band = label_height(tile_w)
    gutter = _gutter(tile_w)
    cell_h = band + tile_h
    sheet = np.full(
        (rows * cell_h + (rows + 1) * gutter, columns * tile_w + (columns + 1) * gutter, 3),
        BACKGROUND_LEVEL,
        np.uint8,
    )
    placed = []
    for position, (frame_index, timestamp, picture) in enumerate(tiles):
        row, column = divmod(position, columns)
        x = gutter + column * (tile_w + gutter)
        y = gutter + row * (cell_h + gutter)
        sheet[y : y + band, x : x + tile_w] = time_label(format_time(timestamp, decimals), tile_w)
        sheet[y + band : y + cell_h, x : x + tile_w] = picture
        placed.append(SheetTile(frame_index, timestamp, (x, y + band, tile_w, tile_h)))
    return ContactSheet(
        episode,
        camera,
        Image.fromarray(sheet),
        tuple(placed),
        *source_size,
        jpeg_quality=config.jpeg_quality,
    )


def format_time(timestamp: float, decimals: int = 2) -> str:
    return f"t={timestamp:.{decimals}f}s"


def time_decimals(fps: float) -> int:
    """Fewest decimals (at least 2) that tell neighbouring frames apart."""
    decimals = 2
    while 10.0**-decimals > 0.5 / fps:
        decimals += 1
    return decimals


def label_height(tile_width: int) -> int:
    return _font_size(tile_width) + 2 * _label_padding(tile_width)


@lru_cache(maxsize=4096)
def time_label(text: str, tile_width: int) -> np.ndarray:
    """The band drawn above a tile (RGB, read-only): its time in dark text sized to stay
    legible at this width."""
    pad = _label_padding(tile_width)
    band = Image.new("RGB", (tile_width, label_height(tile_width)), LABEL_BACKGROUND)
    ImageDraw.Draw(band).text((pad, pad), text, fill=LABEL_TEXT, font=_font(tile_width))
    pixels = np.asarray(band)
    pixels.setflags(write=False)
    return pixels


def _font_size(tile_width: int) -> int:
    return max(12, round(tile_width * 0.075))


def _label_padding(tile_width: int) -> int:
    return max(2, _font_size(tile_width) // 4)


def _gutter(tile_width: int) -> int:
    return max(2, tile_width // 64)


@lru_cache(maxsize=16)
def _font(tile_width: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=_font_size(tile_width))
