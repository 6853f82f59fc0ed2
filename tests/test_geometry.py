"""Model coordinates → source pixels for each convention; JPEG encoding keeps the geometry."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from steerlang.annotate.frames import (
    CoordinateConvention,
    ImageGeometry,
    ModelCoordinates,
    convention_for_model,
    encode_jpeg,
    smart_resize,
)

PIXELS = ModelCoordinates(CoordinateConvention.PIXELS)
QWEN25 = ModelCoordinates(CoordinateConvention.QWEN25_RESIZED)
NORMALIZED = ModelCoordinates(CoordinateConvention.NORMALIZED_1000)
CAMERA = ImageGeometry.of_source("observation.images.top", 640, 480)


@pytest.mark.parametrize(
    ("model_id", "convention"),
    [
        ("Qwen/Qwen2.5-VL-7B-Instruct", CoordinateConvention.QWEN25_RESIZED),
        ("/models/qwen2_5_vl_3b_awq", CoordinateConvention.QWEN25_RESIZED),
        ("Qwen/Qwen2-VL-2B-Instruct", CoordinateConvention.NORMALIZED_1000),
        ("Qwen/Qwen3-VL-8B-Instruct", CoordinateConvention.NORMALIZED_1000),
        ("Qwen/Qwen3-VL-30B-A3B-Thinking-FP8", CoordinateConvention.NORMALIZED_1000),
        ("gpt-4o", CoordinateConvention.PIXELS),
        ("HuggingFaceTB/SmolVLM-256M-Instruct", CoordinateConvention.PIXELS),
    ],
)
def test_convention_from_model_id(model_id, convention):
    assert convention_for_model(model_id) is convention


def test_smart_resize_rounds_to_patches_within_the_pixel_budget():
    assert smart_resize(480, 640) == (476, 644)
    assert smart_resize(240, 320) == (252, 308)
    h, w = smart_resize(3000, 4000, max_pixels=1_003_520)
    assert h % 28 == 0 and w % 28 == 0 and h * w <= 1_003_520 and abs(w / h - 4 / 3) < 0.05
    h, w = smart_resize(20, 30)
    assert h % 28 == 0 and w % 28 == 0 and h * w >= 56 * 56


def test_points_in_each_convention_land_on_the_same_source_pixel():
    # The source pixel (320, 240) (centre) and (640, 480) (corner) as each model would say it.
    assert PIXELS.point_to_source((320, 240), CAMERA) == [320, 240]
    assert NORMALIZED.point_to_source((500, 500), CAMERA) == [320, 240]
    assert NORMALIZED.point_to_source((1000, 1000), CAMERA) == [640, 480]
    assert QWEN25.point_to_source((322, 238), CAMERA) == [320, 240]
    assert QWEN25.point_to_source((644, 476), CAMERA) == [640, 480]


def test_boxes_are_ordered_and_clamped_to_the_frame():
    assert NORMALIZED.box_to_source((900, 800, 100, -50), CAMERA) == [64, 0, 576, 384]
    assert PIXELS.box_to_source((-10, 20, 700, 500), CAMERA) == [0, 20, 640, 480]


def test_resized_images_map_back_to_source_pixels():
    image = np.zeros((480, 640, 3), np.uint8)
    sent = encode_jpeg(image, quality=80, max_side=320, geometry=CAMERA)
    assert (sent.width, sent.height) == (320, 240)
    assert sent.geometry.resized and sent.geometry.camera == CAMERA.camera
    assert PIXELS.point_to_source((160, 120), sent.geometry) == [320, 240]
    # Qwen2.5-VL resizes the 320×240 image it got to 308×252 and answers in that space.
    assert QWEN25.point_to_source((308, 252), sent.geometry) == [640, 480]
    assert NORMALIZED.point_to_source((250, 750), sent.geometry) == [160, 360]


def test_custom_pixel_budget_changes_the_qwen_mapping():
    small_budget = ModelCoordinates(CoordinateConvention.QWEN25_RESIZED, max_pixels=200_000)
    h, w = smart_resize(480, 640, max_pixels=200_000)
    assert (h, w) != (476, 644)
    assert small_budget.point_to_source((w, h), CAMERA) == [640, 480]


def test_jpeg_encoding():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (120, 200, 3), dtype=np.uint8)
    low, high = encode_jpeg(image, quality=20), encode_jpeg(image, quality=95)
    assert len(low.data) < len(high.data)
    assert high.data_url().startswith("data:image/jpeg;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(high.data_url().split(",", 1)[1])))
    assert decoded.format == "JPEG" and decoded.size == (200, 120)
    assert high.geometry is None
    unchanged = encode_jpeg(Image.fromarray(image), max_side=500)
    assert (unchanged.width, unchanged.height) == (200, 120)
    with pytest.raises(ValueError):
        encode_jpeg(image, quality=0)
