"""Simulated DCS 6000 central unit on its RS-232 port: docs/protocols.md 5.2(a), read independently.

Frames are ``FC type ID body crc FD`` with CRC-8 (poly 0x07, init 0) over type..body. The unit speaks only in
microphone control mode (entered with ``m ID c m``; no answer is sent, [U]); ``r`` is sent when the CU is
reset from the handle (mode left, every mic off). Controller jobs (``j``, group 18) it takes:
- item 14 mic on, 15 mic off, 16 / 17 request on / off (the mic in d2:d3);
- item 1 delegate off (every mic but chairman seats goes off, new mics are refused until item 2);
- item 20 system status: one IN_SPEAK (group 23 item 8) per active mic, IN_REQUEST (item 7) per queued request
  with its position, then MAX_REQUESTS (item 14) closing the answer [U], addressed to the asking controller.
Changes go to group address 4000 (``simulate.event_address``) as MIC_ON 9 / MIC_OFF 10 / REQUEST_ON 11 /
REQUEST_OFF 12. Body escaping [U] follows ``simulate.escape`` (escape byte then byte XOR 0x20). Jobs for
seats outside the model's range are ignored. Model keys read: ``seats``, ``simulate.reply_delay_ms``,
``max_requests``, ``chairman_seats``, ``event_address``, ``escape``, ``escape_byte``, ``escape_xor``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sim.endpoints import Endpoint
from sim.errors import SimConfigError
from sim.faults import FaultHandle, Faults, Pluggable
from sim.registry import BuiltLine, DeviceSpec, register_family

FC, FD = 0xFC, 0xFD
GROUP_CONTROL, GROUP_STATUS = 18, 23


def crc8(data: bytes) -> int:
    """CRC-8, polynomial 0x07, initial 0, MSB first (table-free)."""
    value = 0
    for byte in data:
        value ^= byte
        for _ in range(8):
            value = (value << 1) ^ 0x07 if value & 0x80 else value << 1
            value &= 0xFF
    return value


class Framer:
    """Cuts the controller's byte stream into checked bodies (type .. data, crc stripped); drops bad ones."""

    def __init__(self, escape: int | None = None, xor: int = 0x20) -> None:
        self.escape = escape
        self.xor = xor
        self.dropped = 0
        self._buf = bytearray()

    def reset(self) -> None:
        self._buf.clear()

    def _length(self) -> int | None:
        buf = self._buf
        if len(buf) < 2:
            return None
        kind = buf[1]
        if kind == ord("r"):
            return 5
        if kind == ord("j"):
            return 12
        if kind == ord("m") and len(buf) >= 4:
            return 7 if buf[3] == ord("c") else 6
        if kind == ord("c") and len(buf) >= 7:
            return 9 + buf[6]
        if kind in b"mc":
            return None
        return -1

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        buf.extend(data)
        bodies: list[bytes] = []
        while True:
            start = buf.find(FC)
            if start < 0:
                buf.clear()
                return bodies
            del buf[:start]
            if self.escape is not None:
                end = buf.find(FD)
                if end < 0:
                    return bodies
                raw, cut = self._unescape(bytes(buf[1:end])), end + 1
            else:
                size = self._length()
                if size is None:
                    return bodies
                if size < 0:
                    del buf[:1]
                    self.dropped += 1
                    continue
                if len(buf) < size:
                    return bodies
                raw, cut = (bytes(buf[1 : size - 1]) if buf[size - 1] == FD else None), size
            if raw is not None and len(raw) >= 3 and crc8(raw[:-1]) == raw[-1]:
                bodies.append(raw[:-1])
                del buf[:cut]
            else:
                self.dropped += 1
                del buf[:1]

    def _unescape(self, raw: bytes) -> bytes | None:
        out, i = bytearray(), 0
        while i < len(raw):
            if raw[i] == self.escape:
                if i + 1 >= len(raw):
                    return None
                out.append(raw[i + 1] ^ self.xor)
                i += 2
            else:
                out.append(raw[i])
                i += 1
        return bytes(out)


def garble(frame: bytes) -> bytes:
    """The CU's corruption: the CRC byte flipped."""
    return frame[:-2] + bytes([frame[-2] ^ 0x55]) + frame[-1:]


class Dcs6000Unit(FaultHandle):
    """The CU's state and wire behaviour; also the handle tests use (MicSystemHandle plus extras)."""

    def __init__(self, endpoint: Endpoint, model: Mapping[str, Any], source: str = "model") -> None:
        seats = model.get("seats")
        sim = model.get("simulate") or {}
        if not isinstance(seats, Mapping) or not isinstance(sim, Mapping):
            raise SimConfigError(f"{source}: seats: a DCS 6000 model needs seats {{min, max}}")
        self.seats = range(int(seats["min"]), int(seats["max"]) + 1)
        self.reply_delay_s = float(sim.get("reply_delay_ms", 0)) / 1000
        self.max_requests = int(sim.get("max_requests", 10))
        self.chairman = {int(s) for s in sim.get("chairman_seats", [])}
        self.event_address = int(sim.get("event_address", 4000))
        escape = int(sim.get("escape_byte", 0xFE)) if sim.get("escape", False) else None
        self.xor = int(sim.get("escape_xor", 0x20))
        self.endpoint = endpoint
        self.framer = Framer(escape, self.xor)
        self.escape = escape
        self.mic_mode = False
        self.delegate_off = False
        self.next_id = 0
        self.faults = Faults(garble=garble)
        self.received: list[bytes] = []  # every good body from the controller (type .. data)
        self._active: list[int] = []
        self._requests: list[int] = []
        self._timers: set[asyncio.TimerHandle] = set()
        endpoint.attach(self._on_data, self.framer.reset)

    # -- SimLine ---------------------------------------------------------------------------------------------
    def open(self) -> None:
        self.endpoint.open()

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.endpoint.close()

    # -- MicSystemHandle -------------------------------------------------------------------------------------
    @property
    def active(self) -> set[int]:
        return set(self._active)

    @property
    def requests(self) -> list[int]:
        """The request queue, first to speak first."""
        return list(self._requests)

    def press(self, seat: int) -> None:
        self._mic_on(seat)

    def release(self, seat: int) -> None:
        self._mic_off(seat)

    def request(self, seat: int) -> None:
        if seat not in self._requests and seat not in self._active and len(self._requests) < self.max_requests:
            self._requests.append(seat)
            self._status_event(11, seat, len(self._requests))

    def cancel_request(self, seat: int) -> None:
        """A delegate withdraws a request."""
        if seat in self._requests:
            position = self._requests.index(seat) + 1
            self._requests.remove(seat)
            self._status_event(12, seat, position)

    def chairman_all_off(self) -> None:
        """The chairman unit's priority button: every delegate mic off (chairman seats stay on)."""
        for seat in [s for s in self._active if s not in self.chairman]:
            self._mic_off(seat)

    def reset(self) -> None:
        """The CU restarts: mics and queue are gone, mic control mode is left, ``r`` is sent."""
        self._active.clear()
        self._requests.clear()
        self.mic_mode = False
        self.delegate_off = False
        self._send(bytes([ord("r"), self._ident()]), always=True)

    def send_raw(self, data: bytes) -> None:
        """Put bytes on the line as they are (foreign frames, garbage)."""
        if self.endpoint.plugged:
            self.endpoint.write(data)

    def frame(self, body: bytes) -> bytes:
        """A whole frame around ``body`` (type .. data), with this unit's escaping."""
        raw = body + bytes([crc8(body)])
        if self.escape is not None:
            raw = b"".join(
                bytes([self.escape, b ^ self.xor]) if b in (FC, FD, self.escape) else bytes([b]) for b in raw
            )
        return bytes([FC]) + raw + bytes([FD])

    # -- faults (sim/faults.py) ------------------------------------------------------------------------------
    @property
    def port(self) -> Pluggable:
        return self.endpoint

    # -- behaviour -------------------------------------------------------------------------------------------
    def _ident(self) -> int:
        ident, self.next_id = self.next_id, (self.next_id + 1) % 64
        return ident

    def _mic_on(self, seat: int) -> None:
        if seat in self._active:
            return
        if seat in self._requests:
            position = self._requests.index(seat) + 1
            self._requests.remove(seat)
            self._status_event(12, seat, position)
        self._active.append(seat)
        self._status_event(9, seat)

    def _mic_off(self, seat: int) -> None:
        if seat in self._active:
            self._active.remove(seat)
            self._status_event(10, seat)

    def _status_event(self, item: int, seat: int, extra: int | None = None, to: int | None = None) -> None:
        payload = bytes([item, seat >> 8, seat & 0xFF]) + (bytes([extra]) if extra is not None else b"")
        self._control(to if to is not None else self.event_address, payload)

    def _control(self, to: int, payload: bytes) -> None:
        if self.mic_mode:
            head = bytes([ord("c"), self._ident(), to >> 8, to & 0xFF, GROUP_STATUS, len(payload)])
            self._send(head + payload)

    def _send(self, body: bytes, *, always: bool = False) -> None:
        if self.silent or not (self.mic_mode or always):
            return
        frame = self.faults.garbled(self.frame(body))
        if self.reply_delay_s <= 0:
            self.send_raw(frame)
            return
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None

        def fire() -> None:
            if timer is not None:
                self._timers.discard(timer)
            self.send_raw(frame)

        timer = loop.call_later(self.reply_delay_s, fire)
        self._timers.add(timer)

    def _on_data(self, data: bytes) -> None:
        for body in self.framer.feed(data):
            self.received.append(body)
            if self.silent:
                continue
            kind = body[0]
            if kind == ord("m"):
                self.mic_mode = body[2:] == b"cm"
            elif kind == ord("j") and len(body) == 9 and self.mic_mode and body[5] == GROUP_CONTROL:
                self._job((body[3] << 8) | body[4], body[6], (body[7] << 8) | body[8])

    def _job(self, sender: int, item: int, seat: int) -> None:
        if item == 20:
            for mic in self._active:
                self._status_event(8, mic, to=sender)
            for position, mic in enumerate(self._requests, 1):
                self._status_event(7, mic, position, to=sender)
            self._control(sender, bytes([14, self.max_requests]))
        elif item == 1:
            self.delegate_off = True
            self.chairman_all_off()
        elif item == 2:
            self.delegate_off = False
        elif seat not in self.seats:
            return
        elif item == 14 and not (self.delegate_off and seat not in self.chairman):
            self._mic_on(seat)
        elif item == 15:
            self._mic_off(seat)
        elif item == 16:
            self.request(seat)
        elif item == 17:
            self.cancel_request(seat)


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    """One CU per port (a DCS 6000 RS-232 port serves one external controller)."""
    if len(devices) != 1:
        raise SimConfigError(f"port {devices[0].port}: a DCS 6000 CU needs a port of its own")
    spec = devices[0]
    unit = Dcs6000Unit(endpoint, spec.model, str(spec.model_file))
    return BuiltLine(unit, {spec.id: unit})


def register() -> None:
    """Teach the simulator the ``dcs6000`` family (idempotent)."""
    register_family("dcs6000", {"mic_system"}, build_line)
