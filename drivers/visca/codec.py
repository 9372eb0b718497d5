"""Sony VISCA serial codec (docs/protocols.md section 1): frames to bytes and bytes to typed replies.

Sans-IO: nothing here reads a port, sleeps or touches asyncio, so every function can be fuzzed alone.
Encoders refuse bad arguments with InvalidArgument naming the parameter; decoders refuse bad bytes with
DecodeError naming what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from drivers.errors import BufferFull, DecodeError, DeviceNak, InvalidArgument, NotExecutable

TERMINATOR = 0xFF
MIN_FRAME = 3
MAX_FRAME = 16
BROADCAST = 0x88
REPLY_HEADERS = frozenset({BROADCAST} | {(8 + address) << 4 for address in range(1, 8)})

ZoomDirection = Literal["tele", "wide", "stop"]
PanDirection = Literal["left", "right", "stop"]
TiltDirection = Literal["up", "down", "stop"]
PresetOp = Literal["reset", "set", "recall"]

_ZOOM = {"stop": 0x00, "tele": 0x02, "wide": 0x03}
_PAN = {"left": 0x01, "right": 0x02, "stop": 0x03}
_TILT = {"up": 0x01, "down": 0x02, "stop": 0x03}
_PRESET = {"reset": 0x00, "set": 0x01, "recall": 0x02}


# -- encoders ----------------------------------------------------------------------------------------------
def _int(name: str, value: object, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgument(f"{name}: expected an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidArgument(f"{name}: {value} is outside {low}..{high}")
    return value


def _choice(name: str, value: object, table: dict[str, int]) -> int:
    if not isinstance(value, str) or value not in table:
        raise InvalidArgument(f"{name}: {value!r} is not one of {', '.join(table)}")
    return table[value]


def _header(address: int) -> int:
    return 0x80 | _int("address", address, 1, 7)


def nibbles(value: int, *, signed: bool = False, name: str = "value") -> bytes:
    """A 16-bit value as four bytes ``0P 0Q 0R 0S``; signed values go as two's complement."""
    low, high = (-0x8000, 0x7FFF) if signed else (0, 0xFFFF)
    word = _int(name, value, low, high) & 0xFFFF
    return bytes((word >> shift) & 0x0F for shift in (12, 8, 4, 0))


def _frame(address: int, *body: int | bytes) -> bytes:
    out = bytearray([_header(address)])
    for part in body:
        out.extend(part if isinstance(part, bytes) else bytes([part]))
    out.append(TERMINATOR)
    return bytes(out)


def power(address: int, on: bool) -> bytes:
    """CAM_Power: on (``02``) or standby (``03``)."""
    if not isinstance(on, bool):
        raise InvalidArgument(f"on: expected a boolean, got {type(on).__name__}")
    return _frame(address, 0x01, 0x04, 0x00, 0x02 if on else 0x03)


def zoom(address: int, direction: ZoomDirection, speed: int | None = None) -> bytes:
    """CAM_Zoom: stop, or tele/wide at standard speed (speed None) or variable speed 0-7."""
    code = _choice("direction", direction, _ZOOM)
    if speed is not None:
        speed = _int("speed", speed, 0, 7)
        if code != _ZOOM["stop"]:
            code = (code << 4) | speed
    return _frame(address, 0x01, 0x04, 0x07, code)


def zoom_direct(address: int, position: int) -> bytes:
    """CAM_Zoom Direct to an absolute position (0x0000 = wide)."""
    return _frame(address, 0x01, 0x04, 0x47, nibbles(position, name="position"))


def _speeds(pan_speed: int, tilt_speed: int) -> bytes:
    return bytes([_int("pan_speed", pan_speed, 1, 0x7F), _int("tilt_speed", tilt_speed, 1, 0x7F)])


def pan_tilt_drive(address: int, pan: PanDirection, tilt: TiltDirection, pan_speed: int, tilt_speed: int) -> bytes:
    """Pan-tiltDrive: start moving in a direction (or stop an axis) at the given speeds."""
    directions = bytes([_choice("pan", pan, _PAN), _choice("tilt", tilt, _TILT)])
    return _frame(address, 0x01, 0x06, 0x01, _speeds(pan_speed, tilt_speed), directions)


def pan_tilt_absolute(address: int, pan: int, tilt: int, pan_speed: int, tilt_speed: int) -> bytes:
    """Pan-tiltDrive AbsolutePosition: signed 16-bit pan and tilt."""
    position = nibbles(pan, signed=True, name="pan") + nibbles(tilt, signed=True, name="tilt")
    return _frame(address, 0x01, 0x06, 0x02, _speeds(pan_speed, tilt_speed), position)


def pan_tilt_relative(address: int, pan: int, tilt: int, pan_speed: int, tilt_speed: int) -> bytes:
    """Pan-tiltDrive RelativePosition: signed 16-bit pan and tilt steps."""
    position = nibbles(pan, signed=True, name="pan") + nibbles(tilt, signed=True, name="tilt")
    return _frame(address, 0x01, 0x06, 0x03, _speeds(pan_speed, tilt_speed), position)


def pan_tilt_home(address: int) -> bytes:
    """Pan-tiltDrive Home."""
    return _frame(address, 0x01, 0x06, 0x04)


def pan_tilt_reset(address: int) -> bytes:
    """Pan-tiltDrive Reset (re-initialise the head)."""
    return _frame(address, 0x01, 0x06, 0x05)


def preset(address: int, op: PresetOp, number: int) -> bytes:
    """CAM_Memory reset / set / recall of preset ``number`` (0-0x7F; the model's profile narrows it)."""
    return _frame(address, 0x01, 0x04, 0x3F, _choice("op", op, _PRESET), _int("preset", number, 0, 0x7F))


def cancel(address: int, socket: int) -> bytes:
    """Cancel the command running in ``socket``."""
    return _frame(address, 0x20 | _int("socket", socket, 0, 0x0F))


def if_clear(address: int) -> bytes:
    """IF_Clear one camera: clears its buffers and cancels its running commands."""
    return _frame(address, 0x01, 0x00, 0x01)


IF_CLEAR_BROADCAST = bytes([BROADCAST, 0x01, 0x00, 0x01, TERMINATOR])
ADDRESS_SET_BROADCAST = bytes([BROADCAST, 0x30, 0x01, TERMINATOR])


def inquire_power(address: int) -> bytes:
    """CAM_PowerInq."""
    return _frame(address, 0x09, 0x04, 0x00)


def inquire_zoom(address: int) -> bytes:
    """CAM_ZoomPosInq."""
    return _frame(address, 0x09, 0x04, 0x47)


def inquire_pan_tilt(address: int) -> bytes:
    """Pan-tiltPosInq."""
    return _frame(address, 0x09, 0x06, 0x12)


def inquire_version(address: int) -> bytes:
    """CAM_VersionInq: vendor, model, ROM version, max sockets."""
    return _frame(address, 0x09, 0x00, 0x02)


# -- framing -----------------------------------------------------------------------------------------------
class FrameSplitter:
    """Cuts a byte stream into frames ending in FF.

    Bytes that cannot start a reply (anything but ``88`` or ``z0``) are skipped; a header with no FF within
    16 bytes is dropped so the splitter resynchronises on the next header. Between calls the buffer never
    holds more than one partial frame (under 16 bytes) once ``next_frame()`` has returned None.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        """Add bytes received from the line."""
        self._buf.extend(data)

    def next_frame(self) -> bytes | None:
        """The next complete frame, or None until more bytes arrive.

        Raises DecodeError for bytes it discards; call again to continue after them.
        """
        buf = self._buf
        start = next((i for i, byte in enumerate(buf) if byte in REPLY_HEADERS), len(buf))
        if start:
            junk = bytes(buf[:start])
            del buf[:start]
            raise DecodeError(f"discarded {len(junk)} byte(s) before a frame header: {junk.hex(' ')}")
        end = buf.find(TERMINATOR, 0, MAX_FRAME)
        if end < 0:
            if len(buf) >= MAX_FRAME:
                junk = bytes(buf[:1])
                del buf[:1]
                raise DecodeError(f"no FF within {MAX_FRAME} bytes after header {junk.hex()}: frame too long")
            return None
        frame = bytes(buf[: end + 1])
        del buf[: end + 1]
        if len(frame) < MIN_FRAME:
            raise DecodeError(f"frame {frame.hex(' ')} is shorter than {MIN_FRAME} bytes")
        return frame


# -- replies -----------------------------------------------------------------------------------------------
class ErrorCode(IntEnum):
    """The error codes a camera sends in ``z0 6y cc FF``."""

    LENGTH = 0x01
    SYNTAX = 0x02
    BUFFER_FULL = 0x03
    CANCELLED = 0x04
    NO_SOCKET = 0x05
    NOT_EXECUTABLE = 0x41


@dataclass(frozen=True)
class Ack:
    """The command was accepted into ``socket``."""

    address: int
    socket: int


@dataclass(frozen=True)
class Completion:
    """The command in ``socket`` finished (socket 0: the answer to IF_Clear for one camera)."""

    address: int
    socket: int


@dataclass(frozen=True)
class InquiryAnswer:
    """An inquiry's answer; ``data`` is what lies between ``z0 50`` and FF."""

    address: int
    data: bytes


@dataclass(frozen=True)
class ErrorReply:
    """The camera refused or aborted a command; ``code`` is an ErrorCode when known, else the raw byte."""

    address: int
    socket: int
    code: int


@dataclass(frozen=True)
class NetworkChange:
    """A camera powered up or the chain changed: the addresses must be set again."""

    address: int


@dataclass(frozen=True)
class AddressSetReply:
    """The AddressSet broadcast came back: ``count`` cameras took an address."""

    count: int


@dataclass(frozen=True)
class IfClearBroadcast:
    """The IF_Clear broadcast came back round the chain."""


Reply = Ack | Completion | InquiryAnswer | ErrorReply | NetworkChange | AddressSetReply | IfClearBroadcast


def _error_code(code: int) -> int:
    try:
        return ErrorCode(code)
    except ValueError:
        return code


def decode_reply(frame: bytes) -> Reply:
    """One complete frame from a camera as a typed reply; DecodeError when it is not a valid one."""
    text = bytes(frame).hex(" ")
    if not MIN_FRAME <= len(frame) <= MAX_FRAME:
        raise DecodeError(f"frame {text}: length {len(frame)} is outside {MIN_FRAME}..{MAX_FRAME}")
    if frame[-1] != TERMINATOR or TERMINATOR in frame[:-1]:
        raise DecodeError(f"frame {text}: must hold exactly one FF, at the end")
    header, kind, body = frame[0], frame[1], bytes(frame[2:-1])
    if header == BROADCAST:
        if kind == 0x30 and len(body) == 1 and 1 <= body[0] <= 8:
            return AddressSetReply(count=body[0] - 1)
        if frame == IF_CLEAR_BROADCAST:
            return IfClearBroadcast()
        raise DecodeError(f"frame {text}: unknown broadcast reply")
    if header not in REPLY_HEADERS:
        raise DecodeError(f"frame {text}: header {header:02x} is not a camera's reply header (90..f0)")
    address = (header >> 4) - 8
    kind_hi, socket = kind >> 4, kind & 0x0F
    if kind == 0x38 and not body:
        return NetworkChange(address)
    if kind_hi == 0x4 and not body:
        return Ack(address, socket)
    if kind_hi == 0x5 and not body:
        return Completion(address, socket)
    if kind == 0x50:
        return InquiryAnswer(address, body)
    if kind_hi == 0x6 and len(body) == 1:
        return ErrorReply(address, socket, _error_code(body[0]))
    raise DecodeError(f"frame {text}: unknown reply type {kind:02x} with {len(body)} data byte(s)")


_ERROR_NAMES: dict[int, str] = {
    ErrorCode.LENGTH: "message length error",
    ErrorCode.SYNTAX: "syntax error",
    ErrorCode.CANCELLED: "command cancelled",
    ErrorCode.NO_SOCKET: "no such socket",
}


def error_for(reply: ErrorReply, what: str) -> DeviceNak:
    """The exception a caller acts on for an error reply: BufferFull, NotExecutable, else DeviceNak(code)."""
    if reply.code == ErrorCode.BUFFER_FULL:
        return BufferFull(f"{what}: buffer full (command sockets busy)", reply.code)
    if reply.code == ErrorCode.NOT_EXECUTABLE:
        return NotExecutable(f"{what}: not executable in its present state", reply.code)
    return DeviceNak(f"{what}: {_ERROR_NAMES.get(reply.code, f'error code {reply.code:02x}')}", reply.code)


# -- inquiry answers ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Version:
    """CAM_VersionInq answer: who made the camera, which model, its ROM version and its socket count."""

    vendor: int
    model: int
    rom: int
    max_sockets: int


def _payload(what: str, data: bytes, size: int) -> bytes:
    if len(data) != size:
        raise DecodeError(f"{what} answer {data.hex(' ') or '(empty)'}: expected {size} data bytes, got {len(data)}")
    return data


def _word(what: str, data: bytes, *, signed: bool) -> int:
    if any(byte > 0x0F for byte in data):
        raise DecodeError(f"{what} answer {data.hex(' ')}: position bytes must be nibbles 00..0f")
    word = (data[0] << 12) | (data[1] << 8) | (data[2] << 4) | data[3]
    return word - 0x10000 if signed and word & 0x8000 else word


def parse_power(data: bytes) -> bool | None:
    """True for on (``02``), False for standby (``03``), None for a power fault (``04``, some models)."""
    value = _payload("power", data, 1)[0]
    states: dict[int, bool | None] = {0x02: True, 0x03: False, 0x04: None}
    if value not in states:
        raise DecodeError(f"power answer {value:02x}: expected 02 (on), 03 (standby) or 04 (fault)")
    return states[value]


def parse_zoom(data: bytes) -> int:
    """The zoom position, 0x0000 (wide) upwards."""
    return _word("zoom", _payload("zoom", data, 4), signed=False)


def parse_pan_tilt(data: bytes) -> tuple[int, int]:
    """(pan, tilt), both signed 16-bit."""
    data = _payload("pan/tilt", data, 8)
    return _word("pan/tilt", data[:4], signed=True), _word("pan/tilt", data[4:], signed=True)


def parse_version(data: bytes) -> Version:
    """Vendor (GG GG), model (HH HH), ROM (JJ JJ) and max socket (KK)."""
    data = _payload("version", data, 7)
    return Version(
        vendor=int.from_bytes(data[0:2], "big"),
        model=int.from_bytes(data[2:4], "big"),
        rom=int.from_bytes(data[4:6], "big"),
        max_sockets=data[6],
    )
