"""PJLink class 1 codec (docs/protocols.md section 3.3): CR-terminated ASCII lines, sans-IO.

Requests are ``%1BODY param\\r`` (``?`` queries); replies ``%1BODY=param\\r``, a set answered ``OK`` or
``ERR1``..``ERR4``. A connection opens with ``PJLINK 0`` (no password) or ``PJLINK 1 <seed>``; a wrong
password is answered ``PJLINK ERRA`` and the projector hangs up.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from drivers.errors import DecodeError, InvalidArgument

MAX_LINE = 256  # class 1 parameters are at most 128 characters; anything longer is garbage
POWER_STATES: dict[str, Literal["off", "on", "cooling", "warming"]] = {
    "0": "off",
    "1": "on",
    "2": "cooling",
    "3": "warming",
}
ERROR_NAMES = ("fan", "lamp", "temperature", "cover", "filter", "other")
ERROR_LEVELS: dict[str, Literal["ok", "warning", "error"]] = {"0": "ok", "1": "warning", "2": "error"}
DEVICE_ERRORS = {
    "ERR1": "undefined command",
    "ERR2": "out of parameter",
    "ERR3": "unavailable time",
    "ERR4": "projector failure",
}

_BODY = re.compile(r"^[A-Z0-9]{4}$")
_REPLY = re.compile(r"^%([12])([A-Za-z0-9]{4})=(.*)$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
SEARCH = b"%2SRCH\r"
NOTIFIED = ("LKUP", "POWR", "ERST", "INPT", "AVMT")  # what a class 2 projector pushes on UDP 4352
_GREETING = re.compile(r"^PJLINK (0|1 ([0-9A-Za-z]{1,32}))$")


@dataclass(frozen=True)
class Greeting:
    """``PJLINK 0`` or ``PJLINK 1 <seed>``: whether the projector wants the password, and the seed to hash."""

    seed: str | None

    @property
    def secured(self) -> bool:
        return self.seed is not None


@dataclass(frozen=True)
class AuthRefused:
    """``PJLINK ERRA``: the password was wrong (the projector closes the connection)."""


@dataclass(frozen=True)
class Reply:
    """``%1BODY=param`` (``klass`` 2 for ``%2``): the answer to a command or query, or a UDP notification."""

    body: str
    param: str
    klass: int = 1

    @property
    def error(self) -> str | None:
        """``ERR1``..``ERR4`` when the projector refused, else None."""
        return self.param if self.param in DEVICE_ERRORS else None


Frame = Greeting | AuthRefused | Reply


def parse_line(line: bytes) -> Frame:
    """One line without its CR; DecodeError for anything PJLink class 1 does not send."""
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise DecodeError(f"PJLink: not ASCII: {line[:40]!r}") from None
    if not text.isprintable():
        raise DecodeError(f"PJLink: control characters in {line[:40]!r}")
    if match := _REPLY.match(text):
        return Reply(match.group(2).upper(), match.group(3), int(match.group(1)))
    if text.upper() == "PJLINK ERRA":
        return AuthRefused()
    if match := _GREETING.match(text):
        return Greeting(match.group(2))
    raise DecodeError(f"PJLink: not a reply: {text[:40]!r}")


class LineSplitter:
    """Cuts CR-terminated lines (a stray LF is ignored) into frames; overlong lines are dropped as DecodeErrors."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._skipping = False

    def feed(self, data: bytes) -> list[Frame | DecodeError]:
        out: list[Frame | DecodeError] = []
        for byte in data:
            if byte == 0x0D:
                if self._skipping:
                    self._skipping = False
                elif self._buf:
                    try:
                        out.append(parse_line(bytes(self._buf)))
                    except DecodeError as exc:
                        out.append(exc)
                self._buf.clear()
            elif byte == 0x0A or self._skipping:
                continue
            elif len(self._buf) >= MAX_LINE:
                out.append(DecodeError(f"PJLink: line longer than {MAX_LINE} bytes"))
                self._buf.clear()
                self._skipping = True
            else:
                self._buf.append(byte)
        return out

    def reset(self) -> None:
        self._buf.clear()
        self._skipping = False


# -- encoders ----------------------------------------------------------------------------------------------
def command(body: str, param: str, klass: int = 1) -> bytes:
    """``%1BODY param\\r`` (``%2`` with ``klass=2``); InvalidArgument for a bad body, parameter or class."""
    if not _BODY.match(body):
        raise InvalidArgument(f"body: {body!r} is not a 4-character PJLink command")
    if not param or len(param) > 128 or not param.isascii() or not param.isprintable():
        raise InvalidArgument(f"param: {param!r} is not 1-128 printable ASCII characters")
    if klass not in (1, 2):
        raise InvalidArgument(f"class: {klass} is not a PJLink class (1 or 2)")
    return f"%{klass}{body} {param}\r".encode("ascii")


def query(body: str) -> bytes:
    """``%1BODY ?\\r``."""
    return command(body, "?")


def digest(seed: str, password: str) -> str:
    """The login token: ``md5_hex(seed + password)``, 32 lowercase hex digits."""
    return hashlib.md5((seed + password).encode("utf-8"), usedforsecurity=False).hexdigest()


# -- reply parameters --------------------------------------------------------------------------------------
def parse_power(param: str) -> Literal["off", "on", "cooling", "warming"]:
    """``POWR`` query answer ``0``..``3``."""
    try:
        return POWER_STATES[param]
    except KeyError:
        raise DecodeError(f"PJLink: POWR={param!r} is not 0..3") from None


def parse_errors(param: str) -> dict[str, Literal["ok", "warning", "error"]]:
    """``ERST`` answer: six digits fan/lamp/temperature/cover/filter/other, each 0 ok, 1 warning, 2 error."""
    if len(param) != len(ERROR_NAMES) or any(c not in ERROR_LEVELS for c in param):
        raise DecodeError(f"PJLink: ERST={param!r} is not six digits 0..2")
    return {name: ERROR_LEVELS[c] for name, c in zip(ERROR_NAMES, param, strict=True)}


def parse_lamps(param: str) -> list[tuple[int, bool]]:
    """``LAMP`` answer: ``<hours> <0|1>`` pairs (up to 8 lamps): each lamp's hours and whether it is lit."""
    parts = param.split()
    if not parts or len(parts) % 2 or len(parts) > 16:
        raise DecodeError(f"PJLink: LAMP={param!r} is not 1..8 '<hours> <0|1>' pairs")
    lamps = []
    for hours, lit in zip(parts[::2], parts[1::2], strict=True):
        if not hours.isdigit() or lit not in ("0", "1"):
            raise DecodeError(f"PJLink: LAMP={param!r} is not '<hours> <0|1>' pairs")
        lamps.append((int(hours), lit == "1"))
    return lamps


def parse_av_mute(param: str) -> tuple[bool, bool]:
    """``AVMT`` answer ``11``/``21``/``31``/``30``...: (picture muted, sound muted)."""
    if len(param) != 2 or param[0] not in "123" or param[1] not in "01":
        raise DecodeError(f"PJLink: AVMT={param!r} is not 10..31")
    on = param[1] == "1"
    return (on and param[0] in "13", on and param[0] in "23")


def parse_input(param: str) -> str:
    """``INPT`` answer: two characters, type 1..6 and number 1..9 (class 2 adds A..Z and type 6; kept as given)."""
    if len(param) != 2 or param[0] not in "123456" or not param[1].isalnum():
        raise DecodeError(f"PJLink: INPT={param!r} is not an input code")
    return param


def parse_mac(param: str) -> str:
    """``ACKN`` / ``LKUP`` parameter: the projector's MAC address ``aa:bb:cc:dd:ee:ff`` (lower case)."""
    if not _MAC.match(param):
        raise DecodeError(f"PJLink: {param!r} is not a MAC address")
    return param.lower()


def parse_models(param: str) -> list[str]:
    """``RLMP`` / ``RFIL`` answer: replacement model numbers separated by spaces (none: empty)."""
    return param.split()


def parse_datagram(data: bytes) -> list[Reply | DecodeError]:
    """The lines of one UDP datagram (a search answer or a status notification), CR-terminated."""
    out: list[Reply | DecodeError] = []
    for frame in LineSplitter().feed(data if data.endswith(b"\r") else data + b"\r"):
        if isinstance(frame, Reply | DecodeError):
            out.append(frame)
        else:
            out.append(DecodeError(f"PJLink: {frame} in a datagram"))
    return out
