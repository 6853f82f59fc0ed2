"""Encode a camera's frames for several episodes into one concatenated mp4 file."""

from __future__ import annotations

import io
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from steerlang.dataset.synth.draw import CameraSpec, render_indices
from steerlang.dataset.synth.palette import to_yuv420p
from steerlang.dataset.synth.scene import EpisodeScript

CODECS = {"av1": "libsvtav1", "h264": "libx264"}
# One thread (files encode in parallel), real-time mode (low-delay prediction), no
# screen-content tools (the encoder would pick them for these flat-coloured scenes)
# and no CDEF / restoration filters: about 4x faster than SVT-AV1's defaults.
SVT_PARAMS = "lp=1:rtc=1:scm=0:enable-cdef=0:enable-restoration=0"


def encoder_options(codec: str, fps: int) -> dict[str, str]:
    """Fast settings: one keyframe a second, single-threaded (files encode in parallel)."""
    gop = str(max(int(fps), 1))
    if codec == "av1":
        return {"preset": "12", "g": gop, "crf": "35", "svtav1-params": SVT_PARAMS}
    return {"preset": "veryfast", "g": gop, "crf": "23", "threads": "1"}


def encode_video(
    path: Path, scripts: list[EpisodeScript], camera: CameraSpec, codec: str, fps: int
) -> None:
    """Write the episodes back to back; each episode starts on a keyframe.

    Frame k of the file has pts k in a 1/fps time base, so an episode that
    starts after N frames has `from_timestamp = N / fps`.
    """
    os.environ.setdefault("SVT_LOG", "1")  # keep SVT-AV1's banner off the terminal
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(CODECS[codec], rate=fps, options=encoder_options(codec, fps))
        stream.width, stream.height = camera.width, camera.height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        pts = 0
        for script in scripts:
            for frame_index in range(script.length):
                planes = to_yuv420p(render_indices(script, camera, frame_index))
                frame = av.VideoFrame.from_ndarray(planes, "yuv420p")
                frame.pts = pts
                frame.time_base = Fraction(1, fps)
                if frame_index == 0:
                    frame.pict_type = av.video.frame.PictureType.I
                container.mux(stream.encode(frame))
                pts += 1
        container.mux(stream.encode(None))


def png_bytes(image: np.ndarray) -> bytes:
    """A frame encoded as PNG, the way LeRobot stores `image` features in parquet."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
