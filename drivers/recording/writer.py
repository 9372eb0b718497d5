"""One output stream written segment after segment in a thread of its own: PyAV (libx264, AAC, FLAC) encodes.

A stream is a camera, the composite, or the seat tracks. Items come in master-clock order through one queue:
pictures, audio, ``Cut`` (close this segment, the next one starts here) and ``End``. The master clock never
waits for an encoder: pictures beyond ``queue_items`` waiting are dropped and counted (the encoder cannot keep
up); audio beyond ``AUDIO_WAITING_S`` of sound waiting is dropped and counted (``audio_lost_ms``: an encoder
stuck that long, e.g. on a disk that hangs); cuts and the end are never dropped, so every stream's segments
stay cut on the same sample. Pictures are H.264 in
fragmented MP4 (a fragment per keyframe: a kill -9 leaves a playable file missing at most ``gop_s``), with the
mix as AAC; the seat tracks are one FLAC track per seat plus the mix in Matroska. A closed file goes to the
sealer (hash, read-only) before it is reported.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

AUDIO_WAITING_S = 60.0  # sound an encoder may fall behind by before it is dropped (and counted): bounded memory

Frame = NDArray[np.uint8]
Samples = NDArray[np.int16]  # (frames, channels)
MP4_OPTIONS = {"movflags": "frag_keyframe+empty_moov+default_base_moof", "flush_packets": "1"}


@dataclass(frozen=True)
class Cut:
    """Close the open segment at ``ts_ms``; the next one is number ``index`` and starts there."""

    index: int
    ts_ms: int


@dataclass(frozen=True)
class End:
    ts_ms: int


@dataclass(frozen=True)
class Picture:
    """What a stream makes one frame from: a camera's frame, or every camera's for the composite."""

    source: Any  # Frame | None, or list[Frame | None] with the layout (see ``prepare``)
    text: str  # the overlay's text ("" for none)


@dataclass(frozen=True)
class VideoSpec:
    width: int
    height: int
    fps: float
    preset: str
    crf: int
    gop: int


@dataclass(frozen=True)
class AudioSpec:
    rate: int
    tracks: list[str]  # one per column of the samples: seat names (FLAC), or ["mix"] beside a picture (AAC)
    kbps: int = 96


@dataclass
class ClosedFile:
    """A segment file that is complete: what the sealer and the controller need."""

    stream: str
    index: int
    path: Path
    start_ts_ms: int
    end_ts_ms: int
    frames: int
    samples: int
    complete: bool = True  # False: closed after an error (kept: a court keeps faulty recordings too)
    sha256: str = ""
    bytes: int = 0


@dataclass
class Counters:
    frames: int = 0
    dropped: int = 0
    samples: int = 0
    bytes: int = 0  # of this stream's closed files (the open one's size is on disk: ``current_path``)
    audio_lost_ms: int = 0  # sound dropped because the encoder was AUDIO_WAITING_S behind
    extra: dict[str, int] = field(default_factory=dict)


Prepare = Callable[[Picture, int, int], Frame]
"""``prepare(picture, width, height)`` -> the BGR frame to encode (scaled, composed, overlaid), in the thread."""


class StreamWriter:
    """One stream's encoder thread; ``put_*`` from the master thread, ``finish()`` once at the end."""

    def __init__(  # noqa: PLR0917 - built at one place, by the engine
        self,
        name: str,
        folder: Path,
        file_name: Callable[[str, int, int], str],
        video: VideoSpec | None,
        audio: AudioSpec | None,
        prepare: Prepare | None,
        on_closed: Callable[[ClosedFile], None],
        on_error: Callable[[str, str], None],
        queue_items: int,
    ) -> None:
        self.name = name
        self.folder = folder
        self.file_name = file_name  # (stream, index, start_ts_ms) -> file name
        self.video = video
        self.audio = audio
        self.prepare = prepare
        self.on_closed = on_closed
        self.on_error = on_error
        self.counters = Counters()
        self.failed: str | None = None
        self._queue: queue.Queue[Any] = queue.Queue()  # bounded per kind below, never blocking the clock
        self._picture_limit = queue_items
        self._audio_limit = round(AUDIO_WAITING_S * audio.rate) if audio is not None else 0
        self._waiting = threading.Lock()
        self._pictures_waiting = 0
        self._samples_waiting = 0
        self._container: Any = None
        self._vstream: Any = None
        self._astreams: list[Any] = []
        self._file: ClosedFile | None = None
        self.current_path: Path | None = None  # the file being written (the forecast measures its growth)
        self._index = 1
        self._start_ts = 0
        self.thread = threading.Thread(target=self._run, name=f"rec-{name}", daemon=True)

    # -- from the master thread --------------------------------------------------------------------------------
    def put_picture(self, picture: Picture) -> bool:
        """Queue one frame; False (and counted as dropped) when the encoder is a whole queue behind."""
        with self._waiting:
            if self._pictures_waiting >= self._picture_limit:
                self.counters.dropped += 1
                return False
            self._pictures_waiting += 1
        self._queue.put_nowait(picture)
        return True

    def put(self, item: Samples | Cut | End) -> bool:
        """Queue audio, a cut or the end without waiting; False (audio only, counted in ``audio_lost_ms``) when
        the encoder is ``AUDIO_WAITING_S`` of sound behind."""
        if not isinstance(item, (Cut, End)) and self.audio is not None:
            with self._waiting:
                if self._samples_waiting + len(item) > self._audio_limit:
                    self.counters.audio_lost_ms += round(len(item) * 1000 / self.audio.rate)
                    return False
                self._samples_waiting += len(item)
        self._queue.put_nowait(item)
        return True

    def _taken(self, item: object) -> None:
        with self._waiting:
            if isinstance(item, Picture):
                self._pictures_waiting -= 1
            elif not isinstance(item, (Cut, End)):
                self._samples_waiting -= len(item)  # type: ignore[arg-type]

    def start(self, index: int, ts_ms: int) -> None:
        self._index, self._start_ts = index, ts_ms
        self.thread.start()

    # -- the thread --------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            self._taken(item)
            if self.failed is not None and not isinstance(item, End):
                continue  # drained: a failed stream keeps nobody waiting
            try:
                if isinstance(item, End):
                    self._close(item.ts_ms, complete=self.failed is None)
                    return
                if isinstance(item, Cut):
                    self._close(item.ts_ms, complete=True)
                    self._index, self._start_ts = item.index, item.ts_ms
                elif isinstance(item, Picture):
                    self._encode_picture(item)
                else:
                    self._encode_audio(item)
            except Exception as exc:  # ENOSPC, a codec error: this stream stops, its file is kept
                self.failed = f"{self.name}: {exc}"
                log.error("recording stream %s failed: %s", self.name, exc)
                self.on_error(self.name, self.failed)
                self._close(self._start_ts, complete=False)

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / self.file_name(self.name, self._index, self._start_ts)
        if path.exists():
            raise FileExistsError(f"{path} exists: a recording is never overwritten")
        if path.suffix == ".mp4":
            container = av.open(str(path), "w", format="mp4", options=MP4_OPTIONS)
        else:
            container = av.open(str(path), "w", format="matroska", options={"flush_packets": "1"})
        self._container = container
        self._file = ClosedFile(self.name, self._index, path, self._start_ts, self._start_ts, 0, 0)
        self.current_path = path
        if self.video is not None:
            v = self.video
            stream = container.add_stream("libx264", rate=Fraction(v.fps).limit_denominator(1001))
            stream.width, stream.height, stream.pix_fmt = v.width, v.height, "yuv420p"
            stream.options = {
                "preset": v.preset,
                "crf": str(v.crf),
                "g": str(v.gop),
                "keyint_min": str(v.gop),
                "sc_threshold": "0",
                "threads": "1",
            }
            self._vstream = stream
        self._astreams = []
        if self.audio is not None:
            for track in self.audio.tracks:
                codec = "aac" if path.suffix == ".mp4" else "flac"
                audio = container.add_stream(codec, rate=self.audio.rate)
                assert isinstance(audio, av.audio.stream.AudioStream)
                audio.layout = "mono"
                if codec == "aac":
                    audio.bit_rate = self.audio.kbps * 1000
                audio.metadata["title"] = track
                self._astreams.append(audio)

    def _encode_picture(self, picture: Picture) -> None:
        if self._container is None:
            self._open()
        assert self.video is not None and self.prepare is not None and self._file is not None
        frame = self.prepare(picture, self.video.width, self.video.height)
        yuv = np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420), dtype=np.uint8)
        out = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        out.pts = self._file.frames
        out.time_base = Fraction(1) / Fraction(self.video.fps).limit_denominator(1001)
        for packet in self._vstream.encode(out):
            self._container.mux(packet)
        self._file.frames += 1
        self.counters.frames += 1

    def _encode_audio(self, samples: Samples) -> None:
        if self._container is None:
            self._open()
        assert self.audio is not None and self._file is not None
        for column, stream in enumerate(self._astreams):
            mono = np.ascontiguousarray(samples[:, column]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(mono, format="s16", layout="mono")
            frame.sample_rate = self.audio.rate
            frame.pts = self._file.samples
            frame.time_base = Fraction(1, self.audio.rate)
            for packet in stream.encode(frame):
                self._container.mux(packet)
        self._file.samples += len(samples)
        self.counters.samples += len(samples)

    def _close(self, end_ts_ms: int, complete: bool) -> None:
        container, closed = self._container, self._file
        self._container, self._file, self._vstream, self._astreams = None, None, None, []
        if container is None or closed is None:
            self.current_path = None
            return
        try:
            for stream in container.streams:
                for packet in stream.encode(None):
                    container.mux(packet)
        except Exception as exc:
            complete = False
            log.error("recording stream %s: flushing %s failed: %s", self.name, closed.path, exc)
        try:
            container.close()
        except Exception as exc:
            complete = False
            log.error("recording stream %s: closing %s failed: %s", self.name, closed.path, exc)
        with contextlib.suppress(OSError):  # written from now on, not once sealed: the forecast must not dip at a cut
            self.counters.bytes += closed.path.stat().st_size
        self.current_path = None
        closed.end_ts_ms = max(end_ts_ms, closed.start_ts_ms)
        closed.complete = complete
        self.on_closed(closed)
