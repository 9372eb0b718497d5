"""One simulated VISCA serial line (RS-485 multi-drop): several cameras on one endpoint, answering by address.

The bus splits the incoming bytes into frames, hands each to the camera it is addressed to, answers the
broadcasts (AddressSet, IF_Clear) itself, and puts replies on the wire one whole frame at a time, so replies
from different cameras never interleave. With a `baudrate`, each request and each reply occupies the
half-duplex line for len*10/baud seconds (the pty itself ignores the baud rate).

It also keeps a log of the frames seen in both directions, and `next_frame()` lets a test or a benchmark wait
for the next one that matches. Choices where docs/protocols.md is silent:
- AddressSet (`88 30 0n FF`) counts the cameras that are plugged in and not silent: the answer is n + that
  count; with none, nothing answers. Cameras keep their configured addresses (RS-485 DIP switches).
- Broadcast IF_Clear is echoed once if any camera is plugged in and not silent; every plugged-in camera
  clears, silent ones included. Other broadcast packets are logged and ignored.
- A frame starts at a byte 81..88; bytes before it are discarded. A frame is cut off when FF arrives; 64
  bytes without FF are discarded. Frames to an address no camera has get no answer.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sim.camera_profile import CameraProfile
from sim.endpoints import Endpoint
from sim.errors import SimConfigError
from sim.registry import BuiltLine, DeviceSpec, register_family
from sim.visca.camera import ViscaCamera
from sim.visca.handle import SimCamera

Direction = Literal["rx", "tx"]
FramePredicate = Callable[[bytes], bool]

BROADCAST = 0x88
MAX_FRAME = 64


@dataclass(frozen=True)
class BusFrame:
    """One frame seen on the line: `rx` from the driver, `tx` from the simulator, with its monotonic time.

    An rx frame is stamped when its last byte reached the simulator; a tx frame when it was written.
    """

    time: float
    direction: Direction
    data: bytes


class ViscaFramer:
    """Cuts a VISCA byte stream into frames: from a controller header (81..88) up to and including FF."""

    def __init__(self, max_len: int = MAX_FRAME) -> None:
        self.max_len = max_len
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """The frames completed by `data`; garbage before a header is dropped."""
        frames: list[bytes] = []
        buf = self._buf
        for byte in data:
            if not buf:
                if 0x81 <= byte <= BROADCAST:
                    buf.append(byte)
                continue
            buf.append(byte)
            if byte == 0xFF:
                frames.append(bytes(buf))
                buf.clear()
            elif len(buf) >= self.max_len:
                buf.clear()
        return frames

    def reset(self) -> None:
        """Forget a partial frame (the line dropped)."""
        self._buf.clear()


class ViscaBus:
    """A serial line shared by VISCA cameras: routing by address, broadcasts, wire time and a frame log."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        baudrate: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        log_size: int = 10_000,
    ) -> None:
        if baudrate is not None and baudrate <= 0:
            raise ValueError(f"baudrate must be positive, got {baudrate}")
        self.endpoint = endpoint
        self.baudrate = baudrate
        self.clock = clock
        self.log: deque[BusFrame] = deque(maxlen=log_size)
        self._cameras: dict[int, SimCamera] = {}
        self._framer = ViscaFramer()
        self._waiters: list[tuple[FramePredicate, Direction, asyncio.Future[BusFrame]]] = []
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._ids = itertools.count()
        self._line_free_at = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        endpoint.attach(self._on_data, self._framer.reset)

    # -- set-up ---------------------------------------------------------------------------------------

    def add_camera(self, camera: ViscaCamera, device_id: str | None = None) -> SimCamera:
        """Put a camera on the line; its address must be free. Returns its test handle."""
        if camera.address in self._cameras:
            raise ValueError(f"address {camera.address} is already taken on this bus")
        handle = SimCamera(self, camera, device_id)
        self._cameras[camera.address] = handle
        return handle

    @property
    def cameras(self) -> dict[int, SimCamera]:
        """The cameras on the line by address."""
        return dict(self._cameras)

    @property
    def frames(self) -> list[bytes]:
        """The frames received from drivers (rx) still in the log, oldest first."""
        return [entry.data for entry in self.log if entry.direction == "rx"]

    @property
    def url(self) -> str:
        """What a driver opens to reach this line."""
        return self.endpoint.url

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the bus runs on (set by `open()`)."""
        if self._loop is None:
            raise RuntimeError("the bus is not open")
        return self._loop

    def open(self) -> None:
        """Open the endpoint and start answering; needs a running event loop."""
        self._loop = asyncio.get_running_loop()
        self.endpoint.open()

    def close(self) -> None:
        """Stop everything: endpoint, pending wire-time writes, completion timers, waiters."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for handle in self._cameras.values():
            handle.cancel_timer()
        for _, _, fut in self._waiters:
            fut.cancel()
        self._waiters.clear()
        self.endpoint.close()

    def unplug(self) -> None:
        """Line-level unplug: the whole port vanishes (cameras keep their state)."""
        self.endpoint.unplug()
        self._framer.reset()

    def replug(self) -> None:
        """Bring the port back at the same name."""
        self.endpoint.replug()

    # -- frames in and out ----------------------------------------------------------------------------

    def wire_time(self, frame: bytes) -> float:
        """Seconds `frame` occupies the line at the configured baud rate (0 without one)."""
        return len(frame) * 10 / self.baudrate if self.baudrate else 0.0

    def send(self, frame: bytes) -> None:
        """Put one frame on the line, after whatever is already on it when wire time is emulated."""
        if not self.baudrate:
            self._write(frame)
            return
        self._after_line(frame, lambda: self._write(frame))

    def _after_line(self, frame: bytes, action: Callable[[], None]) -> None:
        now = self.clock()
        self._line_free_at = max(now, self._line_free_at) + self.wire_time(frame)
        key = next(self._ids)

        def fire() -> None:
            self._timers.pop(key, None)
            action()

        self._timers[key] = self.loop.call_later(self._line_free_at - now, fire)

    def _write(self, frame: bytes) -> None:
        if not self.endpoint.plugged:
            return
        self._record(BusFrame(self.clock(), "tx", frame))
        self.endpoint.write(frame)

    def _on_data(self, data: bytes) -> None:
        for frame in self._framer.feed(data):
            self._record(BusFrame(self.clock(), "rx", frame))
            if self.baudrate:
                self._after_line(frame, functools.partial(self._dispatch, frame))
            else:
                self._dispatch(frame)

    def _dispatch(self, frame: bytes) -> None:
        if frame[0] == BROADCAST:
            self._broadcast(frame)
            return
        handle = self._cameras.get(frame[0] & 0x07)
        if handle is not None:
            handle.receive(frame)

    def _broadcast(self, frame: bytes) -> None:
        plugged = [h for h in self._cameras.values() if h.plugged]
        answering = [h for h in plugged if not h.silent]
        if len(frame) == 4 and frame[1] == 0x30 and 1 <= frame[2] <= 7:
            if answering:
                self.send(bytes([BROADCAST, 0x30, frame[2] + len(answering), 0xFF]))
        elif frame == b"\x88\x01\x00\x01\xff":
            for handle in plugged:
                handle.clear_interface()
            if answering:
                self.send(frame)

    # -- log and waiting ------------------------------------------------------------------------------

    def _record(self, entry: BusFrame) -> None:
        self.log.append(entry)
        if not self._waiters:
            return
        still: list[tuple[FramePredicate, Direction, asyncio.Future[BusFrame]]] = []
        for predicate, direction, fut in self._waiters:
            if fut.done():
                continue
            if direction == entry.direction and predicate(entry.data):
                fut.set_result(entry)
            else:
                still.append((predicate, direction, fut))
        self._waiters = still

    def expect_frame(
        self, predicate: FramePredicate | None = None, *, direction: Direction = "rx"
    ) -> asyncio.Future[BusFrame]:
        """A future for the next frame (from now on) matching `predicate`; register before acting."""
        fut: asyncio.Future[BusFrame] = self.loop.create_future()
        self._waiters.append((predicate or (lambda data: True), direction, fut))
        return fut

    async def next_frame(
        self,
        predicate: FramePredicate | None = None,
        *,
        direction: Direction = "rx",
        since: float | None = None,
        timeout: float | None = None,
    ) -> BusFrame:
        """Wait for the next frame matching `predicate` (rx: sent by the driver; tx: sent by the simulator).

        With `since` (a monotonic time), a frame already logged at or after it counts too.
        """
        match = predicate or (lambda data: True)
        if since is not None:
            for entry in self.log:
                if entry.time >= since and entry.direction == direction and match(entry.data):
                    return entry
        fut = self.expect_frame(match, direction=direction)
        try:
            async with asyncio.timeout(timeout):
                return await fut
        finally:
            fut.cancel()


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    """One VISCA line: every camera on the port, each at its configured address."""
    bus = ViscaBus(endpoint, baudrate=baudrate)
    built = BuiltLine(bus)
    for spec in devices:
        if spec.address is None:
            raise SimConfigError(f"device {spec.id!r}: a VISCA camera needs an 'address' (1..7)")
        if any(h.address == spec.address for h in bus.cameras.values()):
            raise SimConfigError(f"device {spec.id!r}: address {spec.address} is taken on port {spec.port}")
        profile = CameraProfile.from_mapping(spec.model, ref=spec.profile, source=str(spec.model_file))
        try:
            camera = ViscaCamera(profile, spec.address, clock=bus.clock)
        except ValueError as exc:
            raise SimConfigError(f"device {spec.id!r}: {exc}") from exc
        built.devices[spec.id] = bus.add_camera(camera, spec.id)
    return built


def register() -> None:
    """Teach the simulator the ``visca`` family (cameras on a serial line, shared or not)."""
    register_family("visca", {"camera"}, build_line)
