"""The live stream (庭审直播): the composite picture with the mix, encoded once more and pushed over RTMP.

A ``StreamSink`` is fed by the recording's master clock with the same pictures and sound as the recording
(``put_picture``/``put_audio``) and works in a thread of its own: it composes the picture again with the
protected seats' regions pixelated (the recording's frames are copied first, never changed), burns in the
overlay, encodes H.264 (libx264, ``zerolatency``) and AAC, and muxes FLV to ``rtmp://`` with PyAV (its FFmpeg
has the RTMP protocol: no external ffmpeg process). ``cut()`` puts the slate ("暂停直播") on the air from the
next frame, with a keyframe, and drops what the broadcast delay still held, so a cut also removes what was
not yet sent; ``resume()`` goes back to the pictures. With ``delay_s`` every packet waits that long before it
is sent (the slate is sent at once). A server that cannot be reached or drops the connection ends the sink
and calls ``on_failed`` with a one-line reason.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw

from drivers.recording.layout import compose
from drivers.recording.overlay import Overlay, font
from drivers.recording.writer import Frame, Samples

log = logging.getLogger(__name__)

Region = tuple[float, float, float, float]  # x, y, width, height as fractions of a camera's picture
SLATE_BGR = (120, 60, 20)  # a dark blue, far from any picture's corner: the tests look for it
PIXEL_BLOCKS = 12  # a protected region is shown as at most this many blocks across


@dataclass(frozen=True)
class StreamSpec:
    url: str  # rtmp://host[:port]/app/key
    width: int = 1280
    height: int = 720
    video_kbps: int = 2500
    audio_kbps: int = 96
    gop_s: float = 1.0
    preset: str = "ultrafast"
    delay_s: float = 0.0
    slate_text: str = "暂停直播"


@dataclass(frozen=True)
class Composed:
    """One frame's sources: each camera's frame (None: black), the tile order, the layout and the overlay text."""

    pictures: dict[str, Frame | None]
    order: list[str]
    layout: str
    text: str


@dataclass
class StreamCounters:
    frames: int = 0  # frames encoded (pictures and slate)
    sent_frames: int = 0  # video packets handed to the server
    dropped: int = 0  # pictures the encoder was too far behind for
    discarded: int = 0  # packets the delay held when a cut came
    slate_frames: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def pixelate(frame: Frame, region: Region) -> None:
    """Replace ``region`` of ``frame`` (in place) by a few blocks smoothed into each other: a face there cannot be
    recognised (scaled down to at most PIXEL_BLOCKS across, then up again bilinearly: cheap at any size)."""
    h, w = frame.shape[:2]
    x0, y0 = int(region[0] * w), int(region[1] * h)
    x1, y1 = min(w, int((region[0] + region[2]) * w)), min(h, int((region[1] + region[3]) * h))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    across = max(1, min(PIXEL_BLOCKS, (x1 - x0) // 4))
    down = max(1, round(across * (y1 - y0) / (x1 - x0)))
    small = cv2.resize(frame[y0:y1, x0:x1], (across, down), interpolation=cv2.INTER_AREA)
    frame[y0:y1, x0:x1] = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)


def slate(width: int, height: int, text: str) -> Frame:
    """The slate: ``text`` in white, centred on dark blue."""
    image = Image.new("RGB", (width, height), SLATE_BGR[::-1])
    face = font(max(12, height // 8))
    left, top, right, bottom = face.getbbox(text)
    x, y = (width - (right - left)) // 2 - left, (height - (bottom - top)) // 2 - top
    ImageDraw.Draw(image).text((x, y), text, font=face, fill=(255, 255, 255))
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8)[:, :, ::-1])


def redact_url(url: str) -> str:
    """The server and application of an RTMP url, without the stream key (which is a secret)."""
    head, _, _key = url.rpartition("/")
    return head if "://" in head and head.count("/") >= 3 else url.split("?", 1)[0]


class StreamSink:
    """One live stream: fed from the recording's clock, encoding and pushing in its own thread."""

    def __init__(
        self,
        spec: StreamSpec,
        fps: float,
        rate: int | None,
        on_failed: Callable[[str], None],
        regions: dict[str, list[Region]] | None = None,
    ) -> None:
        self.spec = spec
        self.fps = fps
        self.rate = rate
        self.on_failed = on_failed
        self.regions: dict[str, list[Region]] = dict(regions or {})
        self.counters = StreamCounters()
        self.failed: str | None = None
        self.cut_at: float | None = None  # monotonic time of the last cut (None: on the air)
        self.first_slate_at: float | None = None  # when the first slate frame after it was handed to the server
        self._cut = False
        self._force_key = True
        self._flags = threading.Lock()  # _cut and _force_key change together (the controller's thread)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(8, round(fps * 2)))
        self._held: deque[tuple[float, Any]] = deque()  # (send at, packet): the broadcast delay
        self._slate = slate(spec.width, spec.height, spec.slate_text)
        self._overlay = Overlay()
        self._container: Any = None
        self._video: Any = None
        self._audio: Any = None
        self._samples = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="stream", daemon=True)

    # -- from the controller ---------------------------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def cut(self) -> None:
        """The slate from the next frame on; what the delay held is not sent."""
        with self._flags:
            self.cut_at, self.first_slate_at = time.monotonic(), None
            self._cut = self._force_key = True

    def resume(self) -> None:
        with self._flags:
            self._cut, self._force_key = False, True

    def set_regions(self, regions: dict[str, list[Region]]) -> None:
        self.regions = dict(regions)

    def close(self, timeout: float = 10.0) -> None:
        """End the stream (blocking): the last packets are flushed unless a cut is on the air."""
        self._stop.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        if self.thread.is_alive():
            self.thread.join(timeout)

    # -- from the recording's clock --------------------------------------------------------------------------
    def put_picture(self, composed: Composed) -> None:
        try:
            self._queue.put_nowait(composed)
        except queue.Full:
            self.counters.dropped += 1

    def put_audio(self, samples: Samples) -> None:
        if self.rate is None:
            return
        with contextlib.suppress(queue.Full):  # the encoder is behind: pictures are dropped, the sound has gaps
            self._queue.put_nowait(samples)

    # -- the thread ------------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._open()
            while True:
                item = self._queue.get()
                if item is None or self._stop.is_set():
                    break
                if isinstance(item, Composed):
                    self._encode_picture(item)
                else:
                    self._encode_audio(item)
                self._send_due()
            if not self._cut:
                self._flush()
        except Exception as exc:  # the server went away, a codec error: this stream ends, the recording goes on
            self.failed = f"stream: {exc}"
            log.error("live stream to %s failed: %s", redact_url(self.spec.url), exc)
            self.on_failed(self.failed)
        finally:
            self._close()

    def _open(self) -> None:
        s = self.spec
        container = av.open(s.url, "w", format="flv", options={"flvflags": "no_duration_filesize"})
        self._container = container
        video = container.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1001))
        video.width, video.height, video.pix_fmt = s.width, s.height, "yuv420p"
        video.bit_rate = s.video_kbps * 1000
        gop = max(1, round(s.gop_s * self.fps))
        video.options = {"preset": s.preset, "tune": "zerolatency", "g": str(gop), "threads": "1"}
        self._video = video
        if self.rate is not None:
            audio = container.add_stream("aac", rate=self.rate)
            audio.layout = "mono"
            audio.bit_rate = s.audio_kbps * 1000
            self._audio = audio

    def _picture(self, composed: Composed) -> Frame:
        pictures = []
        for name in composed.order:
            frame = composed.pictures.get(name)
            regions = self.regions.get(name)
            if frame is not None and regions:
                frame = frame.copy()  # the recording's frame stays as it is
                for region in regions:
                    pixelate(frame, region)
            pictures.append(frame)
        out = compose(pictures, composed.layout, self.spec.width, self.spec.height)
        return self._overlay.apply(out, composed.text) if composed.text else out

    def _encode_picture(self, composed: Composed) -> None:
        with self._flags:  # both at once: a cut between the two reads would key a picture and keep the delay's
            cut, key = self._cut, self._force_key
            self._force_key = False
        frame = self._slate if cut else self._picture(composed)
        yuv = np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420), dtype=np.uint8)
        out = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        out.pts = self.counters.frames
        out.time_base = Fraction(1) / Fraction(self.fps).limit_denominator(1001)
        if key:
            out.pict_type = av.video.frame.PictureType.I
            if cut:
                self._discard_held()
        self.counters.frames += 1
        if cut:
            self.counters.slate_frames += 1
        for packet in self._video.encode(out):
            self._hold(packet, video=True, slate=cut)

    def _encode_audio(self, samples: Samples) -> None:
        assert self.rate is not None
        mono = np.ascontiguousarray(samples[:, 0] if not self._cut else np.zeros(len(samples), np.int16))
        frame = av.AudioFrame.from_ndarray(mono.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.rate
        frame.pts = self._samples
        frame.time_base = Fraction(1, self.rate)
        self._samples += len(samples)
        for packet in self._audio.encode(frame):
            self._hold(packet, video=False, slate=self._cut)

    def _hold(self, packet: Any, video: bool, slate: bool) -> None:
        at = time.monotonic() + (0.0 if slate else self.spec.delay_s)
        self._held.append((at, (packet, video, slate)))

    def _discard_held(self) -> None:
        self.counters.discarded += len(self._held)
        self._held.clear()

    def _send_due(self) -> None:
        now = time.monotonic()
        while self._held and self._held[0][0] <= now:
            _, (packet, video, slate) = self._held.popleft()
            self._container.mux(packet)
            if video:
                self.counters.sent_frames += 1
                if slate and self.first_slate_at is None:
                    self.first_slate_at = time.monotonic()

    def _flush(self) -> None:
        for stream in (self._video, self._audio):
            if stream is not None:
                for packet in stream.encode(None):
                    self._hold(packet, video=stream is self._video, slate=False)
        while self._held:
            _, (packet, video, _slate) = self._held.popleft()
            self._container.mux(packet)
            self.counters.sent_frames += int(video)

    def _close(self) -> None:
        container, self._container = self._container, None
        if container is not None:
            try:
                container.close()
            except Exception as exc:
                log.warning("live stream: closing failed: %s", exc)
