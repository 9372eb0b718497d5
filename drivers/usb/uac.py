"""USB Audio Class 1.0 feature-unit requests for mute and volume (protocols.md 6.2), without I/O.

wValue = (selector << 8) | channel (0 = master); wIndex = (feature unit id << 8) | AudioControl interface.
Volume is a signed 16-bit count of 1/256 dB: 0x7FFF = +127.996 dB, 0x8001 = -127.996 dB, and 0x8000 means
silence (-inf), which only GET_CUR reports.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from drivers.usb.control import GET_CUR, Control, ControlRequest, get_request, set_request

MUTE = Control("mute", 0x01, "<B")
VOLUME = Control("volume", 0x02, "<h")

SILENCE = -0x8000  # 0x8000 as a signed 16-bit value
VOLUME_MAX, VOLUME_MIN = 0x7FFF, -0x7FFF
STEPS_PER_DB = 256


def db_to_raw(level_db: float) -> int:
    """dB to the 1/256 dB count, rounded and clamped to what a SET may send (never the -inf code)."""
    if math.isnan(level_db):
        raise ValueError("level is not a number")
    if math.isinf(level_db):
        return VOLUME_MAX if level_db > 0 else VOLUME_MIN
    return max(VOLUME_MIN, min(VOLUME_MAX, round(level_db * STEPS_PER_DB)))


def raw_to_db(raw: int) -> float:
    """The 1/256 dB count (signed) to dB; the -inf code gives ``-math.inf``."""
    if raw == SILENCE:
        return -math.inf
    return raw / STEPS_PER_DB


@dataclass(frozen=True)
class Channel:
    """One feature-unit channel: unit id, channel (0 = master) and the AudioControl interface number."""

    unit: int
    channel: int = 0
    interface: int = 0

    @property
    def w_index(self) -> int:
        return (self.unit << 8) | self.interface

    def w_value(self, control: Control) -> int:
        return (control.selector << 8) | self.channel

    def set_mute(self, on: bool) -> ControlRequest:
        return set_request(self.w_value(MUTE), self.w_index, MUTE.encode(int(on)))

    def set_volume(self, level_db: float) -> ControlRequest:
        return set_request(self.w_value(VOLUME), self.w_index, VOLUME.encode(db_to_raw(level_db)))

    def get(self, control: Control, b_request: int = GET_CUR) -> ControlRequest:
        return get_request(b_request, self.w_value(control), self.w_index, control.size)


_TAG = re.compile(r"^fu(\d{1,3})(?:\.(\d{1,3}))?$")


def parse_tag(tag: str, interface: int = 0) -> Channel:
    """A point's tag, ``fu<unit>`` (master channel) or ``fu<unit>.<channel>``, as a Channel."""
    match = _TAG.match(tag)
    if match is None:
        raise ValueError(f"tag '{tag}' is not fu<unit> or fu<unit>.<channel> (e.g. fu2, fu2.1)")
    unit, channel = int(match.group(1)), int(match.group(2) or 0)
    if not 1 <= unit <= 255 or channel > 255:
        raise ValueError(f"tag '{tag}': unit must be 1..255 and channel 0..255")
    return Channel(unit, channel, interface)
