"""A simulated VISCA camera: its state and the protocol logic of docs/protocols.md section 1, with no I/O.

`ViscaCamera.handle(packet)` answers one packet addressed to the camera with the frames it sends at once;
`due()` returns the Completions of moves that have ended, and `next_deadline()` says when to call it next.
Whoever owns the line (`sim.visca.bus.ViscaBus`) schedules those calls and puts the frames on the wire.

Where the reference is silent, this reading chooses (and the tests pin down):
- Left is pan decreasing, right increasing; up is tilt increasing, down decreasing.
- A speed byte is a share of the profile's `motion` rate: (speed - min + 1) / (max - min + 1) of the `ranges`
  speed range, so the max speed is the full rate. Standard-speed zoom, zoom direct, home, reset and preset
  recall move at the full rate. Reset moves like home (to pan 0, tilt 0).
- Continuous drives (pan/tilt drive, zoom tele/wide) complete at once and free their socket; the head keeps
  moving until a stop or the range end. `drives_hold_socket=True` makes them hold the socket until the move
  ends instead (protocols.md section 7 lists this as unverified).
- A command whose axes are taken over by a newer command (a stop, another move, standby) completes then.
- In standby every command but power and IF_Clear is Not executable (`z0 6y 41 FF`, y = the socket it would
  have used, no ACK); inquiries are always answered.
- Recalling a preset that was never stored (or was reset) moves to pan 0, tilt 0, zoom 0.
- With the `preset_recall_no_completion` quirk a recall is ACKed, moves, holds its socket until the move ends,
  and never sends Completion.
- A speed byte for an axis a drive stops (direction 03) is not checked.
- A preset number must also be below 0x80 (one data byte).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sim.camera_profile import CameraProfile
from sim.motion import Axis

MAX_PACKET = 16
"""Longest packet the camera accepts; longer gets Message length error."""

LENGTH_ERROR, SYNTAX_ERROR, BUFFER_FULL, CANCELLED, NO_SOCKET, NOT_EXECUTABLE = 0x01, 0x02, 0x03, 0x04, 0x05, 0x41


@dataclass(eq=False)
class _Running:
    """A command that holds a socket until its moves end."""

    socket: int
    completion: bool


@dataclass
class _Plan:
    """What a parsed command does: axis moves (target, velocity), an effect, and how it completes."""

    moves: dict[str, tuple[float, float]] = field(default_factory=dict)
    holds_socket: bool = True
    completion: bool = True
    needs_power: bool = True
    effect: Callable[[], None] | None = None


def nibbles(value: int, count: int = 4) -> bytes:
    """`value` as `count` nibble bytes, MSB first; negative values in two's complement."""
    value &= (1 << (4 * count)) - 1
    return bytes((value >> (4 * (count - 1 - i))) & 0x0F for i in range(count))


def _from_nibbles(data: bytes) -> int | None:
    value = 0
    for byte in data:
        if byte > 0x0F:
            return None
        value = (value << 4) | byte
    return value


def _signed16(data: bytes) -> int | None:
    value = _from_nibbles(data)
    if value is None:
        return None
    return value - 0x10000 if value & 0x8000 else value


class ViscaCamera:
    """One VISCA camera: power, pan, tilt, zoom, presets and command sockets, answering packets."""

    def __init__(
        self,
        profile: CameraProfile,
        address: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sockets: int = 2,
        drives_hold_socket: bool = False,
    ) -> None:
        if not 1 <= address <= 7:
            raise ValueError(f"VISCA address must be 1..7, got {address}")
        self.profile = profile
        self.address = address
        self.sockets = sockets
        self.drives_hold_socket = drives_hold_socket
        self.power = True
        self.presets: dict[int, tuple[int, int, int]] = {}
        self._clock = clock
        self._axes: dict[str, Axis[_Running]] = {name: Axis(name) for name in ("pan", "tilt", "zoom")}
        self._running: dict[int, _Running] = {}

    # -- readable state -------------------------------------------------------------------------------

    @property
    def header(self) -> int:
        """First byte of every frame this camera sends: z0 with z = 8 + address."""
        return (8 + self.address) << 4

    @property
    def pan(self) -> int:
        """Pan position now (signed units)."""
        return round(self._axes["pan"].position(self._clock()))

    @property
    def tilt(self) -> int:
        """Tilt position now (signed units)."""
        return round(self._axes["tilt"].position(self._clock()))

    @property
    def zoom(self) -> int:
        """Zoom position now (0 = wide)."""
        return round(self._axes["zoom"].position(self._clock()))

    @property
    def pan_moving(self) -> bool:
        """True while pan has not reached its target."""
        return self._axes["pan"].moving(self._clock())

    @property
    def tilt_moving(self) -> bool:
        """True while tilt has not reached its target."""
        return self._axes["tilt"].moving(self._clock())

    @property
    def zoom_moving(self) -> bool:
        """True while zoom has not reached its target."""
        return self._axes["zoom"].moving(self._clock())

    @property
    def moving(self) -> bool:
        """True while any axis moves."""
        now = self._clock()
        return any(axis.moving(now) for axis in self._axes.values())

    @property
    def busy_sockets(self) -> tuple[int, ...]:
        """Sockets holding a command that has not completed yet."""
        return tuple(sorted(self._running))

    # -- scenario set-up ------------------------------------------------------------------------------

    def set_position(self, *, pan: int | None = None, tilt: int | None = None, zoom: int | None = None) -> None:
        """Put the head somewhere at once, as if it had been moved there before the test."""
        now = self._clock()
        for name, value in (("pan", pan), ("tilt", tilt), ("zoom", zoom)):
            if value is not None:
                self._axes[name].place(float(value), now)

    def network_change(self) -> bytes:
        """The Network change frame (`z0 38 FF`) the camera sends at power-up or when the chain changes."""
        return bytes([self.header, 0x38, 0xFF])

    # -- protocol -------------------------------------------------------------------------------------

    def handle(self, packet: bytes) -> list[bytes]:
        """Answer one FF-terminated packet addressed to this camera: the frames it sends right away."""
        now = self._clock()
        out = self._complete_due(now)
        if len(packet) > MAX_PACKET:
            return [*out, self._error(0, LENGTH_ERROR)]
        if len(packet) < 3 or packet[-1] != 0xFF:
            return [*out, self._error(0, SYNTAX_ERROR)]
        kind, body = packet[1], packet[2:-1]
        if kind == 0x01 and body == b"\x00\x01":
            self.clear_interface()
            out.append(bytes([self.header, 0x50, 0xFF]))
        elif kind == 0x01:
            plan = self._parse_command(body, now)
            out += self._run(plan, now) if plan is not None else [self._error(0, SYNTAX_ERROR)]
        elif kind == 0x09:
            out.append(self._inquiry(body, now))
        elif kind & 0xF0 == 0x20 and not body:
            out.append(self._cancel(kind & 0x0F, now))
        else:
            out.append(self._error(0, SYNTAX_ERROR))
        return out

    def due(self) -> list[bytes]:
        """Completions of commands whose moves have ended by now; frees their sockets."""
        return self._complete_due(self._clock())

    def next_deadline(self) -> float | None:
        """Clock time at which the next running command ends, or None when no socket is busy."""
        ends = [self._end_of(cmd) for cmd in self._running.values()]
        return min(ends) if ends else None

    def clear_interface(self) -> None:
        """IF_Clear: empty both sockets and stop what they were moving; no Completion follows."""
        now = self._clock()
        for cmd in self._running.values():
            self._stop_owned(cmd, now)
        self._running.clear()

    # -- internals ------------------------------------------------------------------------------------

    def _frame(self, *body: int) -> bytes:
        return bytes([self.header, *body, 0xFF])

    def _error(self, socket: int, code: int) -> bytes:
        return self._frame(0x60 | socket, code)

    def _owned(self, cmd: _Running) -> list[Axis[_Running]]:
        return [axis for axis in self._axes.values() if axis.owner is cmd]

    def _end_of(self, cmd: _Running) -> float:
        return max((axis.end_time() for axis in self._owned(cmd)), default=float("-inf"))

    def _stop_owned(self, cmd: _Running, now: float) -> None:
        for axis in self._owned(cmd):
            axis.stop(now)

    def _release(self, cmd: _Running) -> list[bytes]:
        """Free a finished command's socket and its axes; its Completion unless the quirk hides it."""
        self._running.pop(cmd.socket, None)
        for axis in self._owned(cmd):
            axis.owner = None
        return [self._frame(0x50 | cmd.socket)] if cmd.completion else []

    def _complete_due(self, now: float) -> list[bytes]:
        finished = sorted(
            (cmd for cmd in self._running.values() if self._end_of(cmd) <= now),
            key=lambda cmd: (self._end_of(cmd), cmd.socket),
        )
        out: list[bytes] = []
        for cmd in finished:
            out += self._release(cmd)
        return out

    def _free_socket(self) -> int | None:
        return next((s for s in range(1, self.sockets + 1) if s not in self._running), None)

    def _run(self, plan: _Plan, now: float) -> list[bytes]:
        socket = self._free_socket()
        if socket is None:
            return [self._error(0, BUFFER_FULL)]
        if plan.needs_power and not self.power:
            return [self._error(socket, NOT_EXECUTABLE)]
        out = [self._frame(0x40 | socket)]
        cmd = _Running(socket, plan.completion)
        displaced: list[_Running] = []
        for name, (target, velocity) in plan.moves.items():
            axis = self._axes[name]
            if axis.owner is not None and axis.owner not in displaced:
                displaced.append(axis.owner)
            axis.move(target, velocity, now, cmd)
        if plan.effect is not None:
            plan.effect()
        for old in displaced:
            if not self._owned(old):
                out += self._release(old)
        if plan.holds_socket and self._end_of(cmd) > now:
            self._running[socket] = cmd
        else:
            if not plan.holds_socket:
                for axis in self._owned(cmd):
                    axis.owner = None
            out += self._release(cmd)
        return out

    def _parse_command(self, body: bytes, now: float) -> _Plan | None:
        if len(body) < 2:
            return None
        category, code, args = body[0], body[1], body[2:]
        if category == 0x04:
            return self._camera_command(code, args, now)
        if category == 0x06:
            return self._pan_tilt_command(code, args, now)
        return None

    def _stop_all(self, now: float) -> dict[str, tuple[float, float]]:
        return {name: (axis.position(now), 1.0) for name, axis in self._axes.items()}

    def _camera_command(self, code: int, args: bytes, now: float) -> _Plan | None:
        p = self.profile
        if code == 0x00 and args in (b"\x02", b"\x03"):
            on = args == b"\x02"

            def power() -> None:
                self.power = on

            return _Plan(moves={} if on else self._stop_all(now), needs_power=False, effect=power)
        if code == 0x07 and len(args) == 1:
            return self._zoom_drive(args[0], now)
        if code == 0x47 and len(args) == 4:
            value = _from_nibbles(args)
            if value is None or value not in p.zoom:
                return None
            return _Plan(moves={"zoom": (float(value), p.zoom_units_per_s)})
        if code == 0x3F and len(args) == 2 and args[0] in (0x00, 0x01, 0x02):
            return self._preset(args[0], args[1])
        return None

    def _zoom_drive(self, arg: int, now: float) -> _Plan | None:
        p = self.profile
        held = self.drives_hold_socket
        if arg == 0x00:
            return _Plan(moves={"zoom": (self._axes["zoom"].position(now), 1.0)}, holds_socket=held)
        if arg in (0x02, 0x03):
            fraction = 1.0
        elif arg >> 4 in (0x2, 0x3) and (arg & 0x0F) in p.zoom_speed:
            fraction = p.zoom_speed.fraction(arg & 0x0F)
        else:
            return None
        tele = arg == 0x02 or arg >> 4 == 0x2
        target = float(p.zoom.max if tele else p.zoom.min)
        return _Plan(moves={"zoom": (target, p.zoom_units_per_s * fraction)}, holds_socket=held)

    def _preset(self, op: int, number: int) -> _Plan | None:
        p = self.profile
        if number >= min(p.preset_count, 0x80):
            return None
        if op == 0x00:

            def forget() -> None:
                self.presets.pop(number, None)

            return _Plan(effect=forget)
        if op == 0x01:

            def store() -> None:
                self.presets[number] = (self.pan, self.tilt, self.zoom)

            return _Plan(effect=store)
        pan, tilt, zoom = self.presets.get(number, (0, 0, 0))
        return _Plan(
            moves={
                "pan": (float(pan), p.pan_units_per_s),
                "tilt": (float(tilt), p.tilt_units_per_s),
                "zoom": (float(zoom), p.zoom_units_per_s),
            },
            completion=not p.preset_recall_no_completion,
        )

    def _pan_tilt_command(self, code: int, args: bytes, now: float) -> _Plan | None:
        p = self.profile
        if code in (0x04, 0x05) and not args:
            return _Plan(moves={"pan": (0.0, p.pan_units_per_s), "tilt": (0.0, p.tilt_units_per_s)})
        if code == 0x01 and len(args) == 4:
            return self._pan_tilt_drive(args, now)
        if code not in (0x02, 0x03) or len(args) != 10:
            return None
        vv, ww = args[0], args[1]
        pan, tilt = _signed16(args[2:6]), _signed16(args[6:10])
        if vv not in p.pan_speed or ww not in p.tilt_speed or pan is None or tilt is None:
            return None
        if code == 0x03:
            pan += self.pan
            tilt += self.tilt
        if pan not in p.pan or tilt not in p.tilt:
            return None
        return _Plan(
            moves={
                "pan": (float(pan), p.pan_units_per_s * p.pan_speed.fraction(vv)),
                "tilt": (float(tilt), p.tilt_units_per_s * p.tilt_speed.fraction(ww)),
            }
        )

    def _pan_tilt_drive(self, args: bytes, now: float) -> _Plan | None:
        p = self.profile
        vv, ww, xx, yy = args
        if xx not in (1, 2, 3) or yy not in (1, 2, 3):
            return None
        if (xx != 3 and vv not in p.pan_speed) or (yy != 3 and ww not in p.tilt_speed):
            return None
        pan_axis, tilt_axis = self._axes["pan"], self._axes["tilt"]
        pan_target = {1: float(p.pan.min), 2: float(p.pan.max), 3: pan_axis.position(now)}[xx]
        tilt_target = {1: float(p.tilt.max), 2: float(p.tilt.min), 3: tilt_axis.position(now)}[yy]
        pan_speed = p.pan_units_per_s * p.pan_speed.fraction(vv) if xx != 3 else 1.0
        tilt_speed = p.tilt_units_per_s * p.tilt_speed.fraction(ww) if yy != 3 else 1.0
        return _Plan(
            moves={"pan": (pan_target, pan_speed), "tilt": (tilt_target, tilt_speed)},
            holds_socket=self.drives_hold_socket,
        )

    def _inquiry(self, body: bytes, now: float) -> bytes:
        p = self.profile
        if body == b"\x04\x00":
            return self._frame(0x50, 0x02 if self.power else 0x03)
        if body == b"\x04\x47":
            return self._frame(0x50, *nibbles(round(self._axes["zoom"].position(now))))
        if body == b"\x06\x12":
            pan = round(self._axes["pan"].position(now))
            tilt = round(self._axes["tilt"].position(now))
            return self._frame(0x50, *nibbles(pan), *nibbles(tilt))
        if body == b"\x00\x02":
            words = (p.vendor_id, p.model_id, p.rom)
            data = [byte for word in words for byte in word.to_bytes(2, "big")]
            return self._frame(0x50, *data, self.sockets)
        return self._error(0, SYNTAX_ERROR)

    def _cancel(self, socket: int, now: float) -> bytes:
        cmd = self._running.pop(socket, None)
        if cmd is None:
            return self._error(socket, NO_SOCKET)
        self._stop_owned(cmd, now)
        return self._error(socket, CANCELLED)
