"""Fault control of a running simulated room, from another process: `courtroom sim ROOM --control PORT` and
`courtroom sim-fault DEVICE FAULT [ARG...]`.

A loopback TCP service: one JSON request a line, ``{"device": id, "fault": name, "args": [...]}`` (or
``{"list": true}``), one JSON reply a line, ``{"ok": true, "device": ..., "fault": ...}`` or ``{"ok": false,
"error": "..."}``. Tests, the demo and a technician break a device of a simulated room as they would pull a
cable or hang a device on site, while the daemon runs against it in its own process.

The vocabulary is one for every device: the faults of its handle's base (sim/faults.py), called directly:

- ``unplug`` / ``replug``: the device's port vanishes and comes back under the same name (every device of a
  shared line goes with it, but a camera of a VISCA chain or a Pelco dome, which leaves the line alone: for
  such a device ``unplug_line`` / ``replug_line`` pull and put back its whole line's adapter);
- ``silent`` / ``resume``: the device stops answering (hung firmware) and answers again;
- ``garble [N]``: its next N replies (default 1) have corrupted bytes;
- ``slow SECONDS``: every reply on its port comes that late (0: on time again);

and what the device's class offers: ``press_power on|off`` (a display's remote), ``press_stop`` and
``set_remote on|off`` and ``set_disk present|absent [SECONDS]`` (a recorder's front panel and disk),
``press SEAT`` / ``release SEAT`` / ``request SEAT`` (a delegate's microphone button), ``turn_knob TAG INDEX DB``
(a DSP level changed from a wall panel).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any, Protocol

from sim.errors import SimError
from sim.faults import FaultHandle

MAX_LINE = 4096


class _Room(Protocol):
    @property
    def device_ids(self) -> list[str]: ...

    def device(self, device_id: str) -> object: ...


def _flag(word: str) -> bool:
    value = word.lower()
    if value in ("on", "true", "1", "yes", "present"):
        return True
    if value in ("off", "false", "0", "no", "absent"):
        return False
    raise SimError(f"'{word}' is not on/off")


def _int(word: str) -> int:
    try:
        return int(word)
    except ValueError:
        raise SimError(f"'{word}' is not a whole number") from None


def _garble(handle: FaultHandle, args: list[str]) -> None:
    handle.garble(_int(args[0]) if args else 1)


def _slow(handle: FaultHandle, args: list[str]) -> None:
    try:
        delay_s = float(args[0])
    except ValueError:
        raise SimError(f"'{args[0]}' is not a delay in seconds") from None
    handle.slow(delay_s)


def _set_disk(handle: Any, args: list[str]) -> None:
    handle.set_disk(_flag(args[0]), _int(args[1]) if len(args) > 1 else None)


def _turn_knob(handle: Any, args: list[str]) -> None:
    try:
        level = float(args[2])
    except ValueError:
        raise SimError(f"'{args[2]}' is not a level in dB") from None
    handle.turn_knob(args[0], _int(args[1]), level)


Range = tuple[int, int]  # how many arguments: (least, most)

COMMON: dict[str, tuple[Range, Callable[[FaultHandle, list[str]], None]]] = {
    "unplug": ((0, 0), lambda h, a: h.unplug()),
    "replug": ((0, 0), lambda h, a: h.replug()),
    "silent": ((0, 0), lambda h, a: h.fall_silent()),
    "resume": ((0, 0), lambda h, a: h.resume()),
    "garble": ((0, 1), _garble),
    "slow": ((1, 1), _slow),
}
"""The faults of sim/faults.py's FaultHandle, called as they are (a device offers those its handle shows)."""

# a class's own fault -> (the method of sim/handles.py the handle has, how many arguments, what to do)
OWN: dict[str, tuple[str, Range, Callable[[Any, list[str]], None]]] = {
    "press_power": ("press_power", (1, 1), lambda h, a: h.press_power(_flag(a[0]))),
    "press_stop": ("press_stop", (0, 0), lambda h, a: h.press_stop()),
    "set_remote": ("set_remote", (1, 1), lambda h, a: h.set_remote(_flag(a[0]))),
    "set_disk": ("set_disk", (1, 2), _set_disk),
    "press": ("press", (1, 1), lambda h, a: h.press(_int(a[0]))),
    "release": ("release", (1, 1), lambda h, a: h.release(_int(a[0]))),
    "request": ("request", (1, 1), lambda h, a: h.request(_int(a[0]))),
    "turn_knob": ("turn_knob", (3, 3), _turn_knob),
    "unplug_line": ("unplug_line", (0, 0), lambda h, a: h.unplug_line()),
    "replug_line": ("replug_line", (0, 0), lambda h, a: h.replug_line()),
}
FAULTS = [*COMMON, *OWN]


def faults_of(handle: object) -> list[str]:
    """The faults a device's handle offers."""
    common = handle.offers() if isinstance(handle, FaultHandle) else []
    return [*common, *(name for name, (method, _, _) in OWN.items() if hasattr(handle, method))]


def apply_fault(room: _Room, device_id: str, fault: str, args: list[str]) -> None:
    """Break (or mend) one device; SimError naming what was wrong."""
    try:
        handle = room.device(device_id)
    except KeyError:
        raise SimError(f"no simulated device '{device_id}' (devices: {', '.join(room.device_ids)})") from None
    if fault not in FAULTS:
        raise SimError(f"unknown fault '{fault}' (faults: {', '.join(FAULTS)})")
    if fault not in faults_of(handle):
        raise SimError(f"{device_id} has no fault '{fault}' (it offers: {', '.join(faults_of(handle))})")
    if fault in COMMON:
        (least, most), common = COMMON[fault]
        _count(fault, args, least, most)
        assert isinstance(handle, FaultHandle)  # faults_of offers a common fault only on one
        common(handle, args)
        return
    _, (least, most), own = OWN[fault]
    _count(fault, args, least, most)
    own(handle, args)


def _count(fault: str, args: list[str], least: int, most: int) -> None:
    if not least <= len(args) <= most:
        raise SimError(f"{fault} takes {least}-{most} arguments, not {len(args)}")


class FaultControl:
    """The control service of one simulated room, on a loopback port."""

    def __init__(self, room: _Room, port: int = 0) -> None:
        self.room = room
        self.port = port
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Listen; returns the port (a free one when asked for 0)."""
        try:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, limit=MAX_LINE)
        except OSError as exc:
            raise SimError(f"fault control: cannot listen on 127.0.0.1:{self.port}: {exc}") from None
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._clients):
                task.cancel()
            await asyncio.gather(*self._clients, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        try:
            while line := await reader.readline():
                writer.write(json.dumps(self.handle(line), ensure_ascii=False).encode() + b"\n")
                await writer.drain()
        except (ValueError, ConnectionError):  # a line over MAX_LINE, or the client went away
            pass
        finally:
            self._clients.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def handle(self, line: bytes) -> dict[str, Any]:
        """One request line -> its reply."""
        try:
            request = json.loads(line)
        except ValueError as exc:
            return {"ok": False, "error": f"not a JSON request: {exc}"}
        if not isinstance(request, dict):
            return {"ok": False, "error": "a request is a JSON object"}
        if request.get("list"):
            return {"ok": True, "devices": {d: faults_of(self.room.device(d)) for d in self.room.device_ids}}
        device, fault, args = request.get("device"), request.get("fault"), request.get("args", [])
        if not isinstance(device, str) or not isinstance(fault, str):
            return {"ok": False, "error": "a request names a 'device' and a 'fault' (strings)"}
        if not isinstance(args, list) or not all(isinstance(a, (str, int, float)) for a in args):
            return {"ok": False, "error": "'args' is a list of words or numbers"}
        try:
            apply_fault(self.room, device, fault, [str(a) for a in args])
        except SimError as exc:
            return {"ok": False, "device": device, "fault": fault, "error": str(exc)}
        return {"ok": True, "device": device, "fault": fault}


async def send(port: int, request: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """One request to the control service of a running simulator; SimError when it cannot be reached."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(json.dumps(request, ensure_ascii=False).encode() + b"\n")
                await writer.drain()
                line = await reader.readline()
            finally:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
    except (OSError, TimeoutError) as exc:
        raise SimError(f"no simulator fault control on 127.0.0.1:{port} ({exc or 'no answer'})") from None
    try:
        reply = json.loads(line)
    except ValueError:
        raise SimError(f"the fault control on port {port} answered {line[:80]!r}") from None
    if not isinstance(reply, dict):
        raise SimError(f"the fault control on port {port} answered {line[:80]!r}")
    return reply
