"""Class-specific control requests on endpoint 0, as UVC and UAC 1.0 both shape them (protocols.md 6.1, 6.2).

A request is plain data: the five setup fields and, for a SET, its payload. ``setup()`` gives the 8 setup bytes
the golden vectors show; nothing here touches pyusb.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from drivers.errors import DecodeError

SET_TYPE = 0x21  # host to device, class, interface
GET_TYPE = 0xA1  # device to host, class, interface

SET_CUR = 0x01
GET_CUR = 0x81
GET_MIN = 0x82
GET_MAX = 0x83
GET_RES = 0x84
GET_LEN = 0x85
GET_INFO = 0x86
GET_DEF = 0x87

GET_REQUESTS = {"cur": GET_CUR, "min": GET_MIN, "max": GET_MAX, "res": GET_RES, "info": GET_INFO, "def": GET_DEF}


@dataclass(frozen=True)
class ControlRequest:
    """One control transfer: setup fields, and the payload of an OUT request (None for an IN request)."""

    bm_request_type: int
    b_request: int
    w_value: int
    w_index: int
    length: int
    data: bytes | None = None

    @property
    def is_in(self) -> bool:
        return bool(self.bm_request_type & 0x80)

    def setup(self) -> bytes:
        """The 8-byte setup packet: bmRequestType, bRequest, then wValue, wIndex, wLength little-endian."""
        return struct.pack("<BBHHH", self.bm_request_type, self.b_request, self.w_value, self.w_index, self.length)


@dataclass(frozen=True)
class Control:
    """A class control: its selector and little-endian layout (a ``struct`` format)."""

    name: str
    selector: int
    layout: str

    @property
    def size(self) -> int:
        return struct.calcsize(self.layout)

    def encode(self, *values: int) -> bytes:
        return struct.pack(self.layout, *values)

    def decode(self, data: bytes) -> tuple[int, ...]:
        if len(data) != self.size:
            raise DecodeError(f"{self.name}: expected {self.size} bytes, got {len(data)}")
        return struct.unpack(self.layout, data)


def set_request(w_value: int, w_index: int, data: bytes) -> ControlRequest:
    """SET_CUR with ``data``."""
    return ControlRequest(SET_TYPE, SET_CUR, w_value, w_index, len(data), bytes(data))


def get_request(b_request: int, w_value: int, w_index: int, length: int) -> ControlRequest:
    """A GET_* request reading ``length`` bytes."""
    if b_request not in GET_REQUESTS.values() and b_request != GET_LEN:
        raise ValueError(f"0x{b_request:02X} is not a GET request")
    return ControlRequest(GET_TYPE, b_request, w_value, w_index, length)
