"""One recording (from ``record`` to ``stop``): the master clock, the inputs' frame rings and the writers.

The audio interface is the master clock when there is one: every block read advances the recording by its
sample count, and video frame ``k`` sits at sample ``k * rate / fps`` of the same time line, so picture and sound
cannot drift apart in a file. For each frame the engine takes, from each camera's ring of recent frames, the one
grabbed nearest to the moment that sample was heard (the block's read time minus what follows it in the block);
the difference is the A/V skew it reports. Without an audio input (or while it stalls) the monotonic clock
stands in, in blocks of ``BLOCK_S``, with silence on the audio tracks. Segments are cut on the same sample in
every stream, so the seat tracks, the cameras and the composite of one segment start and end together.

Threads: the master (``rec-clock``), one writer per stream, the sealer (hash + read-only). The inputs' reader
threads only append to rings and queues.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from drivers.recording.layout import compose, order
from drivers.recording.options import RecordingOptions
from drivers.recording.overlay import Overlay, overlay_text
from drivers.recording.sealer import Sealer
from drivers.recording.stream import Composed, StreamSink
from drivers.recording.writer import (
    AudioSpec,
    ClosedFile,
    Cut,
    End,
    Frame,
    Picture,
    Samples,
    StreamWriter,
    VideoSpec,
)
from drivers.signals.audio import AudioInput
from drivers.signals.video import VideoInput

log = logging.getLogger(__name__)

BLOCK_S = 0.1
VIRTUAL_RATE = 48000  # the sample clock's rate when no audio is recorded
RING_S = 0.6  # how much of each camera's past is kept to pick frames from
COMPOSITE = "composite"
LOCAL_ZONE = datetime.now().astimezone().tzinfo or UTC
SEATS = "seats"
STOP_BLOCK = (b"", 0, 0.0)


@dataclass
class Label:
    """What the overlay shows besides the time: set by the controller, read once a second."""

    room: str = ""
    zone: tzinfo | None = None
    case_no: str | None = None


@dataclass
class Focus:
    """The composite's layout and its main picture (the speaker's camera), changed by the ``layout`` action."""

    layout: str
    main: str | None = None


class FrameRing:
    """A camera's recent frames with their grab times; appended by its reader thread."""

    def __init__(self, keep: int) -> None:
        self.frames: deque[tuple[float, Frame]] = deque(maxlen=keep)
        self.count = 0
        self.lock = threading.Lock()

    def tap(self, frame: Frame, at: float) -> None:
        with self.lock:
            self.frames.append((at, frame))
            self.count += 1

    def nearest(self, at: float) -> tuple[float, Frame] | None:
        with self.lock:
            items = list(self.frames)
        if not items:
            return None
        times = [t for t, _ in items]
        i = bisect.bisect_left(times, at)
        best = min((j for j in (i - 1, i) if 0 <= j < len(items)), key=lambda j: abs(times[j] - at))
        return items[best]


@dataclass
class InputStats:
    frames_in: int = 0
    stalled: bool = False
    repeated: int = 0
    last_used: float | None = None


@dataclass
class Stats:
    """What the state publishes, updated by the master thread."""

    samples: int = 0
    audio_stalled: bool = False
    audio_dropped_blocks: int = 0
    silence_s: float = 0.0
    max_skew_ms: float = 0.0
    inputs: dict[str, InputStats] = field(default_factory=dict)


class Engine:
    """Records the given inputs into ``folder`` until ``stop()``; callbacks come from its threads."""

    def __init__(  # noqa: PLR0917 - one recording's parts, each named at the one call site
        self,
        clip: str,
        folder: Path,
        options: RecordingOptions,
        cameras: dict[str, VideoInput],
        audio: AudioInput | None,
        label: Label,
        focus: Focus,
        on_closed: Callable[[ClosedFile], None],
        on_failed: Callable[[str], None],
    ) -> None:
        self.clip = clip
        self.folder = folder
        self.options = options
        self.cameras = cameras
        self.audio = audio
        self.label = label
        self.focus = focus
        self.on_failed = on_failed
        self.stats = Stats(inputs={name: InputStats() for name in cameras})
        self.rate = audio.options.rate if audio is not None else VIRTUAL_RATE
        self.seats = audio.options.seat_map() if audio is not None else {}
        self.samples_per_frame = self.rate / options.fps
        self.frames_per_segment = max(1, round(options.segment_s * options.fps))
        self.rings = {name: FrameRing(max(2, math.ceil(RING_S * options.fps) + 2)) for name in cameras}
        self._blocks: queue.Queue[tuple[bytes, int, float]] = queue.Queue(maxsize=200)
        self._stop = threading.Event()
        self._frame_taps = {name: self.rings[name].tap for name in cameras}
        self.sealer = Sealer(on_closed)
        self.writers: dict[str, StreamWriter] = {}
        self._wall_offset = time.time() - time.monotonic()
        self._sizes: dict[str, tuple[int, int]] = {}
        self._last: dict[str, float] = {}
        self._thread = threading.Thread(target=self._run, name=f"rec-clock-{clip}", daemon=True)
        self.failed: str | None = None
        self.sinks: list[StreamSink] = []  # live streams fed with the composite's sources and the mix (replaced whole)
        self.end_ts = 0  # wall-clock ms where the clock stopped: the end of every stream's last segment

    # -- life (called in a worker thread by the device) --------------------------------------------------------
    def start(self, sizes: dict[str, tuple[int, int]]) -> None:
        """Attach to the inputs and start the threads; ``sizes``: each camera's picture size (width, height)."""
        o = self.options
        self._sizes = sizes
        gop = max(1, round(o.gop_s * o.fps))
        queue_items = max(4, round(o.queue_s * o.fps) + 20)
        mix = AudioSpec(self.rate, ["mix"], o.mix_kbps) if self.audio is not None else None
        for name in self.cameras:
            width, height = (o.width, o.height) if o.width and o.height else sizes[name]
            spec = VideoSpec(even(width), even(height), o.fps, o.preset, o.crf, gop)
            self.writers[name] = self._writer(name, spec, mix, self._prepare_camera, queue_items)
        if o.composite.enabled and self.cameras:
            c = o.composite
            spec = VideoSpec(even(c.width), even(c.height), o.fps, o.preset, o.crf, gop)
            self.writers[COMPOSITE] = self._writer(COMPOSITE, spec, mix, self._prepare_composite, queue_items)
        if self.audio is not None:
            tracks = [*self.seats.values(), "mix"]
            self.writers[SEATS] = self._writer(SEATS, None, AudioSpec(self.rate, tracks), None, queue_items)
        start_ts = self._wall_ms(time.monotonic())
        self.sealer.start()
        for writer in self.writers.values():
            writer.start(1, start_ts)
        for name, camera in self.cameras.items():
            camera.add_frame_tap(self._frame_taps[name])
        if self.audio is not None:
            self.audio.add_block_tap(self._audio_tap)
        self._thread.start()

    def stop(self) -> None:
        """Close every stream's last segment where the clock stands, wait for the sealer; blocking."""
        self._stop.set()
        with contextlib.suppress(queue.Full):
            self._blocks.put_nowait(STOP_BLOCK)  # wakes the clock now rather than at its next time-out
        if self._thread.is_alive():
            self._thread.join()
        for name, camera in self.cameras.items():
            camera.remove_frame_tap(self._frame_taps[name])
        if self.audio is not None:
            self.audio.remove_block_tap(self._audio_tap)
        for writer in self.writers.values():
            if writer.thread.is_alive():
                writer.put(End(self.end_ts))
        for writer in self.writers.values():
            if writer.thread.is_alive():
                writer.thread.join()
        self.sealer.finish()

    def _writer(
        self, name: str, video: VideoSpec | None, audio: AudioSpec | None, prepare: Any, items: int
    ) -> StreamWriter:
        return StreamWriter(
            name, self.folder, self._file_name, video, audio, prepare, self.sealer.seal, self._stream_failed, items
        )

    def _file_name(self, stream: str, index: int, start_ts_ms: int) -> str:
        zone = self.label.zone
        stamp = datetime.fromtimestamp(start_ts_ms / 1000, zone).strftime("%Y%m%d-%H%M%S")
        suffix = ".mka" if stream == SEATS else ".mp4"
        return f"{self.clip}_{stream}_{index:03d}_{stamp}{suffix}"

    def _stream_failed(self, stream: str, message: str) -> None:
        if self.failed is None:
            self.failed = message
            self.on_failed(message)

    def _wall_ms(self, mono: float) -> int:
        return round((mono + self._wall_offset) * 1000)

    # -- inputs (their reader threads) -------------------------------------------------------------------------
    def _audio_tap(self, data: bytes, frames: int, at: float) -> None:
        try:
            self._blocks.put_nowait((data, frames, at))
        except queue.Full:
            self.stats.audio_dropped_blocks += 1

    # -- the master clock --------------------------------------------------------------------------------------
    def _run(self) -> None:
        channels = self.audio.options.channels if self.audio is not None else 0
        position = 0  # samples since the start of the recording
        frame_index = 0  # video frames since the start
        last_advance = time.monotonic()
        self.end_ts = self._wall_ms(last_advance)
        wait = self.options.stall_s if self.audio is not None else BLOCK_S
        try:
            while not self._stop.is_set():
                try:
                    data, count, at = self._blocks.get(timeout=wait)
                    if self._stop.is_set():
                        break
                    samples: Samples | None = np.frombuffer(data, dtype="<i2")[: count * channels].reshape(
                        count, channels
                    )
                    self.stats.audio_stalled = False
                except queue.Empty:
                    if self._stop.is_set():
                        break
                    at = time.monotonic()
                    count = round((at - last_advance) * self.rate)
                    samples = np.zeros((count, channels), dtype=np.int16) if self.audio is not None else None
                    if self.audio is not None:
                        self.stats.audio_stalled = True
                        self.stats.silence_s += count / self.rate
                    wait = BLOCK_S if self.audio is None else min(self.options.stall_s, BLOCK_S * 2)
                else:
                    wait = self.options.stall_s
                last_advance = at
                if count <= 0:
                    continue
                end = position + count
                # split the block where segments are cut, so every stream cuts on the same sample
                cursor = position
                while cursor < end:
                    next_frame = math.ceil(frame_index * self.samples_per_frame - 1e-9)
                    boundary_frame = (frame_index // self.frames_per_segment + 1) * self.frames_per_segment
                    boundary = round(boundary_frame * self.samples_per_frame)
                    piece_end = min(end, boundary)
                    if samples is not None:
                        self._audio(samples[cursor - position : piece_end - position])
                    while next_frame < piece_end:
                        heard_at = at - (end - next_frame) / self.rate
                        self._video(heard_at)
                        frame_index += 1
                        next_frame = math.ceil(frame_index * self.samples_per_frame - 1e-9)
                    cursor = piece_end
                    if cursor == boundary and frame_index == boundary_frame:
                        segment = frame_index // self.frames_per_segment + 1
                        cut = Cut(segment, self._wall_ms(at - (end - cursor) / self.rate))
                        for writer in self.writers.values():
                            writer.put(cut)
                position = end
                self.stats.samples = position
                self.end_ts = self._wall_ms(at)
        except Exception as exc:  # a bug must stop this recording loudly, not silently
            log.exception("recording %s: the master clock failed", self.clip)
            self._stream_failed("clock", f"recording clock failed: {exc}")

    def _audio(self, samples: Samples) -> None:
        if len(samples) == 0:
            return
        seats = self.writers.get(SEATS)
        columns = [c - 1 for c in self.seats]
        picked = samples[:, columns].astype(np.int32)
        mix = picked.sum(axis=1) / math.sqrt(max(1, len(columns)))
        mix16 = np.clip(mix, -32768, 32767).astype(np.int16).reshape(-1, 1)
        if seats is not None:
            seats.put(np.concatenate([picked.astype(np.int16), mix16], axis=1))
        for name, writer in self.writers.items():
            if name != SEATS:
                writer.put(mix16)
        for sink in self.sinks:
            sink.put_audio(mix16)

    def _video(self, heard_at: float) -> None:
        now = time.monotonic()
        text = ""
        if self.options.overlay:
            wall = heard_at + self._wall_offset
            text = overlay_text(wall, self.label.zone or LOCAL_ZONE, self.label.room, self.label.case_no)
        pictures: dict[str, Frame | None] = {}
        for name, ring in self.rings.items():
            stats = self.stats.inputs[name]
            stats.frames_in = ring.count
            found = ring.nearest(heard_at)
            if found is None or now - found[0] > self.options.stall_s:
                stats.stalled = True
                pictures[name] = None
                continue
            stats.stalled = False
            grabbed, frame = found
            if stats.last_used == grabbed:
                stats.repeated += 1
            stats.last_used = grabbed
            skew = abs(grabbed - heard_at) * 1000
            self.stats.max_skew_ms = max(self.stats.max_skew_ms, skew)
            pictures[name] = frame
        for name, writer in self.writers.items():
            if name == SEATS:
                continue
            if name == COMPOSITE:
                focus = self.focus
                tiles = [pictures[n] for n in order(list(self.cameras), focus.main)]
                writer.put_picture(Picture((tiles, focus.layout), text))
            else:
                writer.put_picture(Picture(pictures[name], text))
        sinks = self.sinks
        if sinks:
            composed = Composed(pictures, order(list(self.cameras), self.focus.main), self.focus.layout, text)
            for sink in sinks:
                sink.put_picture(composed)

    # -- in the writers' threads -------------------------------------------------------------------------------
    def _prepare_camera(self, picture: Picture, width: int, height: int) -> Frame:
        frame = picture.source
        if frame is None:
            out = np.zeros((height, width, 3), dtype=np.uint8)
        elif frame.shape[1] != width or frame.shape[0] != height:
            out = np.asarray(cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA), dtype=np.uint8)
        else:
            out = frame.copy()
        return self._overlays(picture.text, out)

    def _prepare_composite(self, picture: Picture, width: int, height: int) -> Frame:
        tiles, layout = picture.source
        return self._overlays(picture.text, compose(tiles, layout, width, height))

    def _overlays(self, text: str, frame: Frame) -> Frame:
        if not text:
            return frame
        overlay = _overlay_of_thread()
        return overlay.apply(frame, text)

    def counters(self) -> dict[str, dict[str, Any]]:
        """Per stream: frames written, dropped, samples, and the input's health (for the device's state)."""
        out: dict[str, dict[str, Any]] = {}
        for name, writer in self.writers.items():
            entry: dict[str, Any] = {
                "frames": writer.counters.frames,
                "dropped": writer.counters.dropped,
                "audio_lost_ms": writer.counters.audio_lost_ms,
                "samples": writer.counters.samples,
                "failed": writer.failed,
            }
            inp = self.stats.inputs.get(name)
            if inp is not None:
                entry.update(frames_in=self.rings[name].count, repeated=inp.repeated, stalled=inp.stalled)
            elif name == SEATS:
                entry.update(stalled=self.stats.audio_stalled, silence_s=round(self.stats.silence_s, 1))
            out[name] = entry
        return out


_local = threading.local()


def _overlay_of_thread() -> Overlay:
    """One Overlay per writer thread (each caches the text drawn for its picture size)."""
    overlay = getattr(_local, "overlay", None)
    if overlay is None:
        overlay = _local.overlay = Overlay()
    return overlay


def even(value: int) -> int:
    """H.264 in 4:2:0 needs even sizes."""
    return max(2, value - value % 2)
