"""Skipping packets nothing references: the same frames, for less decoding.

The oracle for "non-reference" is FFmpeg's own decoder: with
`skip_frame = "NONREF"` it outputs only the frames others may reference.
Hand-built headers cover the AV1 syntax the synthetic encoder never writes.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from steerlang.annotate.frames import FrameSource, video
from steerlang.annotate.frames.disposable import (
    Av1References,
    H264References,
    disposable_check,
)
from steerlang.dataset import open_dataset
from tests.conftest import SMALL_CAMERAS

TOP = SMALL_CAMERAS[0]


@pytest.fixture(params=["av1", "h264"])
def codec(request) -> str:
    return request.param


def top_video(root) -> str:
    return str(open_dataset(root).episodes[0].videos[TOP.key].path)


def test_disposable_packets_are_the_ones_the_decoder_calls_non_reference(synth_cache, codec):
    path = top_video(synth_cache(codec=codec, seconds=(3.0, 3.0)))
    with av.open(path) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        check = disposable_check(context.name, context.extradata)
        assert check is not None
        packets = [p for p in container.demux(stream) if p.size]
        disposable = {p.pts for p in packets if check(bytes(p))}
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONREF"
        referenced = {frame.pts for frame in container.decode(stream)}
    every = {p.pts for p in packets}
    assert disposable, "the synthetic encoder writes non-reference frames"
    assert disposable == every - referenced


def test_skipping_changes_no_pixel(synth_cache, codec, monkeypatch):
    """Frames read with skipping equal frames read with every packet decoded."""
    root = synth_cache(codec=codec)
    dataset = open_dataset(root)
    verdicts: list[bool] = []

    def counted(name: str, extradata: bytes | None):
        check = disposable_check(name, extradata)

        def wrapper(packet: bytes) -> bool:
            verdicts.append(check(packet))
            return verdicts[-1]

        return wrapper

    def read_all() -> list[np.ndarray]:
        images = []
        with FrameSource(dataset) as source:
            for episode in dataset.episodes:
                end = float(source.timestamps(episode)[-1])
                samples = np.arange(0.0, end, 0.5)
                random = np.random.default_rng(episode.index).uniform(0.0, end, 12)
                images += [f.image for f in source.frames(episode, TOP.key, samples)]
                images += [source.frame(episode, TOP.key, float(t)).image for t in random]
        return images

    monkeypatch.setattr(video, "disposable_check", counted)
    skipped = read_all()
    monkeypatch.setattr(video, "disposable_check", lambda name, extradata: None)
    everything = read_all()
    assert any(verdicts), "some packets were left undecoded"
    assert len(skipped) == len(everything)
    for a, b in zip(skipped, everything, strict=True):
        np.testing.assert_array_equal(a, b)


# -- AV1 headers written by hand -------------------------------------------------


class Bits:
    """Builds an MSB-first bit string, the way AV1 headers are written."""

    def __init__(self) -> None:
        self.fields: list[tuple[int, int]] = []

    def put(self, value: int, count: int) -> Bits:
        self.fields.append((value, count))
        return self

    def bytes(self) -> bytes:
        total = sum(count for _, count in self.fields)
        value = 0
        for field, count in self.fields:
            value = (value << count) | field
        padding = -total % 8
        return (value << padding).to_bytes((total + padding) // 8, "big")


def obu(obu_type: int, payload: bytes, temporal_id: int | None = None) -> bytes:
    extension = temporal_id is not None
    header = bytes([(obu_type << 3) | (4 if extension else 0) | 2])
    if extension:
        header += bytes([temporal_id << 5])
    assert len(payload) < 128
    return header + bytes([len(payload)]) + payload


def rich_sequence_header() -> bytes:
    """Timing info, a decoder model on one of two operating points, frame ids,
    per-frame screen-content choice and 7-bit order hints."""
    bits = Bits().put(0, 3).put(0, 1).put(0, 1)  # profile, still_picture, reduced
    bits.put(1, 1).put(1000, 32).put(30000, 32).put(0, 1)  # timing, unequal intervals
    bits.put(1, 1).put(9, 5).put(1, 32).put(11, 5).put(6, 5)  # decoder model: 10/12/7 bits
    bits.put(0, 1).put(1, 5)  # no initial display delay, two operating points
    bits.put(0x103, 12).put(8, 5).put(0, 1).put(1, 1).put(5, 10).put(5, 10).put(0, 1)
    bits.put(0x101, 12).put(4, 5).put(0, 1)  # level ≤ 7: no tier; no decoder model here
    bits.put(9, 4).put(8, 4).put(639, 10).put(479, 9)  # frame size bits and maxima
    bits.put(1, 1).put(3, 4).put(2, 3)  # frame ids: 5 + 3 = 8 bits
    bits.put(0, 3).put(0, 4).put(1, 1).put(0, 2)  # tools, order hint on
    bits.put(1, 1).put(1, 1)  # screen content and integer mv chosen per frame
    bits.put(6, 3)  # order_hint_bits_minus_1
    return bits.put(0, 16).bytes()  # the rest of the header, unread


def rich_inter_frame(refresh: int, temporal_id: int) -> bytes:
    bits = Bits().put(0, 1).put(1, 2).put(1, 1).put(77, 7)  # inter frame, shown, its time
    bits.put(0, 1).put(0, 1).put(1, 1).put(1, 1)  # not resilient, cdf, screen content, int mv
    bits.put(0xAB, 8).put(0, 1).put(42, 7).put(2, 3)  # frame id, no override, order hint, ref
    bits.put(1, 1)  # buffer removal times present: only for points containing this layer
    if temporal_id in (0, 1):
        bits.put(0x3FF, 12)
    return bits.put(refresh, 8).put(0, 24).bytes()


def extradata_for(sequence_header: bytes) -> bytes:
    return bytes([0x81, 0, 0, 0]) + obu(1, sequence_header)


@pytest.mark.parametrize("temporal_id", [0, 1, 2])
def test_av1_refresh_flags_are_read_through_every_optional_field(temporal_id):
    references = Av1References(extradata_for(rich_sequence_header()))
    for refresh, disposable in ((0, True), (0x24, False), (0x80, False)):
        packet = obu(6, rich_inter_frame(refresh, temporal_id), temporal_id)
        assert references.disposable(packet) is disposable


def test_av1_frames_that_reset_or_reshow_are_kept():
    references = Av1References(extradata_for(rich_sequence_header()))
    shown_key = Bits().put(0, 1).put(0, 2).put(1, 1).put(5, 7).put(0, 32).bytes()
    show_existing = Bits().put(1, 1).put(3, 3).put(0, 16).bytes()
    assert not references.disposable(obu(6, shown_key))
    assert not references.disposable(obu(3, show_existing))


def test_av1_sequence_headers_met_in_packets_are_followed():
    """Without extradata, a packet's own sequence header describes later frames."""
    references = Av1References(b"")
    frame = obu(6, rich_inter_frame(0, 0), 0)
    assert not references.disposable(frame), "no sequence header seen yet"
    assert references.disposable(obu(1, rich_sequence_header()) + frame)
    assert references.disposable(frame)


def test_av1_reduced_still_pictures_are_never_disposable():
    reduced = Bits().put(0, 3).put(1, 1).put(1, 1).put(8, 5).put(9, 4).put(8, 4)
    reduced.put(639, 10).put(479, 9).put(0, 3)
    references = Av1References(extradata_for(reduced.put(0, 16).bytes()))
    assert not references.disposable(obu(6, b"\x00\x00"))


@pytest.mark.parametrize(
    "packet",
    [b"", b"\x32", b"\x32\x05\x00", b"\x32\x80\x80\x80\x80\x80\x80\x80\x80\x01", b"\x12\x00"],
    ids=["empty", "no size", "cut short", "size too long", "temporal delimiter only"],
)
def test_av1_malformed_or_frameless_packets_are_kept(packet):
    references = Av1References(extradata_for(rich_sequence_header()))
    assert not references.disposable(packet)


def nal(header: int, body: bytes = b"\x88\x84") -> bytes:
    return (1 + len(body)).to_bytes(4, "big") + bytes([header]) + body


@pytest.mark.parametrize(
    ("packet", "disposable"),
    [
        (nal(0x06) + nal(0x01), True),  # SEI, then a non-reference slice
        (nal(0x01) + nal(0x01), True),
        (nal(0x21), False),  # nal_ref_idc 1
        (nal(0x65), False),  # IDR
        (nal(0x01) + nal(0x41), False),  # one referenced slice is enough to keep it
        (nal(0x06), False),  # no slice at all
        (nal(0x01)[:-1], False),  # cut short
        (b"", False),
    ],
)
def test_h264_slices_decide_by_nal_ref_idc(packet, disposable):
    assert H264References(length_size=4).disposable(packet) is disposable


def test_codecs_without_a_check_are_never_skipped():
    assert disposable_check("hevc", b"\x01" * 30) is None
    assert disposable_check("h264", b"\x00\x00\x00\x01\x67") is None  # Annex B: no lengths
    assert disposable_check("mpeg4", None) is None
