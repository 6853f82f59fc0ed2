"""Contact sheets: sampling, windows, tiling without filler, burned-in per-tile times."""

from __future__ import annotations

import io
import itertools
import math

import numpy as np
import pytest
from PIL import Image

from steerlang.annotate.frames import ContactSheetConfig, FrameSource, contact_sheets
from steerlang.annotate.frames.sheets import (
    BACKGROUND,
    format_time,
    label_height,
    tile_sheet,
    time_decimals,
    time_label,
)
from steerlang.annotate.frames.timeline import sample_frames, split_windows
from steerlang.dataset import open_dataset
from steerlang.errors import SteerlangError
from tests.conftest import SMALL_CAMERAS

TOP, WRIST = SMALL_CAMERAS


def test_samples_are_regular_and_end_with_the_last_frame():
    stamps = (np.arange(100) / 30).astype(np.float32)
    assert sample_frames(stamps, 2.0).tolist() == [0, 15, 30, 45, 60, 75, 90, 99]
    assert sample_frames(stamps, 1.0).tolist() == [0, 30, 60, 90]  # 99 is within half a step
    assert sample_frames(stamps[:80], 1.0).tolist() == [0, 30, 60, 79]
    assert sample_frames(stamps, 100.0).tolist() == list(range(100))  # never duplicates
    with pytest.raises(ValueError):
        sample_frames(stamps, 0.0)


@pytest.mark.parametrize(("count", "size", "overlap"), [(50, 16, 2), (17, 16, 4), (200, 10, 0)])
def test_windows_cover_everything_within_size_with_the_overlap(count, size, overlap):
    windows = split_windows(count, size, overlap)
    assert windows[0].start == 0 and windows[-1].stop == count
    assert all(len(w) <= size for w in windows)
    for before, after in itertools.pairwise(windows):
        assert before.stop - after.start == overlap
    assert len(windows) == math.ceil((count - overlap) / (size - overlap))
    assert max(map(len, windows)) - min(map(len, windows)) <= 1  # balanced: no runt window


def test_short_inputs_make_one_window():
    assert split_windows(5, 16, 2) == [range(5)]
    assert split_windows(0, 16, 2) == []
    with pytest.raises(ValueError):
        split_windows(10, 4, 4)


@pytest.fixture
def sheets_setup(synth_cache):
    dataset = open_dataset(synth_cache(codec="av1"))
    with FrameSource(dataset) as source:
        yield dataset, source


def test_windows_hold_the_sampled_frames_with_their_exact_times(sheets_setup):
    dataset, source = sheets_setup
    config = ContactSheetConfig(
        frames_per_second=10, tile_width=48, max_frames_per_prompt=8, overlap_frames=2
    )
    for episode in dataset.episodes:
        stamps = source.timestamps(episode)
        windows = contact_sheets(source, episode, TOP.key, config)
        samples = sample_frames(stamps, 10)
        tiles = [tile for w in windows for s in w.sheets for tile in s.tiles]
        assert all(t.timestamp == float(stamps[t.frame_index]) for t in tiles)
        seen = sorted({t.frame_index for t in tiles})
        assert seen == samples.tolist()
        for window in windows:
            assert len(window.timestamps) <= 8
            assert window.timestamps == sorted(window.timestamps)
        for before, after in itertools.pairwise(windows):
            assert before.timestamps[-2:] == after.timestamps[:2]
        assert windows[0].start == 0.0 and windows[-1].end == float(stamps[samples[-1]])
        assert float(stamps[-1]) - windows[-1].end <= 0.05  # the episode's end is shown


def test_grid_has_no_filler_tiles(sheets_setup):
    dataset, source = sheets_setup
    config = ContactSheetConfig(frames_per_second=2.5, columns=3, rows=2, tile_width=64)
    windows = contact_sheets(source, dataset.episodes[0], TOP.key, config)
    sheets = [s for w in windows for s in w.sheets]
    assert [len(s.tiles) for s in sheets] == [6, 1]  # 7 samples: a full sheet, then 1 tile
    last = sheets[-1]
    assert last.image.size == (64 + 2 * 2, 48 + label_height(64) + 2 * 2)
    for sheet in sheets:
        pixels = np.asarray(sheet.image)
        outside = np.ones(pixels.shape[:2], bool)
        for tile in sheet.tiles:
            x, y, w, h = tile.box
            outside[y - label_height(64) : y + h, x : x + w] = False
        assert (pixels[outside] == BACKGROUND).all()  # gutters and empty cells: background only
    five = [(i, i / 10, np.full((48, 64, 3), 9, np.uint8)) for i in range(5)]
    sheet = tile_sheet(0, TOP.key, five, (TOP.width, TOP.height), ContactSheetConfig(columns=4))
    assert [tile.box[:2] for tile in sheet.tiles] == [
        (2, 2 + label_height(64)),
        (68, 2 + label_height(64)),
        (134, 2 + label_height(64)),
        (2, 4 + 2 * label_height(64) + 48),
        (68, 4 + 2 * label_height(64) + 48),
    ]  # 3 columns × 2 rows leave one empty cell, where 4 columns would leave three


def test_each_tile_shows_its_frame_and_its_time(sheets_setup):
    dataset, source = sheets_setup
    config = ContactSheetConfig(frames_per_second=1, tile_width=96)
    episode = dataset.episodes[1]
    sheet = contact_sheets(source, episode, WRIST.key, config)[0].sheets[0]
    pixels = np.asarray(sheet.image)
    band = label_height(96)
    labels = []
    for tile in sheet.tiles:
        x, y, w, h = tile.box
        frame = source.frame(episode, WRIST.key, tile.timestamp, width=96)
        assert np.array_equal(pixels[y : y + h, x : x + w], frame.image)
        label = pixels[y - band : y, x : x + w]
        expected = np.asarray(time_label(format_time(tile.timestamp), 96))
        assert np.array_equal(label, expected)
        dark = np.argwhere(label.max(axis=2) < 100)
        assert len(dark) > 30 and np.ptp(dark[:, 0]) + 1 >= 9  # glyphs ≥ 9 px tall
        labels.append(label)
    assert all(not np.array_equal(a, b) for a, b in itertools.pairwise(labels))


def test_time_format_tells_frames_apart():
    assert format_time(1.0333333, time_decimals(30)) == "t=1.03s"
    assert time_decimals(60) == 3 and time_decimals(15) == 2
    assert not np.array_equal(
        np.asarray(time_label("t=1.03s", 320)), np.asarray(time_label("t=1.07s", 320))
    )


def test_sheet_jpeg_quality_and_tile_geometry(sheets_setup):
    _, source = sheets_setup
    low = contact_sheets(source, 0, TOP.key, ContactSheetConfig(jpeg_quality=30))[0].sheets[0]
    high = contact_sheets(source, 0, TOP.key, ContactSheetConfig(jpeg_quality=95))[0].sheets[0]
    small, large = low.encode(), high.encode()
    assert small.data[:2] == b"\xff\xd8" and len(small.data) < len(large.data)
    assert Image.open(io.BytesIO(large.data)).size == high.image.size == (large.width, large.height)
    assert large.geometry is None  # composite: geometry is per tile
    geometry = high.tile_geometry(1)
    x, y, w, h = high.tiles[1].box
    assert geometry.image_to_source(x + w / 2, y + h / 2) == (TOP.width / 2, TOP.height / 2)
    assert geometry.image_to_source(x + w, y + h) == (TOP.width, TOP.height)


def test_bad_config_is_a_user_error(sheets_setup):
    _, source = sheets_setup
    for bad in (
        ContactSheetConfig(frames_per_second=0),
        ContactSheetConfig(columns=0),
        ContactSheetConfig(max_frames_per_prompt=4, overlap_frames=4),
        ContactSheetConfig(jpeg_quality=0),
    ):
        with pytest.raises(SteerlangError):
            contact_sheets(source, 0, TOP.key, bad)
