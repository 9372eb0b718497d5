"""Samsung MDC codec (docs/protocols.md 3.1): request frames out, checked replies in. Sans-IO.

Request ``AA cmd id len data… cs``; reply ``AA FF id len 'A'|'N' rcmd values… cs``; ``cs`` is the sum of every
byte after ``AA`` mod 256 and ``len`` counts the bytes between itself and ``cs``. A GET is a command with no
data. Newer network firmware greets with ``MDCSTART<<TLS>>`` and wants TLS + PIN: the splitter reports that
banner as a frame of its own so the display can refuse it clearly.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import DecodeError, InvalidArgument

HEADER = 0xAA
REPLY_MARK = 0xFF
ACK, NAK = 0x41, 0x4E
TLS_BANNER = b"MDCSTART<<TLS>>"

STATUS, POWER, VOLUME, MUTE, INPUT = 0x00, 0x11, 0x12, 0x13, 0x14
POWER_OFF, POWER_ON, REBOOT = 0x00, 0x01, 0x02
MUTE_NA = 0xFF  # a status or mute reply for a display without audio
IDS = range(0x00, 0x100)  # 0xFE / 0xFF mean "all" on some firmware; the room config stops at 0xFE


def checksum(body: bytes) -> int:
    """Sum of the bytes after the header, mod 256."""
    return sum(body) & 0xFF


def _byte(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise InvalidArgument(f"{name}: {value!r} is not a byte (0..255)")
    return value


def request(command: int, display_id: int, data: bytes = b"") -> bytes:
    """A request frame; ``data`` empty makes it a GET."""
    body = bytes([_byte("command", command), _byte("display_id", display_id), _byte("length", len(data))]) + data
    return bytes([HEADER]) + body + bytes([checksum(body)])


def get(command: int, display_id: int) -> bytes:
    """Ask for the current value of ``command`` (status 00, power 11, volume 12, mute 13, input 14)."""
    return request(command, display_id)


def set_power(display_id: int, on: bool) -> bytes:
    """Power on (01) or standby (00)."""
    return request(POWER, display_id, bytes([POWER_ON if on else POWER_OFF]))


def set_volume(display_id: int, level: int) -> bytes:
    """Volume 0..100."""
    if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 100:
        raise InvalidArgument(f"level: {level!r} is outside 0..100")
    return request(VOLUME, display_id, bytes([level]))


def set_mute(display_id: int, on: bool) -> bytes:
    """Mute on (01) or off (00)."""
    return request(MUTE, display_id, bytes([1 if on else 0]))


def set_input(display_id: int, code: int) -> bytes:
    """Select the input source with this code (21 HDMI1, 25 DP1...)."""
    return request(INPUT, display_id, bytes([_byte("input", code)]))


@dataclass(frozen=True)
class Reply:
    """A checked reply: ACK (values echo or answer) or NAK (values hold the error byte)."""

    display_id: int
    ack: bool
    command: int
    values: bytes

    @property
    def error_code(self) -> int | None:
        """The NAK's error byte (None for an ACK, or a NAK without one)."""
        return None if self.ack or not self.values else self.values[0]


@dataclass(frozen=True)
class TlsBanner:
    """The display asked for MDC over TLS with a PIN (``MDCSTART<<TLS>>``)."""


Frame = Reply | TlsBanner


@dataclass(frozen=True)
class Status:
    """The status reply (command 00): power, volume, mute (None: no audio), input code, aspect."""

    power: bool
    volume: int
    mute: bool | None
    input: int
    aspect: int | None


def decode_reply(raw: bytes) -> Reply:
    """One complete reply frame; DecodeError names what is wrong."""
    data = bytes(raw)
    text = data.hex(" ")
    if len(data) < 7 or data[0] != HEADER or data[1] != REPLY_MARK:
        raise DecodeError(f"MDC reply {text}: not 'AA FF id len ...' of at least 7 bytes")
    if len(data) != data[3] + 5 or data[3] < 2:
        raise DecodeError(f"MDC reply {text}: length byte {data[3]} does not fit {len(data)} bytes")
    if checksum(data[1:-1]) != data[-1]:
        raise DecodeError(f"MDC reply {text}: checksum {data[-1]:02x}, expected {checksum(data[1:-1]):02x}")
    if data[4] not in (ACK, NAK):
        raise DecodeError(f"MDC reply {text}: {data[4]:02x} is neither ACK (41) nor NAK (4e)")
    return Reply(data[2], data[4] == ACK, data[5], data[6:-1])


def parse_status(reply: Reply) -> Status:
    """The values of an ACKed status GET; DecodeError when they are too few."""
    values = reply.values
    if not reply.ack or reply.command != STATUS or len(values) < 4:
        raise DecodeError(f"MDC reply {reply}: not a status reply with power, volume, mute and input")
    mute = None if values[2] == MUTE_NA else bool(values[2])
    return Status(bool(values[0]), values[1], mute, values[3], values[4] if len(values) > 4 else None)


class ReplySplitter:
    """Cuts the byte stream from one MDC line into replies, TLS banners and DecodeErrors.

    A frame starts at ``AA FF``. A frame whose checksum is wrong costs only its ``AA``, so the search resumes
    inside it; a frame still incomplete is abandoned as soon as a complete good frame follows it (a garbled
    length byte must not swallow the next reply). ``tls_seen`` is set once a banner came, until ``reset()``.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.tls_seen = False

    def reset(self) -> None:
        """Forget a partial frame and the banner (the link was reopened)."""
        self._buf.clear()
        self.tls_seen = False

    def feed(self, data: bytes) -> list[Frame | DecodeError]:
        """Every frame completed by ``data``, with a DecodeError for each stretch skipped."""
        buf = self._buf
        buf.extend(data)
        out: list[Frame | DecodeError] = []
        while buf:
            start, banner = buf.find(HEADER), buf.find(TLS_BANNER)
            if banner >= 0 and (start < 0 or banner < start):
                self._skip(banner, out)
                del buf[: len(TLS_BANNER)]
                self.tls_seen = True
                out.append(TlsBanner())
                continue
            if start < 0:
                self._skip(len(buf) - _banner_prefix(buf), out)
                break
            self._skip(start, out)
            if len(buf) < 4:
                break
            if buf[1] != REPLY_MARK:
                self._skip(1, out)
                continue
            size = buf[3] + 5
            if len(buf) < size:
                later = self._later_frame()
                if later is None:
                    break
                self._skip(later, out)
                continue
            try:
                out.append(decode_reply(bytes(buf[:size])))
                del buf[:size]
            except DecodeError as exc:
                out.append(exc)
                del buf[:1]
        return out

    def _skip(self, count: int, out: list[Frame | DecodeError]) -> None:
        if count > 0:
            out.append(DecodeError(f"MDC: skipped {count} byte(s): {bytes(self._buf[:count]).hex(' ')}"))
            del self._buf[:count]

    def _later_frame(self) -> int | None:
        """The offset of the first complete, good frame after the one at offset 0, if any."""
        buf = self._buf
        at = buf.find(HEADER, 1)
        while at >= 0:
            if len(buf) >= at + 4 and buf[at + 1] == REPLY_MARK and len(buf) >= at + buf[at + 3] + 5:
                try:
                    decode_reply(bytes(buf[at : at + buf[at + 3] + 5]))
                    return at
                except DecodeError:
                    pass
            at = buf.find(HEADER, at + 1)
        return None


def _banner_prefix(buf: bytearray) -> int:
    """How many bytes at the end of ``buf`` could be the start of a TLS banner still arriving."""
    for size in range(min(len(buf), len(TLS_BANNER) - 1), 0, -1):
        if buf.endswith(TLS_BANNER[:size]):
            return size
    return 0
