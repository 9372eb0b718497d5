"""Picture health, sans-IO: frames in, ``ok`` / ``black`` / ``frozen`` out.

Frames are reduced to a small grey picture (320x180 by default) before any check: about a millisecond a frame.
A frame is black when its mean is below ``black_mean`` and its standard deviation below ``black_std`` (a dark
but lit scene has texture; a dead source is flat). Two checked frames are the same when their mean absolute
difference is below ``frozen_diff`` (a live camera's sensor noise alone is above it). The signal is frozen once
the frames have stayed the same for ``frozen_after_s``.

Precedence: a black frame after a black frame is also "the same", but black wins: a flat dark picture says the
source sends nothing, which is the more useful diagnosis, and the frozen time only runs while the picture is not
black (it restarts when a black stretch ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

Signal = Literal["ok", "no_signal", "black", "frozen", "unknown"]
Grey = NDArray[np.uint8]


@dataclass(frozen=True)
class HealthSettings:
    black_mean: float = 16.0
    black_std: float = 4.0
    frozen_diff: float = 0.5
    frozen_after_s: float = 1.0


def reduce(frame: NDArray[np.uint8], width: int = 320, height: int = 180) -> Grey:
    """A small grey copy of a BGR (or grey) frame, the only thing the checks look at."""
    small = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
    if small.ndim == 3:
        small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    return np.asarray(small, dtype=np.uint8)


def is_black(grey: Grey, settings: HealthSettings = HealthSettings()) -> bool:
    mean, std = cv2.meanStdDev(grey)
    return float(mean[0][0]) < settings.black_mean and float(std[0][0]) < settings.black_std


def difference(a: Grey, b: Grey) -> float:
    """Mean absolute difference of two reduced frames of the same size (0..255)."""
    return float(cv2.absdiff(a, b).mean())


class HealthTracker:
    """The signal of a sequence of checked frames, each with the time it was taken."""

    def __init__(self, settings: HealthSettings = HealthSettings()) -> None:
        self.settings = settings
        self.signal: Signal = "unknown"
        self.frozen_s = 0.0
        self._previous: Grey | None = None
        self._same_since: float | None = None

    def update(self, grey: Grey, at: float) -> Signal:
        """Check one reduced frame taken at ``at`` (seconds on any monotonic clock)."""
        previous, self._previous = self._previous, grey
        if is_black(grey, self.settings):
            self._same_since, self.frozen_s = None, 0.0
            self.signal = "black"
            return self.signal
        same = (
            previous is not None
            and previous.shape == grey.shape
            and (difference(previous, grey) < self.settings.frozen_diff)
        )
        if not same:
            self._same_since, self.frozen_s = at, 0.0
        elif self._same_since is None:
            self._same_since = at
        self.frozen_s = round(at - self._same_since, 1) if self._same_since is not None else 0.0
        self.signal = "frozen" if same and self.frozen_s >= self.settings.frozen_after_s - 1e-9 else "ok"
        return self.signal

    def lost(self) -> Signal:
        """The source sends no frames."""
        self._previous, self._same_since, self.frozen_s = None, None, 0.0
        self.signal = "no_signal"
        return self.signal
