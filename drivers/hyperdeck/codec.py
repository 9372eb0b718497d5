"""Blackmagic HyperDeck Ethernet protocol codec (docs/protocols-hyperdeck.md): commands out, replies in.

Sans-IO. Commands are one ASCII line ending in LF, parameters on the same line (``record: name: Court2``).
Replies end in CRLF: a single line ``<code> <text>``, or a block whose first line ends with ``:``, followed by
``key: value`` lines and a blank line. The splitter yields whole replies; a line that fits neither shape is a
DecodeError, and the next line that looks like a reply header starts afresh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drivers.errors import DecodeError, InvalidArgument

MAX_LINE = 1024
MAX_BLOCK_LINES = 256
HEADER = re.compile(r"^(\d{3}) ([^:\r\n]*?)(:?)$")
PARAM = re.compile(r"^([^:]+): ?(.*)$")

# reply codes
CONNECTION_INFO, SLOT_INFO_ASYNC, TRANSPORT_INFO_ASYNC, REMOTE_INFO_ASYNC = 500, 502, 508, 510
OK, SLOT_INFO, DEVICE_INFO, CLIPS_INFO, TRANSPORT_INFO, REMOTE_INFO = 200, 202, 204, 205, 208, 210
CLIPS_COUNT = 214
TIMECODE = re.compile(r"\d{2}:\d{2}:\d{2}[:;]\d{2}")
SYNTAX_ERROR, DISK_FULL, NO_DISK, REMOTE_DISABLED, CONNECTION_REJECTED = 100, 104, 105, 111, 120
FAILURES = {
    100: "syntax error",
    101: "unsupported parameter",
    102: "invalid value",
    103: "unsupported",
    104: "disk full",
    105: "no disk",
    106: "disk error",
    107: "timeline empty",
    108: "internal error",
    109: "out of range",
    110: "no input",
    111: "remote control disabled",
    120: "connection rejected",
    150: "invalid state",
    151: "invalid codec",
    160: "invalid format",
    161: "invalid token",
    162: "format not prepared",
}


@dataclass(frozen=True)
class Reply:
    """One reply: its code, the text after the code and, for a block, its parameters in order."""

    code: int
    text: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def is_async(self) -> bool:
        """A 5xx notification the device sends on its own."""
        return 500 <= self.code < 600

    @property
    def is_failure(self) -> bool:
        return 100 <= self.code < 200


def command(verb: str, /, **params: str | int | bool) -> bytes:
    """One command line: ``command("record", name="Court2")`` -> ``record: name: Court2\\n``.

    Keyword names use ``_`` for the protocol's spaces (``slot_id`` -> ``slot id``); booleans are true/false.
    """
    if not re.fullmatch(r"[a-z][a-z ]*[a-z]", verb):
        raise InvalidArgument(f"command: {verb!r} is not a HyperDeck command name")
    parts = [verb]
    for key, value in params.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if not text or any(c in text for c in "\r\n:") or not text.isprintable():
            raise InvalidArgument(f"{key}: {text!r} cannot be sent in a HyperDeck command")
        parts.append(f"{key.replace('_', ' ')}: {text}")
    line = ": ".join(parts[:2]) + "".join(f" {p}" for p in parts[2:]) if params else verb
    return (line + "\n").encode("ascii")


class ReplySplitter:
    """Cuts CRLF (or LF) lines into whole replies; DecodeError for lines that fit no reply."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._block: tuple[int, str, dict[str, str]] | None = None
        self._lines = 0

    def reset(self) -> None:
        self._buf.clear()
        self._block = None

    def feed(self, data: bytes) -> list[Reply | DecodeError]:
        out: list[Reply | DecodeError] = []
        self._buf.extend(data)
        while True:
            end = self._buf.find(b"\n")
            if end < 0:
                if len(self._buf) > MAX_LINE:
                    out.append(DecodeError(f"HyperDeck line longer than {MAX_LINE} bytes dropped"))
                    self._buf.clear()
                    self._block = None
                return out
            raw = bytes(self._buf[:end]).rstrip(b"\r")
            del self._buf[: end + 1]
            self._line(raw, out)

    def _line(self, raw: bytes, out: list[Reply | DecodeError]) -> None:
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            line = None
        if line is not None and not line.isprintable():
            line = None
        block = self._block
        if block is not None:
            if line == "":
                self._block = None
                out.append(Reply(block[0], block[1], block[2]))
                return
            match = PARAM.match(line) if line is not None else None
            if match is not None and self._lines < MAX_BLOCK_LINES and not HEADER.match(line or ""):
                block[2][match.group(1).strip()] = match.group(2).strip()
                self._lines += 1
                return
            self._block = None
            out.append(DecodeError(f"HyperDeck reply {block[0]} broken off by {raw[:80]!r}"))
        if line == "":
            return  # blank lines between replies carry nothing
        header = HEADER.match(line) if line is not None else None
        if header is None:
            out.append(DecodeError(f"not a HyperDeck reply line: {raw[:80]!r}"))
            return
        code, text, colon = int(header.group(1)), header.group(2).strip(), header.group(3)
        if colon:
            self._block, self._lines = (code, text, {}), 0
        else:
            out.append(Reply(code, text))


# -- typed readings of replies -----------------------------------------------------------------------------
def flag(value: str | None) -> bool | None:
    """``true`` / ``false`` (None when absent or neither)."""
    if value is None:
        return None
    return {"true": True, "false": False}.get(value.strip().lower())


def number(value: str | None) -> int | None:
    """An integer parameter (None when absent or not a number)."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def protocol_rom(version: str | None) -> int | None:
    """A protocol version ``1.11`` as a number for firmware ranges: major << 8 | minor (0x010B)."""
    match = re.fullmatch(r"\s*(\d{1,3})\.(\d{1,3})\s*", version or "")
    if match is None:
        return None
    major, minor = int(match.group(1)), int(match.group(2))
    return (min(major, 0xFF) << 8) | min(minor, 0xFF)


@dataclass(frozen=True)
class ClipEntry:
    """One line of ``205 clips info``: its id, name and, where the firmware gives them, start and duration."""

    clip_id: int
    name: str
    start: str | None
    duration: str | None


def clips(reply: Reply) -> list[ClipEntry]:
    """The clips of a ``205 clips info`` reply, in id order.

    Current manuals give ``{id}: {name} {start timecode} {duration timecode}``; older firmware gave
    ``{id}: {name} {file format} {video format} {duration}``. A name may hold spaces, so the timecodes are
    read from the end of the line; a line with no timecode at its end keeps its whole text as the name.
    """
    out: list[ClipEntry] = []
    for key, value in reply.params.items():
        clip_id = number(key)
        if clip_id is None:
            continue  # `clip count` and any field a newer firmware adds
        words = value.split()
        if len(words) >= 3 and TIMECODE.fullmatch(words[-1]) and TIMECODE.fullmatch(words[-2]):
            out.append(ClipEntry(clip_id, " ".join(words[:-2]), words[-2], words[-1]))
        elif len(words) >= 4 and TIMECODE.fullmatch(words[-1]):
            out.append(ClipEntry(clip_id, " ".join(words[:-3]), None, words[-1]))
        else:
            out.append(ClipEntry(clip_id, value.strip(), None, None))
    return sorted(out, key=lambda clip: clip.clip_id)
