"""Shure DIS-CCU / MXC external control codec (docs/protocols.md 5.2(b)): CRLF lines, sans-IO.

Client -> CCU: ``mic_status``, ``mic_on <seat>``, ``mic_off <seat>``, ``mic_request_on <seat>``,
``mic_all_off``, ``mic_mute_all activate|deactivate``, ``mic_priority <seat> <0-5>``.
CCU -> client: ``mic_on|mic_off|mic_request_on|mic_request_off <seat>``, ``seat_state <seat> active|passive
<name>``, ``command_error <text>``; other well-formed lines (``max_speakers 4``...) come out as ``Other``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.errors import DecodeError, InvalidArgument

MAX_LINE = 512
SEATS = range(1, 65536)
MicKind = Literal["mic_on", "mic_off", "mic_request_on", "mic_request_off"]
MIC_KINDS: tuple[MicKind, ...] = ("mic_on", "mic_off", "mic_request_on", "mic_request_off")


@dataclass(frozen=True)
class MicEvent:
    """A seat's microphone or request went on or off."""

    kind: MicKind
    seat: int


@dataclass(frozen=True)
class SeatState:
    """A seat's registration (``active`` = a participant logged in / unit present) and name."""

    seat: int
    active: bool
    name: str


@dataclass(frozen=True)
class CommandError:
    """The CCU refused a command."""

    text: str


@dataclass(frozen=True)
class Other:
    """Any other well-formed line the CCU sends."""

    text: str


Line = MicEvent | SeatState | CommandError | Other


def _seat(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in SEATS:
        raise InvalidArgument(f"seat: {value!r} is outside 1..65535")
    return value


def command(name: str, *args: int | str) -> bytes:
    """One command line: ``name arg...`` + CRLF."""
    text = " ".join([name, *(str(a) for a in args)])
    if "\r" in text or "\n" in text:
        raise InvalidArgument(f"command {text!r} holds a line break")
    return text.encode("ascii") + b"\r\n"


def mic(on: bool, seat: int) -> bytes:
    """``mic_on <seat>`` / ``mic_off <seat>``."""
    return command("mic_on" if on else "mic_off", _seat(seat))


def request_on(seat: int) -> bytes:
    return command("mic_request_on", _seat(seat))


MIC_STATUS = command("mic_status")
ALL_OFF = command("mic_all_off")


def _int_field(text: str, token: str) -> int:
    if not token.isdigit() or int(token) not in SEATS:
        raise DecodeError(f"DIS-CCU line {text!r}: {token!r} is not a seat number")
    return int(token)


def parse(raw: bytes) -> Line:
    """One line without its CRLF; DecodeError for non-ASCII, control bytes or a malformed known line."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise DecodeError(f"DIS-CCU line {raw[:40]!r}: not ASCII") from None
    if any(ord(c) < 0x20 and c != "\t" for c in text) or "\x7f" in text:
        raise DecodeError(f"DIS-CCU line {text[:40]!r}: control characters")
    words = text.split()
    if not words:
        raise DecodeError("DIS-CCU: empty line")
    head = words[0]
    for kind in MIC_KINDS:
        if head == kind:
            if len(words) < 2:
                raise DecodeError(f"DIS-CCU line {text!r}: no seat")
            return MicEvent(kind, _int_field(text, words[1]))
    if head == "seat_state":
        if len(words) < 3 or words[2] not in ("active", "passive"):
            raise DecodeError(f"DIS-CCU line {text!r}: expected seat_state <seat> active|passive <name>")
        name = text.split(None, 3)[3] if len(words) > 3 else ""
        return SeatState(_int_field(text, words[1]), words[2] == "active", name)
    if head == "command_error":
        return CommandError(text.partition(" ")[2].strip())
    if not head.replace("_", "").isalnum():
        raise DecodeError(f"DIS-CCU line {text[:40]!r}: not a CCU message")
    return Other(text.strip())


class LineSplitter:
    """Cuts the byte stream at LF (a CR before it is dropped); each line parsed, errors as DecodeErrors."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Line | DecodeError]:
        self._buf.extend(data)
        out: list[Line | DecodeError] = []
        while True:
            end = self._buf.find(b"\n")
            if end < 0:
                if len(self._buf) > MAX_LINE:
                    out.append(DecodeError(f"DIS-CCU: {len(self._buf)} bytes without a line end, dropped"))
                    self._buf.clear()
                return out
            raw = bytes(self._buf[:end]).rstrip(b"\r")
            del self._buf[: end + 1]
            if not raw.strip():
                continue  # blank lines between messages are harmless
            try:
                out.append(parse(raw))
            except DecodeError as exc:
                out.append(exc)
