"""Simulated Samsung displays speaking MDC (docs/protocols-samsung-mdc.md), on a pty or a TCP port.

Several displays may share one line (an RS-232 daisy chain, or a networked display passing frames down its
RS-232 out): a request reaches the display whose ID it carries, and only that display answers. Display ID
0xFE is "all": every display obeys and none answers. Frames with a bad checksum are ignored.

The model file's ``simulate:`` keys: ``reply_delay_ms`` (default 5), ``nak_code`` (the error byte of a NAK,
default 1), ``tls_banner`` (secured MDC on TCP: greet every client with ``MDCSTART<<TLS>>``, then TLS and the
PIN login of sim/samsung_mdc_tls.py; plain bytes instead of TLS are hung up on; default false) and ``pin``
(default "0000"). A room device with ``options.pin_file`` makes its display secured with that PIN, as the
technician sets the display's menu.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sim.endpoints import Endpoint, Session, TcpEndpoint
from sim.errors import SimConfigError
from sim.faults import Faults, LineFaults
from sim.registry import BuiltLine, DeviceSpec, register_family
from sim.samsung_mdc_tls import Certificate, PinLock, SecuredSession

HEADER, REPLY, ACK, NAK = 0xAA, 0xFF, 0x41, 0x4E
ALL = 0xFE
STATUS, POWER, VOLUME, MUTE, INPUT = 0x00, 0x11, 0x12, 0x13, 0x14
Writer = Callable[[bytes], None]


def mdc_sum(body: bytes | bytearray) -> int:
    """Checksum: the bytes after AA added up, mod 256."""
    return sum(body) % 256


def reply_frame(display_id: int, ack: bool, command: int, values: bytes) -> bytes:
    """``AA FF id len A|N rcmd values cs``."""
    body = bytes([REPLY, display_id, 2 + len(values), ACK if ack else NAK, command]) + values
    return bytes([HEADER]) + body + bytes([mdc_sum(body)])


class RequestFramer:
    """Cuts ``AA cmd id len data cs`` requests out of a byte stream; a bad checksum drops only the AA."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def reset(self) -> None:
        """Forget a partial request."""
        self._buf.clear()

    def feed(self, data: bytes) -> list[bytes]:
        """The good requests completed by ``data``."""
        buf = self._buf
        buf.extend(data)
        frames: list[bytes] = []
        while True:
            start = buf.find(HEADER)
            if start < 0:
                buf.clear()
                return frames
            del buf[:start]
            if len(buf) < 4 or len(buf) < buf[3] + 5:
                return frames
            size = buf[3] + 5
            if mdc_sum(buf[1 : size - 1]) == buf[size - 1]:
                frames.append(bytes(buf[:size]))
                del buf[:size]
            else:
                self.dropped += 1
                del buf[:1]


class MdcDisplay:
    """One display's state and its answers to requests."""

    def __init__(self, display_id: int, inputs: list[int], volume_max: int = 100, nak_code: int = 1) -> None:
        self.display_id = display_id
        self.inputs = inputs
        self.volume_max = volume_max
        self.nak_code = nak_code
        self.power = False
        self.volume = min(20, volume_max)
        self.mute = False
        self.input = inputs[0] if inputs else 0x21
        self.aspect = 0x10
        self.refusals = 0

    def handle(self, command: int, data: bytes) -> tuple[bool, bytes]:
        """(ACK?, values) for one request."""
        if data and self.refusals:
            self.refusals -= 1
            return False, bytes([self.nak_code])
        if command == STATUS and not data:
            values = [int(self.power), self.volume, int(self.mute), self.input, self.aspect, 0, 0]
            return True, bytes(values)
        getters = {POWER: int(self.power), VOLUME: self.volume, MUTE: int(self.mute), INPUT: self.input}
        if command not in getters:
            return False, bytes([self.nak_code])
        if not data:
            return True, bytes([getters[command]])
        value = data[0]
        if len(data) != 1 or not self._set(command, value):
            return False, bytes([self.nak_code])
        return True, bytes([value])

    def _set(self, command: int, value: int) -> bool:
        if command == POWER and value in (0, 1, 2):
            self.power = value != 0  # 02 reboots: on again
        elif command == VOLUME and value <= self.volume_max:
            self.volume = value
        elif command == MUTE and value in (0, 1):
            self.mute = bool(value)
        elif command == INPUT and value in self.inputs:
            self.input = value
        else:
            return False
        return True


def garble(reply: bytes) -> bytes:
    """The display's corruption: a wrong checksum."""
    return reply[:-1] + bytes([reply[-1] ^ 0x5A])


class MdcHandle(LineFaults):
    """A test's grip on one simulated display: its state, the remote control and the faults."""

    line: MdcLine

    def __init__(self, line: MdcLine, display: MdcDisplay, device_id: str | None = None) -> None:
        self.line = line
        self.display = display
        self.device_id = device_id
        self.faults = Faults(garble=garble)
        self.requests: list[bytes] = []  # every good request addressed to this display

    power = property(lambda self: self.display.power, doc="On (the display has no warm-up).")
    volume = property(lambda self: self.display.volume, doc="Volume 0..100.")
    mute = property(lambda self: self.display.mute, doc="Audio muted.")

    @property
    def input_code(self) -> str:
        """The selected input source byte as two hex digits."""
        return f"{self.display.input:02X}"

    def press_power(self, on: bool) -> None:
        """The remote control's power key."""
        self.display.power = on

    def select_input(self, code: int) -> None:
        """The remote control's source key."""
        self.display.input = code

    def refuse_next(self, count: int = 1, code: int | None = None) -> None:
        """NAK the next ``count`` set commands (with ``code``, default the model's ``nak_code``)."""
        self.display.refusals += count
        if code is not None:
            self.display.nak_code = code

    def set_tls(self, on: bool) -> None:
        """Secured network firmware: new TCP clients get MDCSTART<<TLS>>, then TLS and the PIN login."""
        self.line.tls = on

    def set_pin(self, pin: str) -> None:
        """The PIN set in the display's menu (it also lifts a block after too many wrong PINs)."""
        self.line.lock.pin = pin
        self.line.lock.wrong = 0

    @property
    def pin_blocked(self) -> bool:
        """Too many wrong PINs in a row: every login is refused with MDCAUTH<<FAIL:0002>>."""
        return self.line.lock.blocked


class _Client:
    """One connection's framer and way back (the pty, or one TCP session)."""

    def __init__(self, line: MdcLine, write: Writer, session: Session | None = None) -> None:
        self.line = line
        self.write = write
        self.session = session
        self.framer = RequestFramer()

    def received(self, data: bytes) -> None:
        for frame in self.framer.feed(data):
            self.line.dispatch(frame, self.write)

    def lost(self) -> None:
        self.framer.reset()


class _SecuredClient:
    """One TCP client of a display in secured mode: TLS and the PIN first, then MDC inside TLS."""

    def __init__(self, line: MdcLine, session: Session) -> None:
        self.mdc = _Client(line, self._send, session)
        self.tls = SecuredSession(line.certificate(), line.lock, session.write, session.close, self.mdc.received)

    def _send(self, data: bytes) -> None:
        self.tls.send(data)

    def received(self, data: bytes) -> None:
        self.tls.received(data)

    def lost(self) -> None:
        self.mdc.lost()


class MdcLine:
    """The displays behind one endpoint, with replies after ``reply_delay_ms``."""

    def __init__(self, endpoint: Endpoint, *, reply_delay_ms: float = 5, tls: bool = False, pin: str = "0000") -> None:
        self.endpoint = endpoint
        self.reply_delay_s = reply_delay_ms / 1000
        self.tls = tls
        self.lock = PinLock(pin)
        self._certificate: Certificate | None = None
        self.displays: dict[int, MdcHandle] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._ids = itertools.count()
        if isinstance(endpoint, TcpEndpoint):
            endpoint.serve_sessions(self._session)
        else:
            client = _Client(self, endpoint.write)
            endpoint.attach(client.received, client.lost)

    def add(self, display: MdcDisplay, device_id: str | None = None) -> MdcHandle:
        """Put a display on the line; its ID must be free and not 0xFE."""
        if display.display_id in self.displays or not 0 <= display.display_id < ALL:
            raise ValueError(f"display ID {display.display_id} is taken or outside 0..253")
        self.displays[display.display_id] = handle = MdcHandle(self, display, device_id)
        return handle

    def open(self) -> None:
        """Start serving."""
        self.endpoint.open()

    def close(self) -> None:
        """Stop serving; pending replies are dropped."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self.endpoint.close()
        if self._certificate is not None:
            self._certificate.remove()
            self._certificate = None

    def certificate(self) -> Certificate:
        """The line's throw-away TLS certificate, made at the first secured connection."""
        if self._certificate is None:
            self._certificate = Certificate()
        return self._certificate

    @property
    def certificate_der(self) -> bytes | None:
        """The certificate clients see (DER), once made."""
        return self._certificate.der if self._certificate is not None else None

    def _session(self, session: Session) -> _Client | _SecuredClient:
        if self.tls:
            return _SecuredClient(self, session)
        return _Client(self, session.write, session)

    def dispatch(self, frame: bytes, write: Writer) -> None:
        """Act on one good request and schedule the answer."""
        command, target, data = frame[1], frame[2], frame[4:-1]
        handles = list(self.displays.values()) if target == ALL else [self.displays.get(target)]
        for handle in handles:
            if handle is None or handle.silent:
                continue
            handle.requests.append(frame)
            ack, values = handle.display.handle(command, data)
            if target == ALL:
                continue
            reply = reply_frame(target, ack, command, values)
            self._send(handle.faults.garbled(reply), write)

    def _send(self, reply: bytes, write: Writer) -> None:
        if self.reply_delay_s <= 0:
            write(reply)
            return
        key = next(self._ids)

        def fire() -> None:
            self._timers.pop(key, None)
            write(reply)

        self._timers[key] = asyncio.get_running_loop().call_later(self.reply_delay_s, fire)


def _setting(
    simulate: Mapping[str, Any], key: str, kind: type[Any] | tuple[type[Any], ...], default: Any, where: str
) -> Any:
    """One ``simulate:`` key of the expected type, or SimConfigError naming the file and the key."""
    value = simulate.get(key, default)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise SimConfigError(f"{where}: simulate.{key}: expected {names}, got {value!r}")
    return value


def model_inputs(model: Mapping[str, Any], where: str) -> list[int]:
    """The model's input source bytes, in file order."""
    inputs = model.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise SimConfigError(f"{where}: inputs: expected a mapping")
    codes = []
    for name, code in inputs.items():
        try:
            codes.append(int(str(code), 16))
        except ValueError:
            raise SimConfigError(f"{where}: inputs.{name}: {code!r} is not hex") from None
    return codes


def _room_pin(spec: DeviceSpec) -> str | None:
    """The PIN in the room device's ``options.pin_file`` (first line), as set in the display's menu."""
    path = spec.options.get("pin_file")
    if path is None:
        return None
    try:
        lines = Path(str(path)).read_text(encoding="utf-8").strip().splitlines()
    except OSError as exc:
        raise SimConfigError(f"device {spec.id!r}: options.pin_file: cannot read {path}: {exc.strerror}") from None
    return lines[0].strip() if lines else None


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    """The room builder: one MdcLine with a display per device spec (MDC ID = address, default 1)."""
    def simulate_of(spec: DeviceSpec) -> Mapping[str, Any]:
        simulate = spec.model.get("simulate") or {}
        if not isinstance(simulate, dict):
            raise SimConfigError(f"{spec.model_file}: simulate: expected a mapping")
        return simulate

    first = simulate_of(devices[0])
    where = str(devices[0].model_file)
    line = MdcLine(
        endpoint,
        reply_delay_ms=_setting(first, "reply_delay_ms", (int, float), 5, where),
        tls=_setting(first, "tls_banner", bool, False, where) or _room_pin(devices[0]) is not None,
        pin=_room_pin(devices[0]) or _setting(first, "pin", str, "0000", where),
    )
    built = BuiltLine(line)
    for spec in devices:
        where = str(spec.model_file)
        volume = spec.model.get("volume") or {}
        volume_max = volume.get("max", 100) if isinstance(volume, dict) else 100
        display = MdcDisplay(
            spec.address if spec.address is not None else 1,
            model_inputs(spec.model, where),
            volume_max if isinstance(volume_max, int) else 100,
            _setting(simulate_of(spec), "nak_code", int, 1, where),
        )
        try:
            built.devices[spec.id] = line.add(display, spec.id)
        except ValueError as exc:
            raise SimConfigError(f"device {spec.id!r}: {exc}") from exc
    return built


def register() -> None:
    """Teach the simulator the ``samsung_mdc`` family (idempotent)."""
    register_family("samsung_mdc", {"display"}, build_line)
