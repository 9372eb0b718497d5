"""A reader of what the RTMP server (controller/streaming/local_server.py: nginx on loopback) relays, frame by
frame with arrival times."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import av
import numpy as np

from drivers.recording.stream import SLATE_BGR


def is_slate(frame: np.ndarray) -> bool:
    """The slate's dark blue in the picture's corners (the overlay and the text are elsewhere)."""
    h, w = frame.shape[:2]
    corners = [frame[h - 8 : h - 2, 2:8], frame[h - 8 : h - 2, w - 8 : w - 2]]
    return all(np.abs(c.reshape(-1, 3).mean(axis=0) - np.array(SLATE_BGR)).max() < 20 for c in corners)


@dataclass
class Seen:
    at: float  # monotonic
    slate: bool
    frame: np.ndarray


@dataclass
class Reader:
    """Plays ``url`` in a thread, keeping each decoded picture (BGR) with its arrival time."""

    url: str
    frames: list[Seen] = field(default_factory=list)
    error: str | None = None
    audio_frames: int = 0
    ended: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rtmp-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            options = {"rtmp_live": "live", "fflags": "nobuffer"}
            # 20 s to the first pictures (a broadcast delay holds them); then 2 s without data ends the reading
            # (nginx keeps a player waiting after the publisher has gone)
            with av.open(self.url, options=options, timeout=(20, 2)) as container:
                for packet in container.demux():
                    if self._stop.is_set():
                        break
                    for frame in packet.decode():
                        if isinstance(frame, av.VideoFrame):
                            bgr = frame.to_ndarray(format="bgr24")
                            self.frames.append(Seen(time.monotonic(), is_slate(bgr), bgr))
                        else:
                            self.audio_frames += 1
        except Exception as exc:
            self.error = str(exc)
        self.ended = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(25)
