"""Composite layouts (画面合成): where each camera's picture goes in the composite, and the picture itself.

``tiles(layout, width, height)`` is pure geometry; ``compose()`` letterboxes each picture into its tile (a 16:9
camera keeps its shape in a 3x2 tile) and leaves tiles without a picture black.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from drivers.recording.options import LAYOUT_TILES

Frame = NDArray[np.uint8]
Rect = tuple[int, int, int, int]  # x, y, width, height


def tiles(layout: str, width: int, height: int) -> list[Rect]:
    """The tiles of ``layout`` in order: the main (largest) tile first."""
    if layout not in LAYOUT_TILES:
        raise ValueError(f"unknown layout '{layout}' (known: {', '.join(LAYOUT_TILES)})")

    def cell(col: int, row: int, cols: int, rows: int, span: int = 1) -> Rect:
        x0, x1 = col * width // cols, (col + span) * width // cols
        y0, y1 = row * height // rows, (row + span) * height // rows
        return (x0, y0, x1 - x0, y1 - y0)

    if layout == "single":
        return [(0, 0, width, height)]
    if layout == "2x2":
        return [cell(c, r, 2, 2) for r in range(2) for c in range(2)]
    if layout == "3x2":
        return [cell(c, r, 3, 2) for r in range(2) for c in range(3)]
    # 1+5: the main picture over 2x2 of a 3x3 grid, five small ones down the right and along the bottom
    return [
        cell(0, 0, 3, 3, 2),
        cell(2, 0, 3, 3),
        cell(2, 1, 3, 3),
        cell(0, 2, 3, 3),
        cell(1, 2, 3, 3),
        cell(2, 2, 3, 3),
    ]


def order(inputs: list[str], main: str | None) -> list[str]:
    """The inputs in tile order: ``main`` (the speaker's camera) first, the others as configured."""
    if main is None or main not in inputs:
        return list(inputs)
    return [main, *[i for i in inputs if i != main]]


def fit(frame: Frame, width: int, height: int) -> tuple[Frame, int, int]:
    """``frame`` scaled to fit ``width`` x ``height`` keeping its shape, with its offset in that box."""
    h, w = frame.shape[:2]
    scale = min(width / w, height / h)
    tw, th = max(1, round(w * scale)), max(1, round(h * scale))
    if (tw, th) != (w, h):
        frame = np.asarray(cv2.resize(frame, (tw, th), interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return frame, (width - tw) // 2, (height - th) // 2


def compose(pictures: list[Frame | None], layout: str, width: int, height: int) -> Frame:
    """One composite frame: ``pictures`` (in tile order; None or missing: black) in ``layout``."""
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    for rect, picture in zip(tiles(layout, width, height), pictures, strict=False):
        if picture is None:
            continue
        x, y, w, h = rect
        scaled, dx, dy = fit(picture, w, h)
        sh, sw = scaled.shape[:2]
        canvas[y + dy : y + dy + sh, x + dx : x + dx + sw] = scaled
    return canvas
