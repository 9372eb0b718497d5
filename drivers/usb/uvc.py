"""UVC camera-terminal requests for pan, tilt and zoom (protocols.md 6.1), without I/O.

wValue = selector << 8; wIndex = (camera terminal id << 8) | VideoControl interface number; data little-endian.
Pan and tilt are in arc-seconds. Relative controls drive the camera until told to stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.usb.control import GET_CUR, GET_INFO, Control, ControlRequest, get_request, set_request

ZOOM_ABSOLUTE = Control("zoom absolute", 0x0B, "<H")
ZOOM_RELATIVE = Control("zoom relative", 0x0C, "<bBB")  # bZoom (0 stop, 1 tele, -1 wide), bDigitalZoom, bSpeed
PANTILT_ABSOLUTE = Control("pan/tilt absolute", 0x0D, "<ii")  # pan, tilt in arc-seconds
PANTILT_RELATIVE = Control("pan/tilt relative", 0x0E, "<bBbB")  # pan dir, pan speed, tilt dir, tilt speed

REQUEST_ERROR_CODE = Control("request error code", 0x02, "<B")  # a VideoControl interface control

ERROR_CODES = {
    0: "no error",
    1: "not ready",
    2: "wrong state",
    3: "power",
    4: "out of range",
    5: "invalid unit",
    6: "invalid control",
    7: "invalid request",
    8: "invalid value",
    0xFF: "unknown",
}
"""VC_REQUEST_ERROR_CODE_CONTROL values [U]."""

INFO_GET, INFO_SET, INFO_AUTO_DISABLED, INFO_AUTO_UPDATE, INFO_ASYNC = 0x01, 0x02, 0x04, 0x08, 0x10

Direction = Literal[-1, 0, 1]


@dataclass(frozen=True)
class Terminal:
    """Where the camera terminal is: its entity id and the VideoControl interface number."""

    terminal_id: int = 1
    interface: int = 0

    @property
    def w_index(self) -> int:
        return (self.terminal_id << 8) | self.interface

    def set(self, control: Control, *values: int) -> ControlRequest:
        """SET_CUR of ``control`` with ``values``."""
        return set_request(control.selector << 8, self.w_index, control.encode(*values))

    def get(self, control: Control, b_request: int = GET_CUR) -> ControlRequest:
        """A GET_* of ``control`` (GET_INFO reads one byte)."""
        length = 1 if b_request == GET_INFO else control.size
        return get_request(b_request, control.selector << 8, self.w_index, length)

    def error_code(self) -> ControlRequest:
        """GET_CUR of the request error code control, read after a STALL."""
        return get_request(GET_CUR, REQUEST_ERROR_CODE.selector << 8, self.interface, 1)


def zoom_relative(direction: Direction, speed: int, digital: bool = False) -> tuple[int, int, int]:
    """The ZOOM_RELATIVE values: direction 1 tele, -1 wide, 0 stop (the speed is sent even then: 00 00 01)."""
    return (direction, int(digital), speed)


def pantilt_relative(pan: Direction, pan_speed: int, tilt: Direction, tilt_speed: int) -> tuple[int, int, int, int]:
    """The PANTILT_RELATIVE values: pan 1 right / -1 left, tilt 1 up / -1 down, 0 stops an axis (speeds are
    sent even then, as for zoom)."""
    return (pan, pan_speed, tilt, tilt_speed)


def describe_info(info: int) -> str:
    """GET_INFO bits in words: ``get, set``."""
    names = ((INFO_GET, "get"), (INFO_SET, "set"), (INFO_AUTO_DISABLED, "auto"), (INFO_ASYNC, "async"))
    return ", ".join(name for bit, name in names if info & bit) or "none"


@dataclass(frozen=True)
class AxisRange:
    """A control's range as the camera reports it: minimum, maximum and step (GET_MIN / GET_MAX / GET_RES)."""

    min: int
    max: int
    res: int = 1

    def clamp(self, value: int) -> int:
        """``value`` moved into the range."""
        return max(self.min, min(self.max, value))

    def snap(self, value: int) -> int:
        """``value`` clamped into the range and rounded to the nearest step from the minimum."""
        value = max(self.min, min(self.max, value))
        step = max(1, self.res)
        snapped = self.min + round((value - self.min) / step) * step
        return snapped if snapped <= self.max else snapped - step

    @property
    def centre(self) -> int:
        """The step nearest to 0 (or the middle, for a range without 0): where home points."""
        return self.snap(0) if self.min <= 0 <= self.max else self.snap((self.min + self.max) // 2)
