"""Sony 9-pin (RS-422 "P2") codec (docs/protocols.md section 4.1): blocks to bytes and bytes back.

Sans-IO. A block is ``[CMD1<<4 | count][CMD2][data 0..15][cs]``, cs = low byte of the sum of the bytes before
it. The splitter cuts the deck's replies out of a byte stream: a block whose checksum fails is reported as a
DecodeError and the search restarts one byte later; a partial block older than the inter-byte timeout is
dropped, because a deck sends the bytes of one block without gaps (under 10 ms).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.errors import DecodeError, InvalidArgument

Clock = Callable[[], float]

# CMD1 values
SYSTEM, SYSTEM_RETURN, TRANSPORT, PRESET, SENSE, SENSE_RETURN = 0x0, 0x1, 0x2, 0x4, 0x6, 0x7
REPLY_CMD1 = frozenset({SYSTEM_RETURN, SENSE_RETURN, 0x8, 0xA})  # what a slave sends (8/A: vendor returns)
# CMD2 values
ACK, NAK, DEVICE_TYPE = 0x01, 0x12, 0x11
STATUS_SENSE, TIME_SENSE, LTC_TIME_DATA = 0x20, 0x0C, 0x04
LTC = 0x01  # data of the time sense: which time to report
TRANSPORT_CODES = {"stop": 0x00, "play": 0x01, "record": 0x02, "standby_off": 0x04, "standby_on": 0x05}
TRANSPORT_CODES |= {"eject": 0x0F, "fast_forward": 0x10, "rewind": 0x20}
NAK_BITS = {
    0x01: "unknown command",
    0x04: "checksum error",
    0x10: "parity error",
    0x20: "buffer overrun",
    0x40: "framing error",
    0x80: "timeout",
}
# status byte 0 and 1 bits
NO_MEDIA, LOCAL = 0x20, 0x01
ST_STANDBY, ST_STOP, ST_EJECT, ST_REWIND, ST_FORWARD, ST_RECORD, ST_PLAY = 0x80, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01


@dataclass(frozen=True)
class Block:
    """One 9-pin block: CMD1 (0..15), CMD2 and up to 15 data bytes."""

    cmd1: int
    cmd2: int
    data: bytes = b""

    def encode(self) -> bytes:
        """The block's bytes on the wire, checksum included."""
        return encode(self.cmd1, self.cmd2, self.data)

    @property
    def is_ack(self) -> bool:
        return self.cmd1 == SYSTEM_RETURN and self.cmd2 == ACK and not self.data

    def is_reply_to(self, cmd2: int) -> bool:
        """A system control return (CMD1 1) carrying ``cmd2``."""
        return self.cmd1 == SYSTEM_RETURN and self.cmd2 == cmd2

    @property
    def is_nak(self) -> bool:
        return self.cmd1 == SYSTEM_RETURN and self.cmd2 == NAK and len(self.data) == 1


def checksum(head: bytes) -> int:
    """Low 8 bits of the sum of every byte before the checksum."""
    return sum(head) & 0xFF


def encode(cmd1: int, cmd2: int, data: bytes = b"") -> bytes:
    """A block's bytes; InvalidArgument for values that do not fit."""
    if not 0 <= cmd1 <= 0xF or not 0 <= cmd2 <= 0xFF:
        raise InvalidArgument(f"cmd1/cmd2: {cmd1:#x}/{cmd2:#x} out of range")
    if len(data) > 15:
        raise InvalidArgument(f"data: {len(data)} bytes, at most 15 fit a block")
    head = bytes([(cmd1 << 4) | len(data), cmd2, *data])
    return head + bytes([checksum(head)])


def decode(raw: bytes) -> Block:
    """One whole block; DecodeError when its length or checksum is wrong."""
    if len(raw) < 3:
        raise DecodeError(f"9-pin block too short: {raw.hex(' ')}")
    count = raw[0] & 0x0F
    if len(raw) != count + 3:
        raise DecodeError(f"9-pin block of {len(raw)} bytes, its header says {count + 3}: {raw.hex(' ')}")
    if checksum(raw[:-1]) != raw[-1]:
        raise DecodeError(f"9-pin checksum {raw[-1]:02x}, expected {checksum(raw[:-1]):02x}: {raw.hex(' ')}")
    return Block(raw[0] >> 4, raw[1], bytes(raw[2:-1]))


class BlockSplitter:
    """Cuts replies (CMD1 1, 7, 8, A) out of a byte stream; DecodeError for every stretch it skips."""

    def __init__(self, inter_byte_timeout_s: float = 0.01, clock: Clock = time.monotonic) -> None:
        self.timeout = inter_byte_timeout_s
        self.clock = clock
        self._buf = bytearray()
        self._last = 0.0

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Block | DecodeError]:
        now = self.clock()
        out: list[Block | DecodeError] = []
        if self._buf and now - self._last > self.timeout:
            out.append(DecodeError(f"9-pin partial block timed out: {bytes(self._buf).hex(' ')}"))
            self._buf.clear()
        self._last = now
        buf = self._buf
        buf.extend(data)
        skipped = bytearray()
        while buf:
            if buf[0] >> 4 not in REPLY_CMD1:
                skipped.append(buf.pop(0))
                continue
            size = (buf[0] & 0x0F) + 3
            if len(buf) < size:
                break
            candidate = bytes(buf[:size])
            if checksum(candidate[:-1]) != candidate[-1]:
                skipped.append(buf.pop(0))
                continue
            if skipped:
                out.append(DecodeError(f"9-pin garbage skipped: {bytes(skipped).hex(' ')}"))
                skipped.clear()
            out.append(Block(candidate[0] >> 4, candidate[1], candidate[2:-1]))
            del buf[:size]
        if skipped:
            out.append(DecodeError(f"9-pin garbage skipped: {bytes(skipped).hex(' ')}"))
        return out


# -- commands ----------------------------------------------------------------------------------------------
def device_type_request() -> bytes:
    """``00 11``: the deck answers ``12 11 hh ll``."""
    return encode(SYSTEM, DEVICE_TYPE)


def transport(name: str) -> bytes:
    """A transport command by name (stop, play, record, standby_on/off, eject, fast_forward, rewind)."""
    code = TRANSPORT_CODES.get(name)
    if code is None:
        raise InvalidArgument(f"transport: {name!r} is not one of {', '.join(TRANSPORT_CODES)}")
    return encode(TRANSPORT, code)


def status_sense(start: int = 0, count: int = 10) -> bytes:
    """``61 20 (start<<4 | count)``: status bytes start .. start+count-1."""
    if not 0 <= start <= 15 or not 1 <= count <= 15:
        raise InvalidArgument(f"status sense: start {start} / count {count} out of range")
    return encode(SENSE, STATUS_SENSE, bytes([(start << 4) | count]))


def ltc_sense() -> bytes:
    """``61 0C 01``: the LTC time."""
    return encode(SENSE, TIME_SENSE, bytes([LTC]))


# -- replies -----------------------------------------------------------------------------------------------
def nak_reason(code: int) -> str:
    """The NAK bits in words: ``checksum error, timeout``."""
    names = [text for bit, text in NAK_BITS.items() if code & bit]
    return ", ".join(names) or f"code 0x{code:02X}"


def device_type(block: Block) -> int:
    """The 16-bit device type of a ``12 11 hh ll`` return."""
    if block.cmd1 != SYSTEM_RETURN or block.cmd2 != DEVICE_TYPE or len(block.data) != 2:
        raise DecodeError(f"not a device type return: {block}")
    return (block.data[0] << 8) | block.data[1]


@dataclass(frozen=True)
class DeckStatus:
    """The bits of status bytes 0 and 1 that the Recorder state needs."""

    no_media: bool
    local: bool
    transport: str

    @classmethod
    def from_block(cls, block: Block) -> DeckStatus:
        """From a ``7n 20`` status return that starts at byte 0 and holds at least two bytes."""
        if block.cmd1 != SENSE_RETURN or block.cmd2 != STATUS_SENSE or len(block.data) < 2:
            raise DecodeError(f"not a status return from byte 0 with 2 bytes or more: {block}")
        b0, b1 = block.data[0], block.data[1]
        return cls(no_media=bool(b0 & NO_MEDIA), local=bool(b0 & LOCAL), transport=transport_state(b1))


def transport_state(byte1: int) -> str:
    """Status byte 1 as a Recorder transport state; record wins over play (a recording deck shows both)."""
    for bit, name in (
        (ST_RECORD, "record"),
        (ST_PLAY, "play"),
        (ST_FORWARD, "forward"),
        (ST_REWIND, "rewind"),
        (ST_EJECT, "eject"),
        (ST_STOP, "stopped"),
        (ST_STANDBY, "standby"),
    ):
        if byte1 & bit:
            return name
    return "unknown"


def _bcd(value: int, limit: int, what: str) -> int:
    tens, units = value >> 4, value & 0x0F
    if units > 9 or tens * 10 + units > limit:
        raise DecodeError(f"timecode {what}: 0x{value:02X} is not BCD up to {limit}")
    return tens * 10 + units


def timecode(block: Block) -> str:
    """``HH:MM:SS:FF`` from an LTC time return ``74 04 ff ss mm hh`` (flag bits masked off)."""
    if block.cmd1 != SENSE_RETURN or block.cmd2 != LTC_TIME_DATA or len(block.data) != 4:
        raise DecodeError(f"not an LTC time return: {block}")
    ff, ss, mm, hh = block.data
    frames = _bcd(ff & 0x3F, 59, "frames")
    seconds = _bcd(ss & 0x7F, 59, "seconds")
    minutes = _bcd(mm & 0x7F, 59, "minutes")
    hours = _bcd(hh & 0x3F, 23, "hours")
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"
