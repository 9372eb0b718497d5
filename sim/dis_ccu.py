"""Simulated Shure DIS-CCU on TCP (port 3142 in a room): docs/protocols.md 5.2(b), read independently.

Every client connection is a session; every change is sent to every session as it happens (``mic_on 5``,
``mic_off 5``, ``mic_request_on 5``, ``mic_request_off 5``), lines ending in CR LF. Commands:
- ``mic_status``: to the asking session only, ``seat_state <seat> active|passive Seat <seat>`` for each
  registered seat, then ``mic_on <seat>`` per active mic and ``mic_request_on <seat>`` per queued request.
- ``mic_on|mic_off <seat>``: the change is broadcast; when nothing changes the asking session still gets the
  state line back, so a controller always sees a confirmation (the simulator's choice [U]).
- ``mic_request_on <seat>``, ``mic_all_off`` (a mic_off per active mic), ``mic_mute_all activate|deactivate``
  and ``mic_priority <seat> <0-5>`` (stored, no answer [U]).
- anything else, or a seat outside the model's range: ``command_error <text>`` to the asking session.
Model keys read: ``seats``, ``simulate.registered_seats`` (count from seats.min, default 16),
``simulate.reply_delay_ms`` (default 0), ``simulate.max_requests`` (default 10).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sim.endpoints import Endpoint, Session, TcpEndpoint
from sim.errors import SimConfigError
from sim.faults import FaultHandle, Faults, Pluggable
from sim.registry import BuiltLine, DeviceSpec, register_family

MAX_LINE = 1024


class CcuSession:
    """One client connection: cuts its bytes into lines and hands them to the unit."""

    def __init__(self, unit: DisCcuUnit, session: Session) -> None:
        self.unit = unit
        self.session = session
        self._buf = bytearray()

    def received(self, data: bytes) -> None:
        self._buf.extend(data)
        while (end := self._buf.find(b"\n")) >= 0:
            raw = bytes(self._buf[:end]).rstrip(b"\r")
            del self._buf[: end + 1]
            self.unit.command(self, raw.decode("ascii", "replace").strip())
        if len(self._buf) > MAX_LINE:
            self._buf.clear()

    def lost(self) -> None:
        self.unit.sessions.discard(self)

    def send(self, line: str) -> None:
        self.unit.send(line, [self])


def garble(data: bytes) -> bytes:
    """The CCU's corruption: two bytes that are no ASCII after the first."""
    return data[:1] + b"\xff\xfe" + data[3:]


class DisCcuUnit(FaultHandle):
    """The CCU's state and wire behaviour; also the handle tests use (MicSystemHandle plus extras)."""

    def __init__(self, endpoint: TcpEndpoint, model: Mapping[str, Any], source: str = "model") -> None:
        seats = model.get("seats")
        sim = model.get("simulate") or {}
        if not isinstance(seats, Mapping) or not isinstance(sim, Mapping):
            raise SimConfigError(f"{source}: seats: a DIS-CCU model needs seats {{min, max}}")
        self.seats = range(int(seats["min"]), int(seats["max"]) + 1)
        count = int(sim.get("registered_seats", 16))
        self.registered = list(self.seats[:count])
        self.reply_delay_s = float(sim.get("reply_delay_ms", 0)) / 1000
        self.max_requests = int(sim.get("max_requests", 10))
        self.endpoint = endpoint
        self.sessions: set[CcuSession] = set()
        self.faults = Faults(garble=garble)
        self.muted = False
        self.priorities: dict[int, int] = {}
        self.commands: list[str] = []  # every line received, in order
        self._active: list[int] = []
        self._requests: list[int] = []
        self._timers: set[asyncio.TimerHandle] = set()
        endpoint.serve_sessions(self._new_session)

    def _new_session(self, session: Session) -> CcuSession:
        handler = CcuSession(self, session)
        self.sessions.add(handler)
        return handler

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
        self._mic(seat, True)

    def release(self, seat: int) -> None:
        self._mic(seat, False)

    def request(self, seat: int) -> None:
        if seat not in self._requests and seat not in self._active and len(self._requests) < self.max_requests:
            self._requests.append(seat)
            self.broadcast(f"mic_request_on {seat}")

    def cancel_request(self, seat: int) -> None:
        """A delegate withdraws a request."""
        if seat in self._requests:
            self._requests.remove(seat)
            self.broadcast(f"mic_request_off {seat}")

    def chairman_all_off(self) -> None:
        """The chairman's priority button: every mic off, each reported."""
        for seat in list(self._active):
            self._mic(seat, False)

    def set_seat(self, seat: int, registered: bool) -> None:
        """A unit is plugged in / a participant logs in (or out): ``seat_state`` goes to every session."""
        if registered and seat not in self.registered:
            self.registered.append(seat)
        elif not registered and seat in self.registered:
            self.registered.remove(seat)
        self.broadcast(f"seat_state {seat} {'active' if registered else 'passive'} Seat {seat}")

    def reset(self) -> None:
        """The CCU restarts: every connection drops and every mic is off."""
        self._active.clear()
        self._requests.clear()
        for handler in list(self.sessions):
            handler.session.close()
        self.sessions.clear()

    # -- faults ----------------------------------------------------------------------------------------------
    @property
    def port(self) -> Pluggable:
        return self.endpoint

    def unplug(self) -> None:
        """The port vanishes, and every session with it."""
        self.sessions.clear()
        super().unplug()

    # -- behaviour -------------------------------------------------------------------------------------------
    def broadcast(self, line: str) -> None:
        self.send(line, list(self.sessions))

    def send(self, line: str, to: list[CcuSession]) -> None:
        if self.silent or not to:
            return
        data = self.faults.garbled(line.encode("ascii") + b"\r\n")
        if self.reply_delay_s <= 0:
            self._write(data, to)
            return
        timer: asyncio.TimerHandle | None = None

        def fire() -> None:
            if timer is not None:
                self._timers.discard(timer)
            self._write(data, to)

        timer = asyncio.get_running_loop().call_later(self.reply_delay_s, fire)
        self._timers.add(timer)

    @staticmethod
    def _write(data: bytes, to: list[CcuSession]) -> None:
        for handler in to:
            handler.session.write(data)

    def _mic(self, seat: int, on: bool, asker: CcuSession | None = None) -> None:
        if (seat in self._active) == on:
            if asker is not None:
                asker.send(f"mic_{'on' if on else 'off'} {seat}")
            return
        if on:
            self._active.append(seat)
        else:
            self._active.remove(seat)
        self.broadcast(f"mic_{'on' if on else 'off'} {seat}")
        if on and seat in self._requests:
            self._requests.remove(seat)
            self.broadcast(f"mic_request_off {seat}")

    def command(self, asker: CcuSession, line: str) -> None:
        """Act on one command line from ``asker``."""
        if not line:
            return
        self.commands.append(line)
        if self.silent:
            return
        words = line.split()
        name, args = words[0], words[1:]
        seat = int(args[0]) if args and args[0].isdigit() else None
        if name == "mic_status" and not args:
            for s in self.registered:
                asker.send(f"seat_state {s} active Seat {s}")
            for s in self._active:
                asker.send(f"mic_on {s}")
            for s in self._requests:
                asker.send(f"mic_request_on {s}")
        elif name == "mic_all_off" and not args:
            self.chairman_all_off()
        elif name == "mic_mute_all" and args in (["activate"], ["deactivate"]):
            self.muted = args == ["activate"]
        elif seat is None or seat not in self.seats:
            asker.send(f"command_error {line}")
        elif name in ("mic_on", "mic_off") and len(args) == 1:
            self._mic(seat, name == "mic_on", asker)
        elif name == "mic_request_on" and len(args) == 1:
            self.request(seat)
        elif name == "mic_priority" and len(args) == 2 and args[1] in "012345" and len(args[1]) == 1:
            self.priorities[seat] = int(args[1])
        else:
            asker.send(f"command_error {line}")


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    """One CCU per TCP port."""
    if len(devices) != 1 or not isinstance(endpoint, TcpEndpoint):
        raise SimConfigError(f"port {devices[0].port}: a DIS-CCU needs a tcp:// port of its own")
    spec = devices[0]
    unit = DisCcuUnit(endpoint, spec.model, str(spec.model_file))
    return BuiltLine(unit, {spec.id: unit})


def register() -> None:
    """Teach the simulator the ``dis_ccu`` family (idempotent)."""
    register_family("dis_ccu", {"mic_system"}, build_line)
