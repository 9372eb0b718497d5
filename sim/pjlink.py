"""A simulated PJLink class 1 or 2 projector (docs/protocols-pjlink.md) on a per-connection TCP endpoint.

Each connection is greeted ``PJLINK 0`` or, when the room config's device options give a password
(``password_file``, or ``password`` for tests), ``PJLINK 1 <seed>``; the first line must then start with
``md5_hex(seed + password)``, else ``PJLINK ERRA`` and the connection is closed. A connection idle for
``idle_drop_s`` is closed, as projectors do. Power goes through warm-up and cooling (``warmup_s`` and
``cooldown_s`` from the model's ``simulate:``). Choices where the reference is silent: INPT and AVMT answer
ERR3 unless the projector is on; POWR 0 answers ERR3 during warm-up and POWR 1 during cooling; POWR 1
answers ERR4 while the lamp has failed. A class 2 projector (``simulate.pjlink_class: 2``) also answers ``%2``
commands and has a UDP status port (sim/pjlink_class2.py) that notifies the last TCP controller.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable, Mapping

from sim.endpoints import Session, TcpEndpoint
from sim.faults import FaultHandle, Faults, Pluggable
from sim.pjlink_class2 import STATUS_PORT, Class2, StatusPort

ERROR_FIELDS = ("fan", "lamp", "temperature", "cover", "filter", "other")
LEVELS = {"ok": "0", "warning": "1", "error": "2"}
POWER_CODES = {"off": "0", "on": "1", "cooling": "2", "warming": "3"}


def garble(line: bytes) -> bytes:
    """Default corruption of one reply: every byte but the CR gets its top bit set (no longer ASCII)."""
    return bytes(b | 0x80 for b in line[:-1]) + b"\r"


class Projector(FaultHandle):
    """The projector's state, shared by every connection, and the test handle (DisplayHandle)."""

    def __init__(
        self,
        endpoint: TcpEndpoint,
        *,
        inputs: Mapping[str, str],
        password: str | None = None,
        warmup_s: float = 0.3,
        cooldown_s: float = 0.3,
        idle_drop_s: float = 30.0,
        lamp_hours: int = 0,
        name: str = "Projector",
        manufacturer: str = "SIM",
        product: str = "PJLink projector",
        clock: Callable[[], float] = time.monotonic,
        class2: Class2 | None = None,
        notify_port: int = STATUS_PORT,
    ) -> None:
        self.endpoint = endpoint
        self.inputs = {code.upper() for code in inputs.values()} or {"11", "31"}
        self.password = password
        self.warmup_s = warmup_s
        self.cooldown_s = cooldown_s
        self.idle_drop_s = idle_drop_s
        self.lamp_hours = lamp_hours
        self.name, self.manufacturer, self.product = name, manufacturer, product
        self.clock = clock
        self.errors = dict.fromkeys(ERROR_FIELDS, "ok")
        self.lamp_failed = False
        self.faults = Faults(garble=garble)  # silent: no greeting, no replies
        self.received: list[bytes] = []  # every line a client sent, for tests
        self._input = sorted(self.inputs)[0]
        self._avmt = "30"
        self._phase = "off"
        self._phase_until = 0.0
        self.hang_ups = 0
        self.class2 = class2  # None: a class 1 projector
        self.status = StatusPort(class2 or Class2(), notify_port)
        self._settle_timer: asyncio.TimerHandle | None = None
        endpoint.serve_sessions(self._session)

    @property
    def klass(self) -> int:
        """The PJLink class the projector answers CLSS with."""
        return 1 if self.class2 is None else 2

    # -- line (SimLine) --------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.endpoint.url

    def open(self) -> None:
        self.endpoint.open()
        if self.class2 is not None:
            self.status.host = self.endpoint.host
            self.status.open()

    def close(self) -> None:
        if self._settle_timer is not None:
            self._settle_timer.cancel()
        self.status.close()
        self.endpoint.close()

    def _session(self, session: Session) -> _Connection:
        return _Connection(self, session)

    # -- DisplayHandle ---------------------------------------------------------------------------------------
    @property
    def power_state(self) -> str:
        """``off``, ``warming``, ``on`` or ``cooling`` (warm-up and cooling end on their own)."""
        if self._phase in ("warming", "cooling") and self.clock() >= self._phase_until:
            self._phase = "on" if self._phase == "warming" else "off"
        return self._phase

    @property
    def power(self) -> bool:
        return self.power_state in ("on", "warming")

    @property
    def input_code(self) -> str:
        return self._input

    @property
    def volume(self) -> int:
        return 0  # class 1 has no volume

    @property
    def mute(self) -> bool:
        return self._avmt in ("21", "31")

    @property
    def av_mute(self) -> bool:
        """The picture is blanked (AVMT 11 or 31)."""
        return self._avmt in ("11", "31")

    def press_power(self, on: bool) -> None:
        """The remote control's power key: warm up from standby, or cool down when on."""
        state = self.power_state
        if on and state in ("off", "cooling") and not self.lamp_failed:
            self._start("warming", self.warmup_s)
        elif not on and state in ("on", "warming"):
            self._start("cooling", self.cooldown_s)

    # -- family test API -------------------------------------------------------------------------------------
    def set_warmup(self, warmup_s: float, cooldown_s: float | None = None) -> None:
        """Change the warm-up (and cooling) time for the next power changes."""
        self.warmup_s = warmup_s
        if cooldown_s is not None:
            self.cooldown_s = cooldown_s

    def lamp_failure(self, failed: bool = True) -> None:
        """The lamp dies (ERST lamp error, LAMP unlit, the projector cools down) or is replaced."""
        self.lamp_failed = failed
        self.errors["lamp"] = "error" if failed else "ok"
        self._notify_errors()
        if failed and self.power_state in ("on", "warming"):
            self._start("cooling", self.cooldown_s)

    def set_error(self, name: str, level: str) -> None:
        """Set one ERST field (fan, lamp, temperature, cover, filter, other) to ok, warning or error."""
        if name not in self.errors or level not in LEVELS:
            raise ValueError(f"{name}={level}: expected one of {ERROR_FIELDS} and ok|warning|error")
        self.errors[name] = level
        self._notify_errors()

    def select_input(self, code: str) -> None:
        """The remote control's source key (class 2 notifies it)."""
        self._input = code.upper()
        self.status.notify("INPT", self._input)

    def _notify_errors(self) -> None:
        self.status.notify("ERST", "".join(LEVELS[self.errors[name]] for name in ERROR_FIELDS))

    def hang_up_on_next(self, count: int = 1) -> None:
        """Close the connection instead of answering the next ``count`` requests (an idle drop racing a command)."""
        self.hang_ups += count

    def set_idle_drop(self, seconds: float) -> None:
        """Hang up connections idle for ``seconds`` (applies to the next received line's timer)."""
        self.idle_drop_s = seconds

    # -- faults ----------------------------------------------------------------------------------------------
    @property
    def port(self) -> Pluggable:
        return self.endpoint

    def replug(self) -> None:
        """The port comes back, and a class 2 projector says so (LKUP)."""
        super().replug()
        self.status.notify("LKUP", self.status.facts.mac)  # the network is back

    # -- protocol --------------------------------------------------------------------------------------------
    def _start(self, phase: str, seconds: float) -> None:
        self._phase, self._phase_until = phase, self.clock() + seconds
        if self._settle_timer is not None:
            self._settle_timer.cancel()
            self._settle_timer = None
        if seconds <= 0:
            self._settled()
        elif self.class2 is not None:
            self._settle_timer = asyncio.get_running_loop().call_later(seconds, self._settled)

    def _settled(self) -> None:
        """Warm-up or cooling is over: a class 2 projector notifies that it is on, or in standby."""
        self._settle_timer = None
        state = self.power_state
        if state in ("on", "off"):
            self.status.notify("POWR", POWER_CODES[state])

    def reply(self, line: bytes) -> bytes:
        """The reply line (with CR) to one request line (without CR)."""
        self.received.append(line)
        text = line.decode("ascii", "replace")
        body = text[2:6].upper() if len(text) >= 6 else "????"
        klass = 2 if text.startswith("%2") else 1
        if not text.startswith(("%1", "%2")) or len(text) < 8 or text[6] != " ":
            return f"%{klass}{body}=ERR1\r".encode()
        param = text[7:]
        if klass == 2:
            found = self.class2.answer(body, param, self.power_state) if self.class2 is not None else "ERR1"
            answer = self._answer(body, param) if found is None else found  # class 1 commands work with %2 too
        else:
            answer = self._answer(body, param)
        out = f"%{klass}{body}={answer}\r".encode("ascii", "replace")
        return self.faults.garbled(out)

    def _answer(self, body: str, param: str) -> str:
        state = self.power_state
        if body == "POWR":
            if param == "?":
                return POWER_CODES[state]
            if param == "1":
                if self.lamp_failed:
                    return "ERR4"
                if state == "cooling":
                    return "ERR3"
                if state == "off":
                    self._start("warming", self.warmup_s)
                return "OK"
            if param == "0":
                if state == "warming":
                    return "ERR3"
                if state == "on":
                    self._start("cooling", self.cooldown_s)
                return "OK"
            return "ERR2"
        if body == "INPT":
            if state != "on":
                return "ERR3"
            if param == "?":
                return self._input
            if param.upper() not in self.inputs:
                return "ERR2"
            self._input = param.upper()
            self.status.notify("INPT", self._input)
            return "OK"
        if body == "AVMT":
            if state != "on":
                return "ERR3"
            if param == "?":
                return self._avmt
            if len(param) != 2 or param[0] not in "123" or param[1] not in "01":
                return "ERR2"
            self._avmt = self._mute_code(param)
            self.status.notify("AVMT", self._avmt)
            return "OK"
        if param != "?":
            return "ERR2" if body in ("ERST", "LAMP", "NAME", "INF1", "INF2", "INFO", "CLSS", "INST") else "ERR1"
        queries: dict[str, Callable[[], str]] = {
            "ERST": lambda: "".join(LEVELS[self.errors[name]] for name in ERROR_FIELDS),
            "LAMP": lambda: f"{self.lamp_hours} {1 if state in ('on', 'warming') and not self.lamp_failed else 0}",
            "NAME": lambda: self.name,
            "INF1": lambda: self.manufacturer,
            "INF2": lambda: self.product,
            "INFO": lambda: "simulated",
            "CLSS": lambda: str(self.klass),
            "INST": lambda: " ".join(sorted(self.inputs)),
        }
        answer = queries.get(body)
        return answer() if answer is not None else "ERR1"

    def _mute_code(self, param: str) -> str:
        """The AVMT state after a set: picture (1) and sound (2) are muted or shown independently."""
        video, audio = self._avmt in ("11", "31"), self._avmt in ("21", "31")
        on = param[1] == "1"
        if param[0] in "13":
            video = on
        if param[0] in "23":
            audio = on
        if video and audio:
            return "31"
        return "11" if video else "21" if audio else "30"


class _Connection:
    """One client: greeting, login, lines, idle hang-up."""

    def __init__(self, projector: Projector, session: Session) -> None:
        self.projector = projector
        self.session = session
        self.buf = b""
        self.seed: str | None = None
        self.authenticated = projector.password is None
        self._idle: asyncio.TimerHandle | None = None
        projector.status.controller = session.peer.rpartition(":")[0]  # notifications go to the last controller
        if projector.silent:
            return
        if projector.password is None:
            session.write(b"PJLINK 0\r")
        else:
            self.seed = secrets.token_hex(4)
            session.write(f"PJLINK 1 {self.seed}\r".encode())
        self._arm()

    def _arm(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(self.projector.idle_drop_s, self._hang_up)

    def _hang_up(self) -> None:
        self._idle = None
        self.session.close()

    def received(self, data: bytes) -> None:
        if self.projector.silent:
            return
        self._arm()
        self.buf += data
        while b"\r" in self.buf and self.session.open:
            line, self.buf = self.buf.split(b"\r", 1)
            line = line.strip(b"\n")
            if not self.authenticated:
                if not self._login(line):
                    return
                line = line[32:]
            if line and self.projector.hang_ups:
                self.projector.hang_ups -= 1
                self.session.close()
            elif line:
                self.session.write(self.projector.reply(line))

    def _login(self, line: bytes) -> bool:
        assert self.seed is not None and self.projector.password is not None
        expected = hashlib.md5((self.seed + self.projector.password).encode(), usedforsecurity=False).hexdigest()
        if line[:32].decode("ascii", "replace").lower() != expected:
            self.session.write(b"PJLINK ERRA\r")
            self.session.close()
            return False
        self.authenticated = True
        return True

    def lost(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
