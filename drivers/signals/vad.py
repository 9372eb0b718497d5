"""Audio levels and voice activity, sans-IO: blocks of S16 samples in, per-seat measurements and flags out.

Time is counted in blocks (each block is ``block_s`` of signal), never read from a clock: the same samples
give the same answers however fast they arrive.

Per seat and block: RMS and peak in dBFS (0 dBFS is a full-scale square wave; digital silence reads
``FLOOR_DBFS``); voice activity as an energy threshold with attack (the level must stay above the threshold that
long before the seat speaks) and hangover (below it that long before the seat stops: syllable gaps do not end
speech); clipping (enough samples at full scale in a block, held for a while so it does not flicker); and how
long the seat has been below the silence level (a dead microphone reads far below a room's background noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FULL_SCALE = 32768.0
FLOOR_DBFS = -120.0


@dataclass(frozen=True)
class Levels:
    """One block's measurements, one entry per channel."""

    rms_dbfs: list[float]
    peak_dbfs: list[float]
    clipped: list[int]  # samples at or above the clip level


def to_dbfs(value: NDArray[np.float64]) -> list[float]:
    """Linear sample magnitudes (of a 16-bit full scale) as dBFS, rounded to 0.1 dB, floored at FLOOR_DBFS."""
    with np.errstate(divide="ignore"):
        db = 20.0 * np.log10(value / FULL_SCALE)
    return [round(float(v), 1) for v in np.maximum(db, FLOOR_DBFS)]


def block_levels(block: NDArray[np.int16], clip_dbfs: float = -0.1) -> Levels:
    """Levels of a ``(frames, channels)`` block of S16 samples."""
    if block.ndim != 2 or block.shape[0] == 0:
        raise ValueError("a block is a non-empty (frames, channels) array")
    x = block.astype(np.float64)
    magnitude = np.abs(x)
    rms = np.sqrt(np.mean(x * x, axis=0))
    peak = magnitude.max(axis=0)
    clip_level = FULL_SCALE * 10.0 ** (clip_dbfs / 20.0)
    clipped = np.count_nonzero(magnitude >= clip_level, axis=0)
    return Levels(to_dbfs(rms), to_dbfs(peak), [int(c) for c in clipped])


def split_block(data: bytes, channels: int) -> NDArray[np.int16]:
    """Interleaved S16_LE bytes as a ``(frames, channels)`` array (a trailing partial frame is dropped)."""
    samples = np.frombuffer(data, dtype="<i2")
    frames = len(samples) // channels
    return samples[: frames * channels].reshape(frames, channels)


@dataclass(frozen=True)
class VadSettings:
    """Thresholds of voice activity, clipping and silence (see the module doc)."""

    threshold_dbfs: float = -45.0
    attack_s: float = 0.2
    hangover_s: float = 0.8
    silence_dbfs: float = -70.0
    clip_samples: int = 3
    clip_hold_s: float = 1.0


@dataclass
class SeatDetector:
    """Voice activity, clipping and silence of one seat, advanced one block at a time."""

    settings: VadSettings = field(default_factory=VadSettings)
    speaking: bool = False
    clipping: bool = False
    silent_s: float = 0.0
    _above_s: float = 0.0
    _below_s: float = 0.0
    _clip_left_s: float = 0.0

    def update(self, rms_dbfs: float, clipped: int, block_s: float) -> bool:
        """Advance by one block; True when ``speaking`` or ``clipping`` changed."""
        before = (self.speaking, self.clipping)
        s = self.settings
        if rms_dbfs >= s.threshold_dbfs:
            self._above_s += block_s
            self._below_s = 0.0
            if not self.speaking and self._above_s >= s.attack_s - 1e-9:
                self.speaking = True
        else:
            self._above_s = 0.0
            if self.speaking:
                self._below_s += block_s
                if self._below_s >= s.hangover_s - 1e-9:
                    self.speaking = False
                    self._below_s = 0.0
        self.silent_s = self.silent_s + block_s if rms_dbfs < s.silence_dbfs else 0.0
        if clipped >= s.clip_samples:
            self._clip_left_s = s.clip_hold_s
            self.clipping = True
        elif self.clipping:
            self._clip_left_s -= block_s
            if self._clip_left_s <= 1e-9:
                self.clipping = False
        return (self.speaking, self.clipping) != before
