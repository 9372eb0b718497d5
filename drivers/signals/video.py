"""VideoInput: one camera, capture card, file or stream checked for signal health, with JPEG snapshots.

The reader thread (``drivers.signals.capture``) grabs every frame and checks about two a second; each check is
handed to the event loop with ``call_soon_threadsafe``. The state is published when the signal changes (and every
``state_refresh_s`` for the frame rate and frozen time). A timer on the loop marks a source that stopped sending
frames without failing (a blocked read) as ``no_signal``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from typing import Any, ClassVar

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from drivers.devices.base import ActionParams, ActionSpec, Device, NoParams
from drivers.errors import DeviceOffline, NotExecutable
from drivers.profiles import Profile
from drivers.signals.capture import CaptureWorker, Check, FrameTap, Source, open_capture
from drivers.signals.clock import Clock, MonotonicClock
from drivers.signals.health import Signal
from drivers.signals.options import VideoOptions

JOIN_TIMEOUT_S = 5.0


class SnapshotParams(ActionParams):
    max_width: int | None = Field(None, ge=16, le=7680)
    quality: int | None = Field(None, ge=1, le=100)


def encode_jpeg(frame: NDArray[np.uint8], max_width: int, quality: int) -> tuple[str, int, int]:
    """Base64 JPEG of ``frame``, scaled down to ``max_width`` when wider; with its width and height."""
    height, width = frame.shape[:2]
    if width > max_width:
        height = max(1, round(height * max_width / width))
        width = max_width
        frame = np.asarray(cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA), dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise NotExecutable("the frame could not be encoded as JPEG")
    return base64.b64encode(data.tobytes()).decode("ascii"), width, height


class VideoInput(Device):
    """Signal health (no signal, black, frozen), measured frame rate and snapshots of one video source."""

    kind: ClassVar[str] = "video_input"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "snapshot": ActionSpec(SnapshotParams, "snapshot", "a JPEG of the latest checked frame (base64 in the reply)"),
        "refresh": ActionSpec(NoParams, "health", "publish the current frame rate and frozen time now"),
    }

    def __init__(
        self,
        device_id: str,
        profile: Profile,
        source: str,
        options: VideoOptions,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(device_id, profile)
        self.source = Source(source)
        self.options = options
        self.clock = clock or MonotonicClock()
        self.info.extra.update({"source": source})
        self._worker: CaptureWorker | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._check: Check = Check("unknown", 0.0, None, None, None)
        self._checked_at = 0.0
        self._state: dict[str, Any] = self._build_state()
        self._refreshed_at = 0.0
        self._connected = False
        self._taps: list[FrameTap] = []

    # -- frames for a recorder -------------------------------------------------------------------------------
    def add_frame_tap(self, tap: FrameTap) -> None:
        """Hand every frame to ``tap`` (in the reader thread) from now on, across reconnects."""
        self._taps.append(tap)

    def remove_frame_tap(self, tap: FrameTap) -> None:
        """Stop handing frames to ``tap``; the reader goes back to decoding only the frames it checks."""
        if tap in self._taps:
            self._taps.remove(tap)

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        await self.close()
        loop = asyncio.get_running_loop()
        worker = CaptureWorker(
            self.source, self.options, self.clock, lambda check: self._hand_over(loop, worker, check), open_capture
        )
        worker.taps = self._taps  # the same list: taps added later reach the running reader
        self._worker = worker
        self._checked_at = self.clock.now()
        worker.thread.start()
        self._connected = True
        self._schedule_watch(loop)
        self._heard()
        self._publish_state()

    async def poll(self) -> None:
        """The thread keeps the state fresh; a poll only checks that the reader is alive."""
        worker = self._worker
        if worker is None or not self._connected:
            raise DeviceOffline(f"{self.device_id} is not connected")
        self._heard()

    async def close(self) -> None:
        self._connected = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop.set()
            if worker.thread.is_alive():
                await asyncio.to_thread(worker.thread.join, JOIN_TIMEOUT_S)

    def snapshot(self) -> dict[str, Any]:
        return self._state

    async def _do_snapshot(self, params: SnapshotParams) -> dict[str, Any]:
        worker = self._worker
        frame, taken_at = worker.latest() if worker is not None else (None, 0.0)
        if frame is None:
            raise NotExecutable(f"no frame from {self.source.spec} (signal: {self._check.signal})")
        max_width = params.max_width or self.options.snapshot_max_width
        quality = params.quality or self.options.snapshot_quality
        data, width, height = await asyncio.to_thread(encode_jpeg, frame, max_width, quality)
        age = round(max(0.0, self.clock.now() - taken_at), 2)
        return {"format": "jpeg", "encoding": "base64", "width": width, "height": height, "age_s": age, "data": data}

    async def _do_refresh(self, _params: ActionParams) -> dict[str, Any]:
        self._publish_state()
        return {}

    # -- results from the thread -----------------------------------------------------------------------------
    def _hand_over(self, loop: asyncio.AbstractEventLoop, worker: CaptureWorker, check: Check) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
            loop.call_soon_threadsafe(self._on_check, worker, check)

    def _on_check(self, worker: CaptureWorker, check: Check) -> None:
        if worker is not self._worker:
            return
        self._heard()
        changed = check.signal != self._check.signal or (check.width, check.height) != (
            self._check.width,
            self._check.height,
        )
        self._check = check
        self._checked_at = self.clock.now()
        if changed or self._checked_at - self._refreshed_at >= self.options.state_refresh_s:
            self._publish_state()

    def _schedule_watch(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = loop.call_later(1.0 / self.options.check_hz, self._watch, loop)

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """No check for ``no_signal_after_s``: the source stopped sending (a read that blocks)."""
        self._timer = None
        if not self._connected:
            return
        if self.clock.now() - self._checked_at >= self.options.no_signal_after_s and self._check.signal != "no_signal":
            self._check = Check("no_signal", 0.0, None, None, None)
            self._publish_state()
        self._schedule_watch(loop)

    def _build_state(self) -> dict[str, Any]:
        check = self._check
        signal: Signal = check.signal
        fps = round(check.fps, 1) if check.fps is not None else None
        return {
            "signal": signal,
            "fps": fps,
            "width": check.width,
            "height": check.height,
            "frozen_s": check.frozen_s,
        }

    def _publish_state(self) -> None:
        self._refreshed_at = self.clock.now()
        self._state = self._build_state()
        self._changed()
