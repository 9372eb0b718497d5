"""A simulated Sony 9-pin (RS-422 "P2") deck: docs/protocols.md section 4.1, read independently.

`Deck` keeps the transport, the media and the LTC time and answers one block with the block it returns;
`NinePinLine` cuts the controller's bytes into blocks on a pty and puts the answers on the wire after the
model's reply delay; `DeckHandle` is what tests read and disturb.

Where the reference is silent, this reading chooses:
- A bad checksum is answered with NAK 04; a block the deck does not know with NAK 01; a partial block whose next
  byte comes more than `inter_byte_timeout_ms` (10) later is dropped without an answer.
- Record without media, with a full disk (`remaining_s` 0) or in local mode is acknowledged and ignored, as a
  deck ignores what it cannot do; so is every transport command in local mode. The status shows why.
- Status byte 1 while recording is record + play (03), as the worked example shows; stopped is 20, standby
  adds 80; byte 2 is 80 (servo lock) while the tape runs. Eject drops the media.
- The LTC time runs at `frame_rate` (25) while playing or recording. The remaining disk time counts down
  while recording (at `countdown_speed` seconds per second); at 0 the deck stops.
- The device type answer `12 11 hh ll` carries the model's `simulate.device_type`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from sim.endpoints import Endpoint
from sim.errors import SimConfigError
from sim.faults import Faults, LineFaults
from sim.registry import BuiltLine, DeviceSpec, register_family

Clock = Callable[[], float]
ACK = bytes.fromhex("10 01 11")
NAK_UNKNOWN, NAK_CHECKSUM = 0x01, 0x04
TRANSPORT_STATES = {0x00: "stopped", 0x01: "play", 0x02: "record", 0x0F: "eject", 0x10: "forward", 0x20: "rewind"}
STATUS_BITS = {"play": 0x01, "record": 0x03, "forward": 0x04, "rewind": 0x08, "eject": 0x10, "stopped": 0x20}


def block(cmd1: int, cmd2: int, data: bytes = b"") -> bytes:
    """A block with its count nibble and sum checksum."""
    head = bytes([(cmd1 << 4) | len(data), cmd2, *data])
    return head + bytes([sum(head) & 0xFF])


def nak(code: int) -> bytes:
    return block(0x1, 0x12, bytes([code]))


def bcd(value: int) -> int:
    return ((value // 10) << 4) | (value % 10)


class Deck:
    """One deck's state; `handle()` answers a block (CMD1, CMD2, data) with the block it sends back."""

    def __init__(self, settings: Mapping[str, Any], clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.device_type = int(settings.get("device_type", 0x2024)) & 0xFFFF
        self.fps = int(settings.get("frame_rate", 25))
        self.countdown_speed = float(settings.get("countdown_speed", 1.0))
        self.transport = "stopped"
        self.standby = False
        self.disk_present = True
        self.remote = True
        self._remaining = float(settings.get("remaining_s", 3600))
        self._frames = 0.0  # LTC in frames at `_since`
        self._since = clock()

    # -- time ------------------------------------------------------------------------------------------------
    def _settle(self) -> None:
        """Bring the running time and the remaining disk time up to now."""
        now = self.clock()
        elapsed, self._since = now - self._since, now
        if self.transport in ("play", "record"):
            self._frames = (self._frames + elapsed * self.fps) % (24 * 3600 * self.fps)
        if self.transport == "record":
            self._remaining = max(0.0, self._remaining - elapsed * self.countdown_speed)
            if self._remaining <= 0:
                self.transport = "stopped"

    @property
    def remaining_s(self) -> int:
        self._settle()
        return int(self._remaining)

    def set_transport(self, state: str) -> None:
        self._settle()
        self.transport = state

    def set_disk(self, present: bool, remaining_s: int | None) -> None:
        self._settle()
        self.disk_present = present
        if remaining_s is not None:
            self._remaining = float(remaining_s)
        if not present and self.transport in ("record", "play", "forward", "rewind"):
            self.transport = "stopped"

    def timecode(self) -> tuple[int, int, int, int]:
        """(hours, minutes, seconds, frames) now."""
        self._settle()
        total = int(self._frames)
        frames, seconds = total % self.fps, total // self.fps
        return seconds // 3600, seconds // 60 % 60, seconds % 60, frames

    def set_timecode(self, hours: int, minutes: int, seconds: int, frames: int) -> None:
        self._settle()
        self._frames = float(((hours * 60 + minutes) * 60 + seconds) * self.fps + frames)

    def status(self) -> bytes:
        """Status bytes 0..15."""
        self._settle()
        data = bytearray(16)
        data[0] = (0x20 if not self.disk_present else 0) | (0x00 if self.remote else 0x01)
        data[1] = STATUS_BITS.get(self.transport, 0) | (0x80 if self.standby else 0)
        data[2] = 0x80 if self.transport in ("play", "record") else 0
        return bytes(data)

    # -- commands --------------------------------------------------------------------------------------------
    def handle(self, cmd1: int, cmd2: int, data: bytes) -> bytes:
        if cmd1 == 0x0 and cmd2 == 0x11 and not data:
            return block(0x1, 0x11, self.device_type.to_bytes(2, "big"))
        if cmd1 == 0x2 and not data and (cmd2 in TRANSPORT_STATES or cmd2 in (0x04, 0x05)):
            if self.remote:
                self._transport(cmd2)
            return ACK
        if cmd1 == 0x6 and cmd2 == 0x20 and len(data) == 1:
            start, count = data[0] >> 4, data[0] & 0x0F
            if count == 0:
                return nak(NAK_UNKNOWN)
            return block(0x7, 0x20, self.status()[start : start + count].ljust(count, b"\0"))
        if cmd1 == 0x6 and cmd2 == 0x0C and data == b"\x01":
            hh, mm, ss, ff = self.timecode()
            return block(0x7, 0x04, bytes([bcd(ff), bcd(ss), bcd(mm), bcd(hh)]))
        return nak(NAK_UNKNOWN)

    def _transport(self, code: int) -> None:
        if code in (0x04, 0x05):
            self.standby = code == 0x05
            return
        state = TRANSPORT_STATES[code]
        if state == "record" and (not self.disk_present or self.remaining_s <= 0):
            return
        if state in ("play", "forward", "rewind") and not self.disk_present:
            return
        self.set_transport(state)
        if state == "eject":
            self.disk_present = False


def garble(reply: bytes) -> bytes:
    """The deck's corruption: a wrong checksum, so the controller must drop the block."""
    return reply[:-1] + bytes([reply[-1] ^ 0x5A])


class NinePinLine:
    """One RS-422 line with one deck: framing, the reply delay, the frame log and the faults."""

    def __init__(
        self,
        endpoint: Endpoint,
        deck: Deck,
        *,
        reply_delay_s: float = 0.002,
        inter_byte_timeout_s: float = 0.01,
        clock: Clock = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self.deck = deck
        self.reply_delay_s = reply_delay_s
        self.inter_byte_timeout_s = inter_byte_timeout_s
        self.clock = clock
        self.faults = Faults(garble=garble)  # the deck's faults (one deck a line)
        self.naks: list[int] = []  # NAK codes the next good blocks get instead of an answer
        self.received: list[tuple[float, bytes]] = []  # (time, block) from the controller, for tests
        self.sent: list[tuple[float, bytes]] = []  # (time, block) to the controller
        self._buf = bytearray()
        self._last = 0.0
        self._timers: set[asyncio.TimerHandle] = set()
        endpoint.attach(self._on_data, self._buf.clear)

    @property
    def url(self) -> str:
        return self.endpoint.url

    def open(self) -> None:
        self.endpoint.open()

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.endpoint.close()

    def _on_data(self, data: bytes) -> None:
        now = self.clock()
        if self._buf and now - self._last > self.inter_byte_timeout_s:
            self._buf.clear()  # a block's bytes never come this far apart: the partial block is dead
        self._last = now
        self._buf.extend(data)
        while len(self._buf) >= 3:
            size = (self._buf[0] & 0x0F) + 3
            if len(self._buf) < size:
                break
            raw = bytes(self._buf[:size])
            del self._buf[:size]
            if sum(raw[:-1]) & 0xFF != raw[-1]:
                self._send(nak(NAK_CHECKSUM))
                continue
            self.received.append((now, raw))
            if self.naks:
                self._send(nak(self.naks.pop(0)))
                continue
            self._send(self.deck.handle(raw[0] >> 4, raw[1], raw[2:-1]))

    def _send(self, reply: bytes) -> None:
        if self.faults.silent:
            return
        reply = self.faults.garbled(reply)

        def fire() -> None:
            self._timers.discard(timer)
            if self.endpoint.plugged:
                self.sent.append((self.clock(), reply))
                self.endpoint.write(reply)

        timer = asyncio.get_running_loop().call_later(self.reply_delay_s, fire)
        self._timers.add(timer)


class DeckHandle(LineFaults):
    """What a test reads and does to a simulated 9-pin deck (sim.handles.RecorderHandle)."""

    line: NinePinLine

    def __init__(self, line: NinePinLine) -> None:
        self.line = line
        self.deck = line.deck
        self.faults = line.faults

    @property
    def transport(self) -> str:
        self.deck.remaining_s  # noqa: B018 - settles the clock: a full disk has stopped the deck by now
        return self.deck.transport

    @property
    def clip(self) -> str | None:
        return None  # the 9-pin has no clip names

    @property
    def remote(self) -> bool:
        return self.deck.remote

    @property
    def disk_present(self) -> bool:
        return self.deck.disk_present

    @property
    def remaining_s(self) -> int:
        return self.deck.remaining_s

    def set_disk(self, present: bool, remaining_s: int | None = None) -> None:
        self.deck.set_disk(present, remaining_s)

    def set_remote(self, enabled: bool) -> None:
        self.deck.remote = enabled

    def press_stop(self) -> None:
        self.deck.set_transport("stopped")

    def set_timecode(self, hours: int, minutes: int, seconds: int, frames: int) -> None:
        """Put the LTC time somewhere (it runs on while playing or recording)."""
        self.deck.set_timecode(hours, minutes, seconds, frames)

    def nak_next(self, code: int, count: int = 1) -> None:
        """The next ``count`` good blocks are refused with NAK ``code`` (e.g. 0x80 timeout)."""
        self.line.naks.extend([code] * count)


def _number(settings: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SimConfigError(f"{where}: simulate.{key}: expected a number >= 0, got {value!r}")
    return float(value)


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    """The room builder: one deck per RS-422 line."""
    if len(devices) != 1:
        raise SimConfigError(f"port {devices[0].port}: a 9-pin line carries one deck, not {len(devices)}")
    spec = devices[0]
    settings = spec.model.get("simulate") or {}
    if not isinstance(settings, Mapping):
        raise SimConfigError(f"{spec.model_file}: simulate: expected a mapping")
    where = str(spec.model_file)
    for key in ("frame_rate", "remaining_s", "countdown_speed", "device_type"):
        _number(settings, key, 1, where)
    deck = Deck(settings)
    line = NinePinLine(
        endpoint,
        deck,
        reply_delay_s=_number(settings, "reply_delay_ms", 2, where) / 1000,
        inter_byte_timeout_s=_number(settings, "inter_byte_timeout_ms", 10, where) / 1000,
    )
    return BuiltLine(line, {spec.id: DeckHandle(line)})


def register() -> None:
    """Teach the simulator the `sony9pin` family (idempotent)."""
    register_family("sony9pin", {"recorder"}, build_line)
