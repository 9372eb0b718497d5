"""PJLink class 2 for the simulated projector (docs/protocols-pjlink.md): its facts, its answers, its UDP port.

`Class2` holds what only class 2 reports (serial number, software version, input names, resolutions, filter
hours, replacement models, freeze) and answers the class 2 queries. `StatusPort` is the projector's UDP side:
it answers ``%2SRCH`` with ``%2ACKN=<MAC>`` and sends status notifications (``%2POWR=``, ``%2INPT=``,
``%2AVMT=``, ``%2ERST=``, ``%2LKUP=``) to the control PC that last connected over TCP, on its UDP
``notify_port`` (4352 on site; tests pick a free port).

Choices where the specification leaves room [U]: POWR is notified when the projector arrives on (1) or in
standby (0), not at the start of warm-up or cooling; LKUP is sent when the network comes back (replug) to the
last controller; the search port is a free one on 127.0.0.1 (a real projector listens on 4352).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.endpoints import bound_socket

STATUS_PORT = 4352


@dataclass
class Class2:
    """A class 2 projector's own facts and the freeze state."""

    serial: str = "SIM0001234"
    software: str = "1.00"
    input_names: dict[str, str] = field(default_factory=dict)  # input code -> terminal name
    resolution: str = "1920x1080"  # IRES: of the selected input ("-" no signal, "*" unknown)
    recommended: str = "1920x1200"  # RRES
    filter_hours: int = 0
    lamp_models: list[str] = field(default_factory=list)
    filter_models: list[str] = field(default_factory=list)
    mac: str = "00:1b:2c:3d:4e:5f"
    frozen: bool = False

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], inputs: Mapping[str, str]) -> Class2:
        """From a model's ``simulate:`` keys; input names default to the profile's names, upper-cased."""
        names = {code.upper(): name.upper().replace("_", " ") for name, code in inputs.items()}
        names.update({str(k).upper(): str(v) for k, v in (raw.get("input_names") or {}).items()})
        return cls(
            serial=str(raw.get("serial_number", cls.serial)),
            software=str(raw.get("software_version", cls.software)),
            input_names=names,
            filter_hours=int(raw.get("filter_hours", 0)),
            lamp_models=[str(m) for m in raw.get("lamp_models", [])],
            filter_models=[str(m) for m in raw.get("filter_models", [])],
            mac=str(raw.get("mac", cls.mac)).lower(),
        )

    def answer(self, body: str, param: str, power_state: str) -> str | None:
        """The answer to a class 2 command, or None when ``body`` is not one."""
        if body == "FREZ":
            if param == "?":
                return "1" if self.frozen else "0"
            if power_state != "on":
                return "ERR3"
            if param not in ("0", "1"):
                return "ERR2"
            self.frozen = param == "1"
            return "OK"
        if body in ("SVOL", "MVOL"):
            return "OK" if param in ("0", "1") else "ERR2"
        if body == "INNM":
            code = param[1:].upper() if param.startswith("?") else ""
            return self.input_names.get(code, "ERR2")
        if param != "?":
            return "ERR2" if body in ("SNUM", "SVER", "IRES", "RRES", "FILT", "RLMP", "RFIL") else None
        answers = {
            "SNUM": self.serial,
            "SVER": self.software,
            "IRES": self.resolution if power_state == "on" else "-",
            "RRES": self.recommended,
            "FILT": str(self.filter_hours),
            "RLMP": " ".join(self.lamp_models),
            "RFIL": " ".join(self.filter_models),
        }
        return answers.get(body)


class StatusPort:
    """The projector's UDP side: search answers, and notifications to the last TCP controller."""

    def __init__(self, facts: Class2, notify_port: int = STATUS_PORT, host: str = "127.0.0.1") -> None:
        self.facts = facts
        self.host = host  # the projector's address: notifications and search answers come from it
        self.notify_port = notify_port
        self.controller: str | None = None  # the IP of the last TCP client
        self.sent: list[bytes] = []  # every notification sent, for tests
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def port(self) -> int:
        """The UDP port the projector answers searches on (0 while closed)."""
        return self._sock.getsockname()[1] if self._sock is not None else 0

    def open(self) -> None:
        if self._sock is None:
            self._sock = bound_socket(socket.SOCK_DGRAM, self.host, 0)
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self._sock.fileno(), self._readable)

    def close(self) -> None:
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
        self._sock = None

    def notify(self, body: str, param: str) -> None:
        """``%2BODY=param`` to the controller's notify port, when a controller is known."""
        if self._sock is None or self.controller is None or self.notify_port == 0:
            return
        line = f"%2{body}={param}\r".encode("ascii")
        self.sent.append(line)
        with contextlib.suppress(OSError):  # nobody listening: UDP notifications are fire-and-forget
            self._sock.sendto(line, (self.controller, self.notify_port))

    def _readable(self) -> None:
        assert self._sock is not None
        try:
            data, addr = self._sock.recvfrom(512)
        except OSError:
            return
        if data.strip(b"\r\n") == b"%2SRCH":
            self._sock.sendto(f"%2ACKN={self.facts.mac}\r".encode("ascii"), addr)
