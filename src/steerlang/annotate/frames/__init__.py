"""Frames for model prompts: exact episode-relative decoding, contact sheets, image geometry."""

from steerlang.annotate.frames.encode import EncodedImage, encode_jpeg
from steerlang.annotate.frames.errors import FrameError
from steerlang.annotate.frames.frame import Frame
from steerlang.annotate.frames.geometry import (
    CoordinateConvention,
    ImageGeometry,
    ModelCoordinates,
    convention_for_model,
    smart_resize,
)
from steerlang.annotate.frames.sheets import (
    ContactSheet,
    ContactSheetConfig,
    ContactSheetWindow,
    SheetTile,
    contact_sheets,
)
from steerlang.annotate.frames.source import FrameSource

__all__ = [
    "ContactSheet",
    "ContactSheetConfig",
    "ContactSheetWindow",
    "CoordinateConvention",
    "EncodedImage",
    "Frame",
    "FrameError",
    "FrameSource",
    "ImageGeometry",
    "ModelCoordinates",
    "SheetTile",
    "contact_sheets",
    "convention_for_model",
    "encode_jpeg",
    "smart_resize",
]
