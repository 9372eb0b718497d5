"""The VISCA-over-IP message header (docs/protocols.md section 1): sans-IO encode and decode.

A datagram is ``[type:2][payload length:2 BE, 1-16][sequence:4 BE][payload]``. The payload of a command,
inquiry or reply is one whole VISCA frame (see drivers.visca.codec); a control message carries ``01``
(RESET) or an error ``0F 01`` (sequence number) / ``0F 02`` (message). Encoders refuse bad arguments with
InvalidArgument; ``decode()`` refuses bad bytes with DecodeError and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from drivers.errors import DecodeError, InvalidArgument

HEADER_LEN = 8
MAX_PAYLOAD = 16
SEQUENCE_LIMIT = 1 << 32
DEFAULT_PORT = 52381

RESET = b"\x01"
"""Control payload RESET: the camera sets its expected sequence number back to 0; its reply carries ``01``."""
SEQUENCE_ERROR = b"\x0f\x01"
"""Control reply: the sequence number was not the one the camera expected."""
MESSAGE_ERROR = b"\x0f\x02"
"""Control reply: the message (its type or length) was not accepted."""


class PayloadType(IntEnum):
    """The first two header bytes: what the payload is."""

    COMMAND = 0x0100
    INQUIRY = 0x0110
    REPLY = 0x0111
    DEVICE_SETTING = 0x0120
    CONTROL = 0x0200
    CONTROL_REPLY = 0x0201


_TYPES: dict[object, PayloadType] = {t.value: t for t in PayloadType}


@dataclass(frozen=True)
class Message:
    """One VISCA-over-IP datagram: its payload type, sequence number and payload bytes."""

    type: PayloadType
    sequence: int
    payload: bytes

    def encode(self) -> bytes:
        """The datagram as it goes on the wire."""
        return encode(self.type, self.sequence, self.payload)

    @property
    def error(self) -> bytes | None:
        """``0F 01`` or ``0F 02`` when this is an error reply (control reply, or a reply as some units send)."""
        if self.type in (PayloadType.CONTROL_REPLY, PayloadType.REPLY) and self.payload in (
            SEQUENCE_ERROR,
            MESSAGE_ERROR,
        ):
            return self.payload
        return None

    @property
    def is_reset_reply(self) -> bool:
        """True for the camera's answer to RESET (control reply carrying ``01``)."""
        return self.type == PayloadType.CONTROL_REPLY and self.payload == RESET


def next_sequence(sequence: int) -> int:
    """The number after ``sequence``; wraps from 0xFFFFFFFF to 0."""
    return (sequence + 1) % SEQUENCE_LIMIT


def encode(payload_type: PayloadType, sequence: int, payload: bytes) -> bytes:
    """Header plus payload; InvalidArgument for an unknown type, a sequence outside 32 bits or a bad length."""
    try:
        kind = _TYPES.get(payload_type)  # a dict, not PayloadType(...): this runs for every request of every poll
    except TypeError:  # unhashable
        kind = None
    if kind is None:
        raise InvalidArgument(f"payload_type: {payload_type!r} is not a VISCA-over-IP payload type")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 0 <= sequence < SEQUENCE_LIMIT:
        raise InvalidArgument(f"sequence: {sequence!r} is outside 0..0xFFFFFFFF")
    if not isinstance(payload, bytes | bytearray) or not 1 <= len(payload) <= MAX_PAYLOAD:
        size = len(payload) if isinstance(payload, bytes | bytearray) else type(payload).__name__
        raise InvalidArgument(f"payload: length {size} is outside 1..{MAX_PAYLOAD}")
    return kind.to_bytes(2, "big") + len(payload).to_bytes(2, "big") + sequence.to_bytes(4, "big") + bytes(payload)


def command(sequence: int, frame: bytes) -> bytes:
    """A VISCA command frame (``8x 01 ... FF``) as a datagram."""
    return encode(PayloadType.COMMAND, sequence, frame)


def inquiry(sequence: int, frame: bytes) -> bytes:
    """A VISCA inquiry frame (``8x 09 ... FF``) as a datagram."""
    return encode(PayloadType.INQUIRY, sequence, frame)


def reset(sequence: int = 0) -> bytes:
    """The RESET control message (``02 00 00 01 <sequence> 01``)."""
    return encode(PayloadType.CONTROL, sequence, RESET)


def decode(datagram: bytes) -> Message:
    """One received datagram as a Message; DecodeError when the header is short, unknown or inconsistent."""
    data = bytes(datagram)
    if len(data) < HEADER_LEN + 1:
        raise DecodeError(f"datagram {data.hex(' ') or '(empty)'}: {len(data)} bytes is shorter than a header")
    raw_type = int.from_bytes(data[0:2], "big")
    kind = _TYPES.get(raw_type)
    if kind is None:
        raise DecodeError(f"datagram {data[:HEADER_LEN].hex(' ')}: unknown payload type {raw_type:04x}")
    length = int.from_bytes(data[2:4], "big")
    if not 1 <= length <= MAX_PAYLOAD:
        raise DecodeError(f"datagram {data[:HEADER_LEN].hex(' ')}: payload length {length} is outside 1..16")
    if len(data) != HEADER_LEN + length:
        raise DecodeError(
            f"datagram {data[:HEADER_LEN].hex(' ')}: header says {length} payload bytes, {len(data) - HEADER_LEN} came"
        )
    return Message(kind, int.from_bytes(data[4:8], "big"), data[HEADER_LEN:])
