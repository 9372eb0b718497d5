"""Pelco-D and Pelco-P codec (docs/protocols.md section 2): typed messages to bytes and bytes back.

Sans-IO: nothing here reads a port, sleeps or touches asyncio. Both variants carry the same four message
bytes, called here ``cmd1 cmd2 data1 data2`` (Pelco-P's d1..d4); they differ in the wrapping:

- Pelco-D: ``FF addr cmd1 cmd2 data1 data2 cs``, cs = sum of bytes 1..5 mod 256, addresses 1..254.
- Pelco-P: ``A0 addr d1 d2 d3 d4 AF cs``, cs = XOR of bytes 0..6, addresses 0..31 (00 = camera 1).

cmd2 bit 0 set marks an extended command (presets, positions, queries); clear, cmd2 holds the drive bits,
whose positions both variants share. Encoders refuse bad arguments with InvalidArgument; decoders refuse
bad bytes with DecodeError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.errors import DecodeError, InvalidArgument

Variant = Literal["D", "P"]
Axis = Literal["pan", "tilt", "zoom"]
PanDirection = Literal["left", "right", "stop"]
TiltDirection = Literal["up", "down", "stop"]
ZoomDirection = Literal["tele", "wide", "stop"]
PresetOp = Literal["set", "clear", "recall"]

D_SYNC, P_SYNC, P_END = 0xFF, 0xA0, 0xAF
FRAME_LEN: dict[Variant, int] = {"D": 7, "P": 8}
ADDRESSES: dict[Variant, range] = {"D": range(1, 255), "P": range(0, 0x20)}
MAX_SPEED = 0x3F
TURBO = 0x40

# drive bits of cmd2 (both variants)
RIGHT, LEFT, UP, DOWN, TELE, WIDE = 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
FOCUS_FAR = 0x80  # Pelco-D only
# extended commands (cmd2)
PRESET_CODES: dict[PresetOp, int] = {"set": 0x03, "clear": 0x05, "recall": 0x07}
ZOOM_SPEED = 0x25
SET_POSITION: dict[Axis, int] = {"pan": 0x4B, "tilt": 0x4D, "zoom": 0x4F}
QUERY: dict[Axis, int] = {"pan": 0x51, "tilt": 0x53, "zoom": 0x55}
QUERY_REPLY: dict[Axis, int] = {"pan": 0x59, "tilt": 0x5B, "zoom": 0x5D}
# power bits of cmd1: Pelco-D sense (bit 7) + camera on/off (bit 3); Pelco-P camera on (6) + on/off (4)
POWER_ON: dict[Variant, int] = {"D": 0x88, "P": 0x50}
POWER_OFF: dict[Variant, int] = {"D": 0x08, "P": 0x10}


# -- checksums and wrapping --------------------------------------------------------------------------------
def checksum(variant: Variant, head: bytes) -> int:
    """The checksum over a frame's bytes before it: D sums bytes 1..5, P XORs bytes 0..6."""
    if variant == "D":
        return sum(head[1:6]) & 0xFF
    result = 0
    for byte in head[:7]:
        result ^= byte
    return result


def _int(name: str, value: object, allowed: range) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgument(f"{name}: expected an integer, got {type(value).__name__}")
    if value not in allowed:
        raise InvalidArgument(f"{name}: {value} is outside {allowed.start}..{allowed.stop - 1}")
    return value


def _variant(variant: object) -> Variant:
    if variant == "D":
        return "D"
    if variant == "P":
        return "P"
    raise InvalidArgument(f"variant: {variant!r} is not 'D' or 'P'")


def frame(variant: Variant, address: int, message: tuple[int, int, int, int]) -> bytes:
    """Wrap the four message bytes ``(cmd1, cmd2, data1, data2)`` in the variant's sync, end byte and checksum."""
    variant = _variant(variant)
    address = _int("address", address, ADDRESSES[variant])
    if len(message) != 4:
        raise InvalidArgument(f"message: expected 4 bytes, got {len(message)}")
    body = bytes(_int(name, v, range(256)) for name, v in zip(("cmd1", "cmd2", "data1", "data2"), message, strict=True))
    head = bytes([D_SYNC, address, *body]) if variant == "D" else bytes([P_SYNC, address, *body, P_END])
    return head + bytes([checksum(variant, head)])


# -- encoders ----------------------------------------------------------------------------------------------
def drive(
    variant: Variant,
    address: int,
    pan: PanDirection = "stop",
    tilt: TiltDirection = "stop",
    zoom: ZoomDirection = "stop",
    *,
    pan_speed: int = 0,
    tilt_speed: int = 0,
) -> bytes:
    """A standard command: pan, tilt and zoom together; it lasts until the next one. All stop = stop."""
    bits = {"left": LEFT, "right": RIGHT, "stop": 0}.get(pan)
    tbits = {"up": UP, "down": DOWN, "stop": 0}.get(tilt)
    zbits = {"tele": TELE, "wide": WIDE, "stop": 0}.get(zoom)
    if bits is None or tbits is None or zbits is None:
        raise InvalidArgument(f"direction: pan {pan!r}, tilt {tilt!r}, zoom {zoom!r} is not a known direction")
    pan_speed = _int("pan_speed", pan_speed, range(TURBO + 1))
    tilt_speed = _int("tilt_speed", tilt_speed, range(MAX_SPEED + 1))
    return frame(variant, address, (0x00, bits | tbits | zbits, pan_speed if bits else 0, tilt_speed if tbits else 0))


def stop(variant: Variant, address: int) -> bytes:
    """Stop every motion: all four message bytes zero."""
    return frame(variant, address, (0, 0, 0, 0))


def power(variant: Variant, address: int, on: bool) -> bytes:
    """Camera on or off (Pelco-D ``88``/``08`` in cmd1; Pelco-P ``50``/``10`` in d1)."""
    if not isinstance(on, bool):
        raise InvalidArgument(f"on: expected a boolean, got {type(on).__name__}")
    variant = _variant(variant)
    return frame(variant, address, (POWER_ON[variant] if on else POWER_OFF[variant], 0, 0, 0))


def preset(variant: Variant, address: int, op: PresetOp, number: int) -> bytes:
    """Set (03), clear (05) or go to (07) preset ``number`` (1..255 on the wire)."""
    code = PRESET_CODES.get(op)
    if code is None:
        raise InvalidArgument(f"op: {op!r} is not one of {', '.join(PRESET_CODES)}")
    return frame(variant, address, (0, code, 0, _int("preset", number, range(1, 256))))


def zoom_speed(variant: Variant, address: int, speed: int) -> bytes:
    """Extended command 25: zoom speed 0 (slowest) .. 3."""
    return frame(variant, address, (0, ZOOM_SPEED, 0, _int("speed", speed, range(4))))


def set_position(address: int, axis: Axis, value: int) -> bytes:
    """Pelco-D 4B / 4D / 4F: move pan, tilt or zoom to ``value`` (16-bit, data1:data2)."""
    if axis not in SET_POSITION:
        raise InvalidArgument(f"axis: {axis!r} is not pan, tilt or zoom")
    value = _int("value", value, range(0x10000))
    return frame("D", address, (0, SET_POSITION[axis], value >> 8, value & 0xFF))


def query(address: int, axis: Axis) -> bytes:
    """Pelco-D 51 / 53 / 55: ask for the pan, tilt or zoom position."""
    if axis not in QUERY:
        raise InvalidArgument(f"axis: {axis!r} is not pan, tilt or zoom")
    return frame("D", address, (0, QUERY[axis], 0, 0))


def position_reply(address: int, axis: Axis, value: int) -> bytes:
    """Pelco-D 59 / 5B / 5D: a camera's answer to a position query (for tests and peers)."""
    value = _int("value", value, range(0x10000))
    return frame("D", address, (0, QUERY_REPLY[axis], value >> 8, value & 0xFF))


# -- decoding ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One checked frame: who it is for (or from) and its four message bytes."""

    variant: Variant
    address: int
    cmd1: int
    cmd2: int
    data1: int
    data2: int

    @property
    def extended(self) -> bool:
        """True for an extended command (cmd2 bit 0)."""
        return bool(self.cmd2 & 0x01)

    @property
    def word(self) -> int:
        """data1:data2 as one 16-bit value."""
        return (self.data1 << 8) | self.data2


@dataclass(frozen=True)
class PositionReply:
    """A camera's answer to a position query."""

    address: int
    axis: Axis
    value: int


def decode(variant: Variant, raw: bytes) -> Message:
    """One complete frame as a Message; DecodeError for a wrong length, sync, end byte or checksum."""
    variant = _variant(variant)
    data = bytes(raw)
    text = data.hex(" ")
    if len(data) != FRAME_LEN[variant]:
        raise DecodeError(f"Pelco-{variant} frame {text}: length {len(data)}, expected {FRAME_LEN[variant]}")
    if data[0] != (D_SYNC if variant == "D" else P_SYNC):
        raise DecodeError(f"Pelco-{variant} frame {text}: bad sync byte {data[0]:02x}")
    if variant == "P" and data[6] != P_END:
        raise DecodeError(f"Pelco-P frame {text}: byte 6 is {data[6]:02x}, expected af")
    if checksum(variant, data) != data[-1]:
        raise DecodeError(
            f"Pelco-{variant} frame {text}: checksum {data[-1]:02x}, expected {checksum(variant, data):02x}"
        )
    if data[1] not in ADDRESSES[variant] and not (variant == "D" and data[1] == 0xFF):
        raise DecodeError(f"Pelco-{variant} frame {text}: address {data[1]} is out of range")
    return Message(variant, data[1], data[2], data[3], data[4], data[5])


def parse_reply(message: Message) -> PositionReply:
    """A Pelco-D message as a position reply; DecodeError when it is anything else."""
    for axis, code in QUERY_REPLY.items():
        if message.variant == "D" and message.cmd2 == code and message.cmd1 == 0:
            return PositionReply(message.address, axis, message.word)
    raise DecodeError(f"Pelco-{message.variant} message {message} is not a position reply")


class FrameSplitter:
    """Cuts a Pelco byte stream into checked frames of one variant.

    A frame starts at the sync byte and has the variant's fixed length; when its end byte or checksum is
    wrong, only the sync byte is dropped, so the splitter resynchronises on the next sync byte (even one
    inside the bad frame). Once ``next_frame()`` returned None the buffer holds less than one frame.
    """

    def __init__(self, variant: Variant) -> None:
        self.variant = _variant(variant)
        self.sync = D_SYNC if self.variant == "D" else P_SYNC
        self.length = FRAME_LEN[self.variant]
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        """Add bytes received from the line."""
        self._buf.extend(data)

    def next_frame(self) -> bytes | None:
        """The next complete, checked frame, or None until more bytes arrive.

        Raises DecodeError for bytes it discards; call again to continue after them.
        """
        buf = self._buf
        start = buf.find(self.sync)
        if start < 0:
            start = len(buf)
        if start:
            junk = bytes(buf[:start])
            del buf[:start]
            raise DecodeError(f"discarded {len(junk)} byte(s) before a sync byte: {junk.hex(' ')}")
        if len(buf) < self.length:
            return None
        raw = bytes(buf[: self.length])
        try:
            decode(self.variant, raw)
        except DecodeError:
            del buf[:1]
            raise
        del buf[: self.length]
        return raw
