"""LG RS-232C codec (docs/protocols.md 3.2): ASCII requests out, checked replies in. Sans-IO.

Request ``[c1][c2] [setID] [data]\\r`` with setID and data as two hex digits (``ff`` reads a value); reply
``[c2] [setID] OK[data]x`` or ``… NG[data]x``, ending at the letter ``x`` with no CR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.errors import DecodeError, InvalidArgument

READ = 0xFF
COMMANDS = frozenset({"ka", "kf", "ke", "kd", "xb", "kb"})
_REPLY = re.compile(rb"([a-z]) ([0-9A-Fa-f]{2}) (OK|NG)((?:[0-9A-Fa-f]{2})*)x\Z")
MAX_PENDING = 64  # bytes kept without an ``x``: a reply is about ten


def _byte(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise InvalidArgument(f"{name}: {value!r} is not 0..255")
    return value


def request(command: str, set_id: int, data: int = READ) -> bytes:
    """``ka 01 01\\r``: a two-letter command to ``set_id`` (00 = all) with one data byte (``ff`` = read)."""
    if not re.fullmatch(r"[jkmx][a-z]", command):
        raise InvalidArgument(f"command: {command!r} is not two letters starting with j, k, m or x")
    return f"{command} {_byte('set_id', set_id):02x} {_byte('data', data):02x}\r".encode("ascii")


@dataclass(frozen=True)
class Reply:
    """A checked reply: the command's second letter, the answering set, OK/NG and the data bytes."""

    command: str
    set_id: int
    ok: bool
    data: bytes

    @property
    def value(self) -> int | None:
        """The first data byte (the value read or set; NG: the error code), None when there is none."""
        return self.data[0] if self.data else None


def decode_reply(raw: bytes) -> Reply:
    """One complete reply ending in ``x``; DecodeError names what is wrong."""
    match = _REPLY.fullmatch(bytes(raw))
    if match is None:
        raise DecodeError(f"LG reply {bytes(raw)!r}: not '<c> <id> OK|NG<data>x'")
    command, set_id, status, data = match.groups()
    return Reply(command.decode(), int(set_id, 16), status == b"OK", bytes.fromhex(data.decode()))


class ReplySplitter:
    """Cuts the byte stream from one LG line into replies and DecodeErrors.

    A reply ends at the first ``x``; garbage before a reply in the same stretch is reported and skipped, so the
    reply itself still decodes. Without an ``x`` the buffer is capped at MAX_PENDING bytes.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def reset(self) -> None:
        """Forget a partial reply (the link was reopened)."""
        self._buf.clear()

    def feed(self, data: bytes) -> list[Reply | DecodeError]:
        """Every reply completed by ``data``, with a DecodeError for each stretch skipped."""
        buf = self._buf
        buf.extend(data)
        out: list[Reply | DecodeError] = []
        while (end := buf.find(b"x")) >= 0:
            chunk = bytes(buf[: end + 1])
            del buf[: end + 1]
            match = _REPLY.search(chunk)
            if match is None:
                out.append(DecodeError(f"LG: skipped {chunk!r}"))
                continue
            if chunk[: match.start()].strip(b" \r\n\0"):
                out.append(DecodeError(f"LG: skipped {chunk[: match.start()]!r}"))
            out.append(decode_reply(match.group(0)))
        if len(buf) > MAX_PENDING:
            out.append(DecodeError(f"LG: {len(buf) - MAX_PENDING} byte(s) without a reply end dropped"))
            del buf[:-MAX_PENDING]
        return out
