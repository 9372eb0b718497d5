"""The clock a signal reader keeps time by, and the pacing that keeps a file source at real time.

A live microphone or camera paces itself: a read blocks until the next block or frame exists. A file does not
(ALSA's file plugin over ``null`` hands out a second of audio in well under a millisecond; OpenCV decodes a
file as fast as it can), so the reader paces by what it has read: block count times block length against the
clock. Tests inject a faster clock to run minutes of signal in seconds.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Seconds on some monotonic time line, and a wait on that time line that a stop event cuts short."""

    def now(self) -> float:
        """The current time in seconds."""

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Wait ``seconds`` of this clock's time; True when ``stop`` was set meanwhile."""


class MonotonicClock:
    """Real time: ``time.monotonic``."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(0.0, seconds))


class FastClock:
    """Real time sped up ``speed`` times: a test's minute of audio passes in ``60 / speed`` seconds."""

    def __init__(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.speed

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(0.0, seconds) / self.speed)


class Pacer:
    """Keeps a reader from running ahead of the clock by more than what it has read.

    After each read, ``after_read(duration_s, took_s)``: a read that took a noticeable share of its own duration
    came from a source that keeps time itself (a sound card, a camera), and the pacer re-anchors so it never
    sleeps; a read that returned at once (a file) is followed by a sleep until the clock catches up.
    """

    BLOCKING_SHARE = 0.2

    def __init__(self, clock: Clock, stop: threading.Event) -> None:
        self.clock = clock
        self.stop = stop
        self._anchor = clock.now()
        self._media_s = 0.0

    @property
    def media_s(self) -> float:
        """Seconds of signal read so far."""
        return self._media_s

    def after_read(self, duration_s: float, took_s: float) -> bool:
        """Account for one read; True when the reader should stop."""
        self._media_s += duration_s
        now = self.clock.now()
        if took_s >= self.BLOCKING_SHARE * duration_s:
            self._anchor = now - self._media_s
            return self.stop.is_set()
        return self.clock.wait(self._anchor + self._media_s - now, self.stop)
