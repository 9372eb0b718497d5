"""The time overlay (Art.4 of the 2017 rules): date, time to the second in the room's zone, room name and case
number, burned into every recorded picture.

The text changes once a second, so it is drawn (Pillow, with a CJK font for the room name and case number) once
a second per picture size and then copied onto each frame: a few microseconds a frame.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

Frame = NDArray[np.uint8]
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian's fonts-wqy-microhei (installed by `make`)
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
MARGIN = 0.012  # of the picture's height, around and inside the box


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first font found that draws Chinese, at ``size`` pixels; Pillow's own (Latin only) otherwise."""
    for path in FONT_PATHS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    log.warning("overlay: no CJK font found (%s): Chinese text will not show", ", ".join(FONT_PATHS))
    return ImageFont.load_default(size)


def overlay_text(now: float, zone: tzinfo, room: str, case_no: str | None) -> str:
    """``2026-03-05 14:03:27  第一法庭  (2026)京0105民初1234号`` for the wall-clock time ``now`` in ``zone``."""
    stamp = datetime.fromtimestamp(now, zone).strftime("%Y-%m-%d %H:%M:%S")
    return "  ".join(part for part in (stamp, room, case_no or "") if part)


def render(text: str, height: int) -> Frame:
    """White text on a black box (BGR), sized for a picture ``height`` pixels high."""
    size = max(10, round(height / 24))
    face = font(size)
    pad = max(2, round(height * MARGIN))
    left, top, right, bottom = face.getbbox(text)
    box = Image.new("RGB", (int(right - left) + 2 * pad, int(bottom - top) + 2 * pad), (0, 0, 0))
    ImageDraw.Draw(box).text((pad - left, pad - top), text, font=face, fill=(255, 255, 255))
    return np.ascontiguousarray(np.asarray(box, dtype=np.uint8)[:, :, ::-1])


class Overlay:
    """Burns one line of text into frames; the text is re-drawn only when it (or the picture height) changes."""

    def __init__(self) -> None:
        self._key: tuple[str, int] | None = None
        self._patch: Frame | None = None

    def apply(self, frame: Frame, text: str) -> Frame:
        """``frame`` with ``text`` in its top-left corner (in place; a frame too small gets what fits)."""
        height, width = frame.shape[:2]
        if self._key != (text, height):
            self._key, self._patch = (text, height), render(text, height)
        patch = self._patch
        assert patch is not None
        margin = max(1, round(height * MARGIN))
        ph, pw = min(patch.shape[0], height - margin), min(patch.shape[1], width - margin)
        if ph > 0 and pw > 0:
            if not frame.flags.writeable:
                frame = frame.copy()
            frame[margin : margin + ph, margin : margin + pw] = patch[:ph, :pw]
        return frame


def overlay_box(height: int) -> tuple[int, int, int, int]:
    """Where the overlay's box is on a picture ``height`` pixels high: (x, y, box height, margin) for tests."""
    margin = max(1, round(height * MARGIN))
    size = max(10, round(height / 24))
    return margin, margin, size + 2 * max(2, round(height * MARGIN)), margin
