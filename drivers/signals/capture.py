"""The camera reader thread: grabs every frame (so a live source never backs up), checks about two a second.

Sources: a device index (``0``), a file or image sequence (``/run/cam.mp4``, ``/run/cam/frame_%04d.png``) or a
stream URL (``rtsp://...``). Files are read at their nominal frame rate (pacing, see ``drivers.signals.clock``)
and looped at their end, as a camera never ends; a file that is gone or unreadable is a lost signal, retried
every ``reopen_s``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from drivers.signals.clock import Clock, Pacer
from drivers.signals.health import HealthSettings, HealthTracker, Signal, reduce
from drivers.signals.options import VideoOptions

DEFAULT_FPS = 25.0
FPS_WINDOW_S = 2.0


@dataclass(frozen=True)
class Source:
    """What ``video:<spec>`` names."""

    spec: str

    @property
    def index(self) -> int | None:
        return int(self.spec) if self.spec.isdigit() else None

    @property
    def is_url(self) -> bool:
        return "://" in self.spec

    @property
    def is_file(self) -> bool:
        return self.index is None and not self.is_url

    def present(self) -> bool:
        """For a file: it (or an image sequence's folder) is there; other sources are assumed present."""
        if not self.is_file:
            return True
        path = Path(self.spec)
        return path.parent.is_dir() if "%" in path.name else path.is_file()


FrameTap = Callable[[NDArray[np.uint8], float], None]
"""``tap(frame, taken_at)``: every decoded frame (BGR) and the clock time it was grabbed, called in the reader
thread: a tap only queues the frame (a recorder's ring buffer) and returns."""


@dataclass(frozen=True)
class Check:
    """One health check, handed to the event loop."""

    signal: Signal
    frozen_s: float
    fps: float | None
    width: int | None
    height: int | None


def open_capture(source: Source, options: VideoOptions) -> cv2.VideoCapture | None:
    """An opened capture, or None when the source cannot be opened now."""
    if not source.present():
        return None
    if source.index is not None:
        capture = cv2.VideoCapture(source.index)
    elif source.is_url:
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            options.open_timeout_ms,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            options.read_timeout_ms,
        ]
        capture = cv2.VideoCapture(source.spec, cv2.CAP_FFMPEG, params)
    else:
        capture = cv2.VideoCapture(source.spec)
    if not capture.isOpened():
        capture.release()
        return None
    return capture


class CaptureWorker:
    """Reads one source in a thread; ``deliver(check)`` is called from that thread for every check."""

    def __init__(
        self,
        source: Source,
        options: VideoOptions,
        clock: Clock,
        deliver: Callable[[Check], None],
        opener: Callable[[Source, VideoOptions], cv2.VideoCapture | None] = open_capture,
    ) -> None:
        self.source = source
        self.options = options
        self.clock = clock
        self._deliver = deliver
        self._opener = opener
        self.stop = threading.Event()
        self.tracker = HealthTracker(
            HealthSettings(options.black_mean, options.black_std, options.frozen_diff, options.frozen_after_s)
        )
        self._lock = threading.Lock()
        self._latest: NDArray[np.uint8] | None = None
        self._latest_at = 0.0
        self._grabs: deque[float] = deque()
        self.taps: list[FrameTap] = []  # while any is attached, every frame is decoded and handed to them
        self.thread = threading.Thread(target=self._run, name=f"video-{source.spec}", daemon=True)

    def latest(self) -> tuple[NDArray[np.uint8] | None, float]:
        """The last checked frame (full size, BGR) and when it was taken."""
        with self._lock:
            return self._latest, self._latest_at

    def _paced(self) -> bool:
        return self.options.pace == "on" or (self.options.pace == "auto" and self.source.is_file)

    def _run(self) -> None:
        capture: cv2.VideoCapture | None = None
        try:
            while not self.stop.is_set():
                capture = self._opener(self.source, self.options)
                if capture is None:
                    self._report_lost()
                    if self.clock.wait(self.options.reopen_s, self.stop):
                        break
                    continue
                grabbed = self._read(capture)
                capture.release()
                capture = None
                if grabbed == 0:  # opens but sends nothing: a lost signal, not a loop to spin in
                    self._report_lost()
                    if self.clock.wait(self.options.reopen_s, self.stop):
                        break
        finally:
            if capture is not None:
                capture.release()

    def _read(self, capture: cv2.VideoCapture) -> int:
        """Grab frames until the source ends (a file: reopened by the caller) or fails; how many were grabbed."""
        nominal = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        fps = self.options.fps or (nominal if 1.0 <= nominal <= 240.0 else DEFAULT_FPS)
        pacer = Pacer(self.clock, self.stop) if self._paced() else None
        interval = 1.0 / self.options.check_hz
        next_check = self.clock.now()
        grabbed = 0
        while not self.stop.is_set():
            started = self.clock.now()
            if not capture.grab():
                break
            grabbed += 1
            now = self.clock.now()
            self._count(now)
            taps = list(self.taps)
            frame: NDArray[np.uint8] | None = None
            if taps:  # a recorder needs every frame, decoded
                ok, got = capture.retrieve()
                frame = np.asarray(got, dtype=np.uint8) if ok and got is not None else None
                for tap in taps:
                    if frame is not None:
                        tap(frame, now)
            if now >= next_check:
                next_check = max(next_check + interval, now)
                if not self.source.present():
                    break
                if frame is None:
                    ok, got = capture.retrieve()
                    frame = np.asarray(got, dtype=np.uint8) if ok and got is not None else None
                if frame is not None:
                    self._check(frame, now)
            if pacer is not None and pacer.after_read(1.0 / fps, now - started):
                break
        return grabbed

    def _count(self, now: float) -> None:
        self._grabs.append(now)
        while self._grabs and now - self._grabs[0] > FPS_WINDOW_S:
            self._grabs.popleft()

    def _fps(self) -> float | None:
        if len(self._grabs) < 2 or self._grabs[-1] <= self._grabs[0]:
            return None
        return (len(self._grabs) - 1) / (self._grabs[-1] - self._grabs[0])

    def _check(self, frame: NDArray[np.uint8], now: float) -> None:
        o = self.options
        signal = self.tracker.update(reduce(frame, o.analysis_width, o.analysis_height), now)
        with self._lock:
            self._latest, self._latest_at = frame, now
        height, width = frame.shape[:2]
        self._deliver(Check(signal, self.tracker.frozen_s, self._fps(), int(width), int(height)))

    def _report_lost(self) -> None:
        self._grabs.clear()
        with self._lock:
            self._latest = None
        self._deliver(Check(self.tracker.lost(), 0.0, None, None, None))
