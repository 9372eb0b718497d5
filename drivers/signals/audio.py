"""AudioInput: one PyAudio input device (a USB microphone or a multi-channel interface) split into seats.

A reader thread reads one block (``block_s``, 100 ms by default) at a time, measures it (numpy) and hands the
levels to the event loop with ``call_soon_threadsafe``; the loop runs the seat detectors, publishes the meter
every block, a ``speech_on``/``speech_off`` event (``seat`` = channel number) on each voice-activity change and
the state when a flag or alarm changes (and every ``state_refresh_s`` for the levels). Time is counted in
samples read; the injectable clock only paces file sources (see ``drivers.signals.clock``).

``set_hearing_open(True)`` arms the ``silent:<seat>`` alarm (raised once a seat has been below ``silence_dbfs``
for ``silence_alarm_s``); ``set_hearing_open(False)`` disarms and clears it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from drivers.devices.base import ActionParams, ActionSpec, Device, NoParams
from drivers.devices.events import DeviceEventName
from drivers.errors import DeviceOffline, DeviceTimeout, TransportLost
from drivers.profiles import Profile
from drivers.signals.analyzer import SeatAnalyzer
from drivers.signals.clock import Clock, MonotonicClock, Pacer
from drivers.signals.options import AudioOptions
from drivers.signals.portaudio import open_input
from drivers.signals.vad import Levels, VadSettings, block_levels, split_block

JOIN_TIMEOUT_S = 2.0


class Stream(Protocol):
    """What the reader needs of an input stream (``portaudio.InputStream`` or a test double)."""

    def read(self, frames: int) -> bytes: ...

    def close(self) -> None: ...


BlockTap = Callable[[bytes, int, float], None]
"""``tap(data, frames, read_at)``: every block as read (interleaved S16_LE, all channels), its frame count and the
clock time the read returned, called in the reader thread: a tap only queues the block and returns."""

Opener = Callable[[str, int, int, int], Stream]
"""``opener(device_name, channels, rate, frames_per_block)`` -> an open stream (blocking; run in a thread)."""


class AudioInput(Device):
    """Per-seat levels, voice activity, clipping and silence of one input device."""

    kind: ClassVar[str] = "audio_input"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "refresh": ActionSpec(NoParams, "meter", "publish the current levels in the state now"),
    }
    events: ClassVar[frozenset[DeviceEventName]] = frozenset({DeviceEventName.SPEECH_ON, DeviceEventName.SPEECH_OFF})

    def __init__(
        self,
        device_id: str,
        profile: Profile,
        source: str,
        options: AudioOptions,
        *,
        clock: Clock | None = None,
        opener: Opener = open_input,
    ) -> None:
        super().__init__(device_id, profile)
        self.source = source
        self.options = options
        self.clock = clock or MonotonicClock()
        self._opener = opener
        self.block_frames = max(1, round(options.rate * options.block_s))
        self.block_s = self.block_frames / options.rate
        settings = VadSettings(
            threshold_dbfs=options.vad_threshold_dbfs,
            attack_s=options.vad_attack_s,
            hangover_s=options.vad_hangover_s,
            silence_dbfs=options.silence_dbfs,
            clip_samples=options.clip_samples,
            clip_hold_s=options.clip_hold_s,
        )
        self.analyzer = SeatAnalyzer(options.seat_map(), self.block_s, settings, options.silence_alarm_s)
        self.info.extra.update({"source": source, "channels": options.channels, "rate": options.rate})
        self._state: dict[str, Any] = self.analyzer.state()
        self._refreshed_at = 0.0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._failure: str | None = None
        self._session = 0
        self._connected = False
        self._taps: list[BlockTap] = []

    # -- blocks for a recorder -------------------------------------------------------------------------------
    def add_block_tap(self, tap: BlockTap) -> None:
        """Hand every block to ``tap`` (in the reader thread) from now on, across reconnects."""
        self._taps.append(tap)

    def remove_block_tap(self, tap: BlockTap) -> None:
        if tap in self._taps:
            self._taps.remove(tap)

    # -- hearing ---------------------------------------------------------------------------------------------
    def set_hearing_open(self, open_: bool) -> None:
        """Arm (a hearing is open) or disarm the silence alarm; publishes the state when the alarms change."""
        if self.analyzer.arm(open_):
            self._publish_state()

    @property
    def hearing_open(self) -> bool:
        return self.analyzer.armed

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        await self.close()
        loop = asyncio.get_running_loop()
        o = self.options
        stream = await asyncio.to_thread(self._opener, self.source, o.channels, o.rate, self.block_frames)
        self._session += 1
        self._failure = None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._read_loop,
            args=(stream, loop, self._session, self._stop),
            name=f"audio-{self.device_id}",
            daemon=True,
        )
        self._thread.start()
        self._connected = True
        self._heard()
        self._publish_state()

    async def poll(self) -> None:
        """Reached only when no block came for a whole poll interval: the reader failed or the device hangs."""
        if self._failure is not None:
            raise TransportLost(self._failure)
        if not self._connected:
            raise DeviceOffline(f"{self.device_id} is not connected")
        raise DeviceTimeout(f"no audio from '{self.source}' for {self.poll_interval_s:g} s")

    async def close(self) -> None:
        self._connected = False
        self._session += 1  # blocks still queued for the loop are dropped
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            await asyncio.to_thread(thread.join, JOIN_TIMEOUT_S)

    def snapshot(self) -> dict[str, Any]:
        return self._state

    async def _do_refresh(self, _params: ActionParams) -> dict[str, Any]:
        self._publish_state()
        return {}

    # -- the reader thread -----------------------------------------------------------------------------------
    def _read_loop(self, stream: Stream, loop: asyncio.AbstractEventLoop, session: int, stop: threading.Event) -> None:
        pacer = Pacer(self.clock, stop)
        channels, clip_dbfs = self.options.channels, self.options.clip_dbfs
        try:
            while not stop.is_set():
                started = self.clock.now()
                data = stream.read(self.block_frames)
                read_at = self.clock.now()
                took = read_at - started
                for tap in list(self._taps):
                    tap(data, len(data) // (2 * channels), read_at)
                levels = block_levels(split_block(data, channels), clip_dbfs)
                loop.call_soon_threadsafe(self._on_block, session, levels)
                if pacer.after_read(self.block_s, took):
                    break
        except Exception as exc:  # the device went away (OSError) or the stream broke
            message = f"reading '{self.source}' failed: {exc}"
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
                loop.call_soon_threadsafe(self._on_failure, session, message)
        finally:
            stream.close()

    # -- on the event loop -----------------------------------------------------------------------------------
    def _on_failure(self, session: int, message: str) -> None:
        if session == self._session:
            self._failure = message
            self.last_heard = 0.0  # the supervisor polls at once and finds the failure

    def _on_block(self, session: int, levels: Levels) -> None:
        if session != self._session:
            return
        self._heard()
        outcome = self.analyzer.feed(levels)
        self._meter(outcome.meter)
        for channel, speaking in outcome.speech:
            self._emit(DeviceEventName.SPEECH_ON if speaking else DeviceEventName.SPEECH_OFF, seat=channel)
        due = self.analyzer.media_s - self._refreshed_at >= self.options.state_refresh_s - 1e-9
        if outcome.state_changed or due:
            self._publish_state()

    def _publish_state(self) -> None:
        self._refreshed_at = self.analyzer.media_s
        self._state = self.analyzer.state()
        self._changed()
