"""SoftwareRecorder: the Recorder device class as a program on the control PC, recording the room's own inputs.

Port ``dir:<folder>``: the store it writes to. Options (``drivers.recording.options``) name the video inputs and
the audio input it records; it takes their frames and blocks through taps (one capture per camera and per sound
card, shared with the signal checks). ``record`` starts a recording (the clip names its folder and files),
``stop`` closes every stream's last segment. Each sealed segment is reported as the ``segment_closed`` event
(path under the store, SHA-256, times); a stream that fails (a full disk) stops the recording and is reported as
``recording_stopped``, as a hardware recorder's own stop is. ``remaining_s`` is the free space of the store at
the measured rate (the nominal rate before one is measured). The controller sets ``label`` (room, time zone) and
``case_source`` (the hearing's case number) for the overlay.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from drivers.devices.base import ActionParams, ActionSpec, Device
from drivers.devices.events import DeviceEventName
from drivers.devices.recorder import Recorder
from drivers.errors import ConfigError, NotExecutable, TransportLost, Unsupported
from drivers.profiles import Profile
from drivers.recording.engine import Engine, Focus, Label
from drivers.recording.options import Layout, RecordingOptions
from drivers.recording.stream import Region, StreamSink, StreamSpec
from drivers.recording.writer import ClosedFile
from drivers.signals.audio import AudioInput
from drivers.signals.video import VideoInput

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1280, 720)


class LayoutParams(ActionParams):
    layout: Layout | None = None
    main: str | None = Field(None, min_length=1)  # a recorded video input: the large tile (the speaker)


class SoftwareRecorder(Recorder):
    """Records the room's cameras, a composite and the seats' tracks to segmented, sealed files."""

    actions: ClassVar[dict[str, ActionSpec]] = {
        **Recorder.actions,
        "layout": ActionSpec(LayoutParams, "composite", "the composite's layout and main picture (the speaker)"),
    }
    events: ClassVar[frozenset[DeviceEventName]] = Recorder.events | {DeviceEventName.SEGMENT_CLOSED}

    def __init__(
        self,
        device_id: str,
        profile: Profile,
        store: Path,
        options: RecordingOptions,
        devices: Mapping[str, Device],
    ) -> None:
        super().__init__(device_id, profile)
        self.store = store
        self.options = options
        self.reserve = options.reserve_mb << 20
        self.backup = None if options.backup is None else (store.parent / options.backup)
        self._devices = devices
        self.cameras: dict[str, VideoInput] = {}
        self.audio: AudioInput | None = None
        self.label = Label()
        self.case_source: Callable[[], str | None] = lambda: None
        self.focus = Focus(options.composite.layout)
        self.engine: Engine | None = None
        self._started_mono = 0.0
        self._streams: dict[str, dict[str, Any]] = {}
        self._rate_bps: float | None = None
        self._stopping: set[asyncio.Task[None]] = set()
        self._connected = False
        self.stream: StreamSink | None = None  # the live stream, fed by the running recording
        self._stream_ended: Callable[[str], None] = lambda _why: None
        self.info.extra.update({"store": str(store), "backup": str(self.backup) if self.backup else None})
        self.info.extra.update({"video": list(options.video), "audio": options.audio})

    # -- wiring ----------------------------------------------------------------------------------------------
    def link_devices(self) -> None:
        """Find the inputs the options name among the room's devices; ConfigError names what is wrong."""
        cameras: dict[str, VideoInput] = {}
        problems = []
        for name in self.options.video:
            device = self._devices.get(name)
            if not isinstance(device, VideoInput):
                what = "no such device" if device is None else f"a {device.kind}, not a video_input"
                problems.append(f"options.video: '{name}': {what}")
            else:
                cameras[name] = device
        audio = None
        if self.options.audio is not None:
            device = self._devices.get(self.options.audio)
            if not isinstance(device, AudioInput):
                what = "no such device" if device is None else f"a {device.kind}, not an audio_input"
                problems.append(f"options.audio: '{self.options.audio}': {what}")
            else:
                audio = device
        if problems:
            raise ConfigError(f"{self.device_id}: " + "; ".join(problems))
        self.cameras, self.audio = cameras, audio

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        self.link_devices()
        await asyncio.to_thread(self._prepare_store)
        self._connected = True
        self.state.remote_enabled = True
        if self.state.transport is None:
            self.state.transport = "stopped"
        await self.poll()

    def _prepare_store(self) -> None:
        try:
            self.store.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportLost(f"store {self.store}: cannot create: {exc.strerror or exc}") from None
        if not os.access(self.store, os.W_OK):
            raise TransportLost(f"store {self.store}: not writable")

    async def poll(self) -> None:
        if not self._connected:
            raise TransportLost(f"{self.device_id} is not connected")
        before = self.snapshot()
        free = await asyncio.to_thread(self._free_bytes)
        self.state.disk_present = free is not None
        if free is None:
            self.state.remaining_s = None
        else:
            self.state.remaining_s = int(max(0, free - self.reserve) / self._bytes_per_s())
        engine = self.engine
        if engine is not None:
            self._streams = engine.counters()
            if self.state.transport == "record":
                self.state.timecode = timecode(time.monotonic() - self._started_mono, self.options.fps)
        self._heard()
        if self.snapshot() != before:
            self._changed()

    def _free_bytes(self) -> int | None:
        try:
            return shutil.disk_usage(self.store).free
        except OSError:
            return None

    def _bytes_per_s(self) -> float:
        """The measured write rate of the running (or last) recording; the nominal one before that."""
        engine = self.engine
        if engine is not None and self.state.transport == "record":
            elapsed = time.monotonic() - self._started_mono
            if elapsed >= self.options.measure_after_s:
                # each stream's closed files and the one it writes: a closed file counts before it is sealed
                written = sum(w.counters.bytes + _size(w.current_path) for w in engine.writers.values())
                if written > 0:
                    self._rate_bps = written / elapsed
        if self._rate_bps:
            return self._rate_bps
        return self.options.nominal_mbph * 1e6 / 3600

    async def close(self) -> None:
        self._connected = False
        await self._stop_engine()
        await asyncio.gather(*self._stopping, return_exceptions=True)

    def snapshot(self) -> dict[str, Any]:
        snap = dict(vars(self.state))
        snap["streams"] = self._streams
        return snap

    # -- Recorder primitives ---------------------------------------------------------------------------------
    async def _record(self, clip: str | None) -> None:
        if not self._connected:
            raise NotExecutable(f"{self.device_id}: not connected")
        free = await asyncio.to_thread(self._free_bytes)
        if free is None or free < self.reserve:
            self.state.remaining_s = 0
            self._changed()
            raise NotExecutable(f"{self.device_id}: disk full: {self.store} has {(free or 0) >> 20} MB free")
        before = self.snapshot()
        await self._stop_engine()
        name = clip or time.strftime("rec_%Y%m%d-%H%M%S")
        folder = self.store / name
        suffix = 2
        while await asyncio.to_thread(folder.exists):
            folder, suffix = self.store / f"{name}-{suffix}", suffix + 1
        self.label.case_no = self.case_source()
        loop = asyncio.get_running_loop()
        engine = Engine(
            folder.name,
            folder,
            self.options,
            self.cameras,
            self.audio,
            self.label,
            self.focus,
            lambda closed: self._from_thread(loop, self._segment_closed, closed),
            lambda message: self._from_thread(loop, self._engine_failed, engine, message),
        )
        await asyncio.to_thread(engine.start, self._sizes())
        self.engine, self._started_mono = engine, time.monotonic()
        self.state.transport, self.state.clip, self.state.timecode = "record", folder.name, "00:00:00:00"
        self._streams = engine.counters()
        if self.snapshot() != before:
            self._changed()

    def _sizes(self) -> dict[str, tuple[int, int]]:
        sizes = {}
        for name, camera in self.cameras.items():
            snap = camera.snapshot()
            width, height = snap.get("width"), snap.get("height")
            sizes[name] = (width, height) if isinstance(width, int) and isinstance(height, int) else DEFAULT_SIZE
        return sizes

    async def _stop(self) -> None:
        before = self.snapshot()
        await self._stop_engine()
        self.state.transport = "stopped"
        if self.snapshot() != before:
            self._changed()

    async def _play(self) -> None:
        raise Unsupported(f"{self.device_id}: a software recording is played back in the console's replay view")

    async def _do_layout(self, params: LayoutParams) -> dict[str, Any]:
        if params.main is not None and params.main not in self.options.video:
            known = ", ".join(self.options.video) or "none"
            raise NotExecutable(f"main: '{params.main}' is not a recorded video input (recorded: {known})")
        if params.layout is not None:
            self.focus.layout = params.layout
        if params.main is not None:
            self.focus.main = params.main
        return {"layout": self.focus.layout, "main": self.focus.main}

    async def _stop_engine(self) -> None:
        if self.stream is not None:
            await self.stop_stream("the recording stopped")
        engine, self.engine = self.engine, None
        if engine is not None:
            await asyncio.to_thread(engine.stop)
            self._streams = engine.counters()

    # -- the live stream (庭审直播): the policy is the controller's (controller/streaming) ---------------------
    async def start_stream(
        self, spec: StreamSpec, regions: dict[str, list[Region]], on_ended: Callable[[str], None]
    ) -> StreamSink:
        """Push the composite and the mix of the running recording to ``spec.url``; ``on_ended(why)`` is called
        (on the loop) when the stream ends by itself (the server failed, the recording stopped)."""
        engine = self.engine
        if engine is None or self.state.transport != "record":
            raise NotExecutable(f"{self.device_id}: not recording: the live stream is the recording's composite")
        if self.stream is not None:
            raise NotExecutable(f"{self.device_id}: a live stream is already running")
        loop = asyncio.get_running_loop()
        rate = engine.rate if engine.audio is not None else None
        sink = StreamSink(
            spec, self.options.fps, rate, lambda why: self._from_thread(loop, self._stream_failed, sink, why), regions
        )
        await asyncio.to_thread(sink.start)
        engine.sinks = [*engine.sinks, sink]
        self.stream, self._stream_ended = sink, on_ended
        return sink

    async def stop_stream(self, why: str = "stopped") -> None:
        """End the live stream (the recording goes on); ``on_ended`` is told unless the controller asked."""
        sink, self.stream = self.stream, None
        if sink is None:
            return
        engine = self.engine
        if engine is not None:
            engine.sinks = [s for s in engine.sinks if s is not sink]
        await asyncio.to_thread(sink.close)
        if why != "stopped":
            self._stream_ended(why)

    def _stream_failed(self, sink: StreamSink, why: str) -> None:
        if sink is not self.stream:
            return
        task = asyncio.get_running_loop().create_task(self.stop_stream(why), name=f"{self.device_id}-stream-end")
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    # -- from the engine's threads ---------------------------------------------------------------------------
    @staticmethod
    def _from_thread(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: Any) -> None:
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: the daemon is gone
            log.warning("recording: a result arrived after the loop closed: %s", args)

    def _segment_closed(self, closed: ClosedFile) -> None:
        self._emit(
            DeviceEventName.SEGMENT_CLOSED,
            stream=closed.stream,
            index=closed.index,
            clip=closed.path.parent.name,
            file=closed.path.relative_to(self.store).as_posix(),
            sha256=closed.sha256,
            bytes=closed.bytes,
            start_ts=closed.start_ts_ms,
            end_ts=closed.end_ts_ms,
            frames=closed.frames,
            samples=closed.samples,
            complete=closed.complete,
        )

    def _engine_failed(self, engine: Engine, message: str) -> None:
        if engine is not self.engine:
            return
        self.engine = None
        before = self.snapshot()
        self.state.transport = "stopped"
        self._emit(DeviceEventName.RECORDING_STOPPED, transport="stopped", clip=self.state.clip, error=message)
        task = asyncio.get_running_loop().create_task(self._finish(engine), name=f"{self.device_id}-stop")
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        if self.snapshot() != before:
            self._changed()

    async def _finish(self, engine: Engine) -> None:
        await asyncio.to_thread(engine.stop)
        self._streams = engine.counters()
        self._changed()


def _size(path: Path | None) -> int:
    if path is None:
        return 0
    try:
        return path.stat().st_size
    except OSError:
        return 0


def timecode(seconds: float, fps: float) -> str:
    """``HH:MM:SS:FF`` of a duration."""
    whole = int(seconds)
    frames = int((seconds - whole) * fps)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{frames:02d}"
