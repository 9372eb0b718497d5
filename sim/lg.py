"""Simulated LG displays speaking the RS-232C ASCII protocol (docs/protocols.md 3.2), on a pty or TCP port.

Requests ``ka 01 01\\r`` (case-insensitive, set ID 00 = all); replies ``a 01 OK01x`` in lowercase hex with no
CR. Several sets may share one chain: each answers the requests with its set ID (00: every set obeys and each
answers with its own ID). Unknown commands and bad values get ``NG00``.

The model file's ``simulate:`` keys: ``reply_delay_ms`` (default 5), ``mute_on_code`` (the ``ke`` data for
"muted", default 0), ``input_command`` (``xb`` or ``kb``, the one the set knows; default ``xb``) and
``silent_in_standby`` (answer nothing but ``ka … 01`` while off; default false).
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any

from sim.endpoints import Endpoint, Session, TcpEndpoint
from sim.errors import SimConfigError
from sim.faults import Faults, LineFaults
from sim.registry import BuiltLine, DeviceSpec, register_family

REQUEST = re.compile(r"([a-z])([a-z]) ([0-9a-f]{2}) ([0-9a-f]{2})", re.IGNORECASE)
READ = 0xFF
ILLEGAL, WAIT = 0x00, 0x02
Writer = Callable[[bytes], None]


def reply_text(letter: str, set_id: int, ok: bool, value: int) -> bytes:
    """``a 01 OK01x``."""
    return f"{letter} {set_id:02x} {'OK' if ok else 'NG'}{value:02x}x".encode("ascii")


class LgSet:
    """One set's state and its answers to requests."""

    def __init__(
        self,
        set_id: int,
        inputs: list[int],
        volume_max: int = 100,
        *,
        mute_on_code: int = 0,
        input_command: str = "xb",
        silent_in_standby: bool = False,
    ) -> None:
        self.set_id = set_id
        self.inputs = inputs
        self.volume_max = volume_max
        self.mute_on_code = mute_on_code
        self.input_command = input_command
        self.silent_in_standby = silent_in_standby
        self.power = False
        self.volume = min(20, volume_max)
        self.mute = False
        self.input = inputs[0] if inputs else 0x90
        self.refusals: list[int] = []

    def handle(self, command: str, data: int) -> tuple[bool, int] | None:
        """(OK?, data) for one request, or None when the set stays silent."""
        if not self.power and self.silent_in_standby and (command, data) != ("ka", 1):
            return None
        if data != READ and self.refusals:
            return False, self.refusals.pop(0)
        mute_code = self.mute_on_code if self.mute else 1 - self.mute_on_code
        values = {"ka": int(self.power), "kf": self.volume, "ke": mute_code, self.input_command: self.input}
        if command not in values:
            return False, ILLEGAL
        if data == READ:
            return True, values[command]
        if command == "ka" and data in (0, 1):
            self.power = bool(data)
        elif command == "kf" and data <= self.volume_max:
            self.volume = data
        elif command == "ke" and data in (0, 1):
            self.mute = data == self.mute_on_code
        elif command == self.input_command and data in self.inputs:
            self.input = data
        else:
            return False, ILLEGAL
        return True, data


def garble(reply: bytes) -> bytes:
    """The set's corruption: OK and NG lose their second letter."""
    return reply.replace(b"OK", b"O?").replace(b"NG", b"N?")


class LgHandle(LineFaults):
    """A test's grip on one simulated set: its state, the remote control and the faults."""

    line: LgLine

    def __init__(self, line: LgLine, lg_set: LgSet, device_id: str | None = None) -> None:
        self.line = line
        self.set = lg_set
        self.device_id = device_id
        self.faults = Faults(garble=garble)
        self.requests: list[bytes] = []  # every request this set heard

    power = property(lambda self: self.set.power, doc="On (no warm-up).")
    volume = property(lambda self: self.set.volume, doc="Volume 0..100.")
    mute = property(lambda self: self.set.mute, doc="Audio muted.")

    @property
    def input_code(self) -> str:
        """The selected input as the two hex digits of ``xb``."""
        return f"{self.set.input:02x}"

    def press_power(self, on: bool) -> None:
        """The remote control's power key."""
        self.set.power = on

    def select_input(self, code: int) -> None:
        """The remote control's input key."""
        self.set.input = code

    def refuse_next(self, count: int = 1, code: int = ILLEGAL) -> None:
        """Answer the next ``count`` set commands with NG and ``code`` (02: wait)."""
        self.set.refusals.extend([code] * count)

    def set_silent_in_standby(self, silent: bool) -> None:
        """Whether the set answers nothing while off."""
        self.set.silent_in_standby = silent


class _Client:
    """One connection's line buffer and way back (the pty, or one TCP session)."""

    def __init__(self, line: LgLine, write: Writer) -> None:
        self.line = line
        self.write = write
        self._buf = bytearray()

    def received(self, data: bytes) -> None:
        self._buf.extend(data)
        while (end := self._buf.find(b"\r")) >= 0:
            text = bytes(self._buf[:end]).decode("ascii", "replace").strip()
            del self._buf[: end + 1]
            self.line.dispatch(text, self.write)
        del self._buf[:-256]  # no CR in sight: keep only a tail

    def lost(self) -> None:
        self._buf.clear()


class LgLine:
    """The sets behind one endpoint, with replies after ``reply_delay_ms``."""

    def __init__(self, endpoint: Endpoint, *, reply_delay_ms: float = 5) -> None:
        self.endpoint = endpoint
        self.reply_delay_s = reply_delay_ms / 1000
        self.sets: dict[int, LgHandle] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._ids = itertools.count()
        if isinstance(endpoint, TcpEndpoint):
            endpoint.serve_sessions(self._session)
        else:
            client = _Client(self, endpoint.write)
            endpoint.attach(client.received, client.lost)

    def add(self, lg_set: LgSet, device_id: str | None = None) -> LgHandle:
        """Put a set on the line; its ID must be free and 1..255."""
        if lg_set.set_id in self.sets or not 1 <= lg_set.set_id <= 0xFF:
            raise ValueError(f"set ID {lg_set.set_id} is taken or outside 1..255")
        self.sets[lg_set.set_id] = handle = LgHandle(self, lg_set, device_id)
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

    def _session(self, session: Session) -> _Client:
        return _Client(self, session.write)

    def dispatch(self, text: str, write: Writer) -> None:
        """Act on one request line and schedule the answers."""
        match = REQUEST.fullmatch(text)
        if match is None:
            return  # a set ignores what it cannot parse
        c1, c2, target_text, data_text = match.groups()
        command, target, data = (c1 + c2).lower(), int(target_text, 16), int(data_text, 16)
        handles = list(self.sets.values()) if target == 0 else [self.sets.get(target)]
        for handle in handles:
            if handle is None or handle.silent:
                continue
            handle.requests.append(text.encode("ascii", "replace"))
            answer = handle.set.handle(command, data)
            if answer is None:
                continue
            reply = reply_text(c2.lower(), handle.set.set_id, *answer)
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


def _setting(simulate: Mapping[str, Any], key: str, kinds: tuple[type[Any], ...], default: Any, where: str) -> Any:
    """One ``simulate:`` key of the expected type, or SimConfigError naming the file and the key."""
    value = simulate.get(key, default)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise SimConfigError(f"{where}: simulate.{key}: expected {' or '.join(k.__name__ for k in kinds)}")
    return value


def _lg_set(spec: DeviceSpec) -> LgSet:
    where = str(spec.model_file)
    simulate = spec.model.get("simulate") or {}
    inputs = spec.model.get("inputs") or {}
    volume = spec.model.get("volume") or {}
    if not isinstance(simulate, dict) or not isinstance(inputs, dict) or not isinstance(volume, dict):
        raise SimConfigError(f"{where}: simulate, inputs and volume must be mappings")
    try:
        codes = [int(str(code), 16) for code in inputs.values()]
    except ValueError:
        raise SimConfigError(f"{where}: inputs: every code must be two hex digits") from None
    mute_on = _setting(simulate, "mute_on_code", (int,), 0, where)
    command = _setting(simulate, "input_command", (str,), "xb", where)
    if mute_on not in (0, 1) or command not in ("xb", "kb"):
        raise SimConfigError(f"{where}: simulate: mute_on_code must be 0 or 1, input_command xb or kb")
    volume_max = volume.get("max", 100)
    return LgSet(
        spec.address if spec.address is not None else 1,
        codes,
        volume_max if isinstance(volume_max, int) else 100,
        mute_on_code=mute_on,
        input_command=command,
        silent_in_standby=_setting(simulate, "silent_in_standby", (bool,), False, where),
    )


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    """The room builder: one LgLine with a set per device spec (set ID = address, default 1)."""
    first = devices[0].model.get("simulate") or {}
    delay = _setting(first if isinstance(first, dict) else {}, "reply_delay_ms", (int, float), 5, "simulate")
    line = LgLine(endpoint, reply_delay_ms=delay)
    built = BuiltLine(line)
    for spec in devices:
        try:
            built.devices[spec.id] = line.add(_lg_set(spec), spec.id)
        except ValueError as exc:
            raise SimConfigError(f"device {spec.id!r}: {exc}") from exc
    return built


def register() -> None:
    """Teach the simulator the ``lg`` family (idempotent)."""
    register_family("lg", {"display"}, build_line)
