"""Simulated Pelco-D and Pelco-P domes on one RS-485 line: docs/protocols.md section 2, read independently.

`PelcoDome` holds one dome's state and answers a message with the frames it sends (none, or a position reply);
`PelcoBus` cuts the line's bytes into frames, drops those with a bad checksum silently (as real domes do), hands
each to the dome it is addressed to and puts replies on the wire; `DomeHandle` is what tests read and disturb.

Where the reference is silent, this reading chooses:
- Positions are the raw 16-bit words of the profile's ranges (pan in hundredths of a degree, 0..35999); drives
  stop at the range ends (no endless pan). Right and up increase pan and tilt; tele increases zoom.
- A speed byte is a share of the profile's `motion` rate as (speed - min + 1) / (max - min + 1), capped at the
  full rate (so 40, turbo, is the full rate); speed 0 does not move. Zoom drives use the zoom speed set with
  extended command 25 (0..3, quarter steps; 3 at start). Preset recall and set-position move at the full rate.
- A standard command sets every axis: an axis it does not drive stops, whatever moved it (a preset recall too).
  Extended commands leave the axes they do not name alone.
- Camera power (D: cmd1 bit 3 with sense bit 7; P: d1 bit 4 with bit 6) is a flag only; the head obeys anyway.
- A Pelco-D dome whose model lists `pan_tilt_absolute` takes 4B/4D and answers 51/53 with 59/5B; one that
  lists `zoom_direct` takes 4F and answers 55 with 5D. Pelco-P domes never send anything.
- Presets 1..presets of the profile can be stored; recalling one never stored does nothing; recall 0x21 turns
  pan by 180 degrees (18000) and 0x22 moves pan to 0. Address FF (Pelco-D) reaches every dome, which then stays
  silent. Frames to an address no dome has get no answer.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sim.camera_profile import CameraProfile
from sim.endpoints import Endpoint
from sim.errors import SimConfigError
from sim.faults import ChainMember, Faults
from sim.motion import Axis
from sim.registry import BuiltLine, DeviceSpec, register_family

Variant = Literal["D", "P"]
Clock = Callable[[], float]

SYNC: dict[Variant, int] = {"D": 0xFF, "P": 0xA0}
LENGTH: dict[Variant, int] = {"D": 7, "P": 8}
FAMILY_VARIANT: dict[str, Variant] = {"pelco.d": "D", "pelco.p": "P"}
QUERIES = {0x51: ("pan", 0x59), 0x53: ("tilt", 0x5B), 0x55: ("zoom", 0x5D)}
POSITIONS = {0x4B: "pan", 0x4D: "tilt", 0x4F: "zoom"}


def pelco_checksum(variant: Variant, head: bytes) -> int:
    """D: sum of address .. data2 mod 256; P: XOR of A0 .. AF."""
    if variant == "D":
        return sum(head[1:6]) % 256
    value = 0
    for byte in head[:7]:
        value ^= byte
    return value


def garble(frame: bytes) -> bytes:
    """Default corruption: the checksum byte is flipped, so a receiver must drop the frame."""
    return frame[:-1] + bytes([frame[-1] ^ 0x5A])


class PelcoFramer:
    """Cuts a byte stream into frames of one variant; a frame whose checksum (or P end byte) is wrong is
    dropped and the search for a sync byte restarts one byte after its start."""

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.dropped = 0
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """The good frames completed by `data`."""
        buf, sync, size = self._buf, SYNC[self.variant], LENGTH[self.variant]
        buf.extend(data)
        frames: list[bytes] = []
        while True:
            start = buf.find(sync)
            if start < 0:
                buf.clear()
                return frames
            del buf[:start]
            if len(buf) < size:
                return frames
            candidate = bytes(buf[:size])
            end_ok = self.variant == "D" or candidate[6] == 0xAF
            if end_ok and pelco_checksum(self.variant, candidate) == candidate[-1]:
                frames.append(candidate)
                del buf[:size]
            else:
                self.dropped += 1
                del buf[:1]

    def reset(self) -> None:
        """Forget a partial frame (the line dropped)."""
        self._buf.clear()


class PelcoDome:
    """One dome: power, pan, tilt, zoom and presets, moving in time; answers messages with frames."""

    def __init__(
        self,
        profile: CameraProfile,
        address: int,
        variant: Variant,
        *,
        answers: frozenset[str] = frozenset(),
        clock: Clock = time.monotonic,
    ) -> None:
        valid = range(1, 255) if variant == "D" else range(0x20)
        if address not in valid:
            raise ValueError(f"Pelco-{variant} address must be {valid.start}..{valid.stop - 1}, got {address}")
        self.profile = profile
        self.address = address
        self.variant: Variant = variant
        self.answers = answers if variant == "D" else frozenset()  # axes whose position it reports and takes
        self.power = True
        self.zoom_speed = 3
        self.presets: dict[int, tuple[int, int, int]] = {}
        self._clock = clock
        self._axes: dict[str, Axis[None]] = {name: Axis(name) for name in ("pan", "tilt", "zoom")}
        self._ranges = {"pan": profile.pan, "tilt": profile.tilt, "zoom": profile.zoom}
        p = profile
        self._rates = {"pan": p.pan_units_per_s, "tilt": p.tilt_units_per_s, "zoom": p.zoom_units_per_s}

    def position(self, axis: str) -> int:
        """Where an axis is now."""
        return round(self._axes[axis].position(self._clock()))

    @property
    def moving(self) -> bool:
        """True while any axis moves."""
        now = self._clock()
        return any(axis.moving(now) for axis in self._axes.values())

    def place(self, axis: str, value: int) -> None:
        """Put an axis somewhere at once (scenario set-up)."""
        self._axes[axis].place(self._ranges[axis].clamp(value), self._clock())

    def _move(self, axis: str, target: float, share: float = 1.0) -> None:
        now = self._clock()
        if share <= 0:
            self._axes[axis].stop(now)
        else:
            self._axes[axis].move(self._ranges[axis].clamp(target), self._rates[axis] * share, now, None)

    def _drive(self, axis: str, direction: int, speed: float) -> None:
        limits = self._ranges[axis]
        self._move(axis, limits.max if direction > 0 else limits.min, min(1.0, speed) if direction else 0)

    def handle(self, message: bytes) -> list[bytes]:
        """Act on the four message bytes (cmd1 cmd2 data1 data2 / d1..d4); return the frames to send."""
        b1, b2, b3, b4 = message
        if b2 & 0x01:
            return self._extended(b1, b2, b3, b4)
        power_bit, on_bit = (0x08, 0x80) if self.variant == "D" else (0x10, 0x40)
        if b1 & power_bit:
            self.power = bool(b1 & on_bit)
        pan = 1 if b2 & 0x02 else -1 if b2 & 0x04 else 0
        tilt = 1 if b2 & 0x08 else -1 if b2 & 0x10 else 0
        zoom = 1 if b2 & 0x20 else -1 if b2 & 0x40 else 0
        p = self.profile
        self._drive("pan", pan, p.pan_speed.fraction(b3) if b3 else 0)
        self._drive("tilt", tilt, p.tilt_speed.fraction(b4) if b4 else 0)
        self._drive("zoom", zoom, (self.zoom_speed + 1) / 4)
        return []

    def _extended(self, b1: int, b2: int, b3: int, b4: int) -> list[bytes]:
        if b1:
            return []
        if b2 in (0x03, 0x05) and 1 <= b4 <= self.profile.preset_count:
            if b2 == 0x03:
                self.presets[b4] = (self.position("pan"), self.position("tilt"), self.position("zoom"))
            else:
                self.presets.pop(b4, None)
        elif b2 == 0x07:
            self._recall(b4)
        elif b2 == 0x25 and b4 <= 3:
            self.zoom_speed = b4
        elif b2 in POSITIONS and POSITIONS[b2] in self.answers:
            self._move(POSITIONS[b2], (b3 << 8) | b4)
        elif b2 in QUERIES and QUERIES[b2][0] in self.answers:
            axis, code = QUERIES[b2]
            value = self.position(axis) & 0xFFFF
            head = bytes([0xFF, self.address, 0x00, code, value >> 8, value & 0xFF])
            return [head + bytes([pelco_checksum("D", head)])]
        return []

    def _recall(self, number: int) -> None:
        if number in self.presets:
            for axis, value in zip(("pan", "tilt", "zoom"), self.presets[number], strict=True):
                self._move(axis, value)
        elif number == 0x21:
            self._move("pan", (self.position("pan") + 18000) % 36000)
        elif number == 0x22:
            self._move("pan", 0)


class DomeHandle(ChainMember):
    """One dome on a `PelcoBus`: readable state plus the faults of sim/faults.py, acting on this dome only (but
    `slow`, which delays the whole line)."""

    bus: PelcoBus

    def __init__(self, bus: PelcoBus, dome: PelcoDome, device_id: str | None = None) -> None:
        self.bus = bus
        self.dome = dome
        self.device_id = device_id
        self.faults = Faults(garble=garble)

    address = property(lambda self: self.dome.address, doc="Wire address.")
    power = property(lambda self: self.dome.power, doc="Camera power flag.")
    pan = property(lambda self: self.dome.position("pan"), doc="Pan position now.")
    tilt = property(lambda self: self.dome.position("tilt"), doc="Tilt position now.")
    zoom = property(lambda self: self.dome.position("zoom"), doc="Zoom position now.")
    moving = property(lambda self: self.dome.moving, doc="True while any axis moves.")

    @property
    def presets(self) -> dict[int, tuple[int, int, int]]:
        """Stored presets by wire number: (pan, tilt, zoom)."""
        return dict(self.dome.presets)

    def set_position(self, *, pan: int | None = None, tilt: int | None = None, zoom: int | None = None) -> None:
        """Put the head somewhere at once (scenario set-up, not a command)."""
        for axis, value in (("pan", pan), ("tilt", tilt), ("zoom", zoom)):
            if value is not None:
                self.dome.place(axis, value)

    def set_power(self, on: bool) -> None:
        """Set the power flag at once (scenario set-up)."""
        self.dome.power = on

    def receive(self, message: bytes, *, broadcast: bool = False) -> None:
        """Four message bytes addressed to this dome arrived (used by the bus)."""
        if not self.plugged:
            return
        for frame in self.dome.handle(message):
            if not broadcast and self._passes():
                self.bus.send(self.faults.garbled(frame))


@dataclass(frozen=True)
class BusFrame:
    """One frame seen on the line: `rx` from the controller, `tx` from a dome, with its monotonic time."""

    time: float
    direction: Literal["rx", "tx"]
    data: bytes


class PelcoBus:
    """A Pelco RS-485 line: routing by address, wire time at `baudrate` (None: none), and a frame log."""

    def __init__(
        self, endpoint: Endpoint, variant: Variant, *, baudrate: int | None = None, clock: Clock = time.monotonic
    ) -> None:
        self.endpoint = endpoint
        self.variant: Variant = variant
        self.baudrate = baudrate
        self.clock = clock
        self.log: deque[BusFrame] = deque(maxlen=10_000)
        self.domes: dict[int, DomeHandle] = {}
        self.framer = PelcoFramer(variant)
        self._waiters: list[tuple[Callable[[bytes], bool], str, asyncio.Future[BusFrame]]] = []
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._ids = itertools.count()
        self._line_free_at = 0.0
        endpoint.attach(self._on_data, self.framer.reset)

    def add_dome(self, dome: PelcoDome, device_id: str | None = None) -> DomeHandle:
        """Put a dome on the line; its address must be free and its variant the line's."""
        if dome.variant != self.variant or dome.address in self.domes:
            raise ValueError(f"address {dome.address} is taken or Pelco-{dome.variant} does not fit this line")
        self.domes[dome.address] = handle = DomeHandle(self, dome, device_id)
        return handle

    @property
    def url(self) -> str:
        """What a controller opens to reach this line."""
        return self.endpoint.url

    def open(self) -> None:
        """Open the endpoint and start answering; needs a running event loop."""
        self.endpoint.open()

    def close(self) -> None:
        """Stop the endpoint, pending wire-time writes and waiters."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for _, _, fut in self._waiters:
            fut.cancel()
        self._waiters.clear()
        self.endpoint.close()

    def unplug(self) -> None:
        """The whole port vanishes (domes keep their state)."""
        self.endpoint.unplug()

    def replug(self) -> None:
        """Bring the port back under the same name."""
        self.endpoint.replug()

    def send(self, frame: bytes) -> None:
        """Put one frame on the line, after whatever occupies it when wire time is emulated."""
        if not self.baudrate:
            self._write(frame)
            return
        now = self.clock()
        self._line_free_at = max(now, self._line_free_at) + len(frame) * 10 / self.baudrate
        key = next(self._ids)

        def fire() -> None:
            self._timers.pop(key, None)
            self._write(frame)

        self._timers[key] = asyncio.get_running_loop().call_later(self._line_free_at - now, fire)

    def _write(self, frame: bytes) -> None:
        if self.endpoint.plugged:
            self._record(BusFrame(self.clock(), "tx", frame))
            self.endpoint.write(frame)

    def _on_data(self, data: bytes) -> None:
        for frame in self.framer.feed(data):
            self._record(BusFrame(self.clock(), "rx", frame))
            message, address = frame[2:6], frame[1]
            if self.variant == "D" and address == 0xFF:
                for handle in self.domes.values():
                    handle.receive(message, broadcast=True)
            elif address in self.domes:
                self.domes[address].receive(message)

    def _record(self, entry: BusFrame) -> None:
        self.log.append(entry)
        still = []
        for predicate, direction, fut in self._waiters:
            if not fut.done() and direction == entry.direction and predicate(entry.data):
                fut.set_result(entry)
            elif not fut.done():
                still.append((predicate, direction, fut))
        self._waiters = still

    def expect_frame(
        self, predicate: Callable[[bytes], bool] | None = None, *, direction: Literal["rx", "tx"] = "rx"
    ) -> asyncio.Future[BusFrame]:
        """A future for the next frame (from now on) matching `predicate`; register before acting."""
        fut: asyncio.Future[BusFrame] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate or (lambda data: True), direction, fut))
        return fut


def _answers(model: object) -> frozenset[str]:
    caps = model.get("capabilities") if isinstance(model, dict) else None
    caps = caps if isinstance(caps, list) else []
    return frozenset(
        axis
        for axis, cap in (("pan", "pan_tilt_absolute"), ("tilt", "pan_tilt_absolute"), ("zoom", "zoom_direct"))
        if cap in caps
    )


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    """The room builder for both families: one PelcoBus with a dome per device spec."""
    variant = FAMILY_VARIANT[str(devices[0].model.get("protocol"))]
    bus = PelcoBus(endpoint, variant, baudrate=baudrate)
    built = BuiltLine(bus)
    for spec in devices:
        address = spec.address if spec.address is not None else (1 if variant == "D" else 0)
        profile = CameraProfile.from_mapping(spec.model, ref=spec.profile, source=str(spec.model_file))
        try:
            dome = PelcoDome(profile, address, variant, answers=_answers(spec.model), clock=bus.clock)
            built.devices[spec.id] = bus.add_dome(dome, spec.id)
        except ValueError as exc:
            raise SimConfigError(f"device {spec.id!r}: {exc}") from exc
    return built


def register() -> None:
    """Teach the simulator the `pelco.d` and `pelco.p` families (idempotent)."""
    for family in FAMILY_VARIANT:
        register_family(family, {"camera"}, build_line)
