"""A simulated USB microphone or speaker: UAC 1.0 feature units with mute and volume (1/256 dB)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from sim.usb.devices import (
    CLASS_IN,
    CLASS_OUT,
    GET_CUR,
    GET_MAX,
    GET_MIN,
    GET_RES,
    SET_CUR,
    FakeUsbDevice,
    InterfaceSpec,
    Request,
    Stall,
)

UAC_MUTE, UAC_VOLUME = 0x01, 0x02
SILENCE = -0x8000


@dataclass
class UacChannel:
    """One feature-unit channel's volume (1/256 dB) and mute."""

    min: int = -60 * 256
    max: int = 0
    res: int = 256
    volume: int = 0
    mute: bool = False

    @property
    def level_db(self) -> float:
        return float("-inf") if self.volume == SILENCE else self.volume / 256


class FakeUacDevice(FakeUsbDevice):
    """A USB microphone or speaker: feature units (id -> channel -> UacChannel) on AudioControl interface 0."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        serial: str | None = None,
        *,
        units: dict[int, dict[int, UacChannel]] | None = None,
        product: str = "USB audio",
        device_id: str = "",
    ) -> None:
        super().__init__(
            vendor_id,
            product_id,
            serial,
            product=product,
            interfaces=(InterfaceSpec(0, 0x01, 1), InterfaceSpec(1, 0x01, 2)),
            device_id=device_id,
        )
        self.units = units if units is not None else {2: {0: UacChannel(), 1: UacChannel(), 2: UacChannel()}}

    def channel(self, unit: int, channel: int = 0) -> UacChannel:
        """Test API: one channel's state."""
        return self.units[unit][channel]

    def _tagged(self, tag: str) -> UacChannel:
        """The channel a point tag names: ``fu<unit>`` (master) or ``fu<unit>.<channel>``."""
        unit, _, number = tag.removeprefix("fu").partition(".")
        return self.units[int(unit)][int(number or 0)]

    def level(self, tag: str, index: int = 1) -> float:
        """The AudioProcessorHandle view: a point's level in dB (``index`` is not used by UAC tags)."""
        return self._tagged(tag).level_db

    def muted(self, tag: str, index: int = 1) -> bool:
        return self._tagged(tag).mute

    def turn_knob(self, tag: str, index: int, level_db: float) -> None:
        """Someone turned the level on the device (its buttons, the OS mixer); UAC 1.0 pushes nothing."""
        with self.lock:
            channel = self._tagged(tag)
            channel.volume = max(channel.min, min(channel.max, round(level_db * 256)))

    def class_request(self, req: Request) -> bytes:
        bm_request_type, b_request, w_value, w_index, data, length = (
            req.bm_request_type,
            req.b_request,
            req.w_value,
            req.w_index,
            req.data,
            req.length,
        )
        unit, interface = w_index >> 8, w_index & 0xFF
        selector, number = w_value >> 8, w_value & 0xFF
        if interface != 0 or unit not in self.units or number not in self.units[unit]:
            raise Stall
        channel = self.units[unit][number]
        if selector == UAC_MUTE:
            if length != 1:
                raise Stall
            if b_request == SET_CUR and bm_request_type == CLASS_OUT and len(data) == 1 and data[0] in (0, 1):
                channel.mute = bool(data[0])
                return b""
            if b_request == GET_CUR and bm_request_type == CLASS_IN:
                return bytes([int(channel.mute)])
            raise Stall  # mute has only CUR
        if selector != UAC_VOLUME or length != 2:
            raise Stall
        if b_request == SET_CUR and bm_request_type == CLASS_OUT and len(data) == 2:
            (value,) = struct.unpack("<h", data)
            if value == SILENCE or not channel.min <= value <= channel.max:
                raise Stall
            channel.volume = channel.min + round((value - channel.min) / channel.res) * channel.res
            return b""
        values = {GET_CUR: channel.volume, GET_MIN: channel.min, GET_MAX: channel.max, GET_RES: channel.res}
        if bm_request_type != CLASS_IN or b_request not in values:
            raise Stall
        return struct.pack("<h", values[b_request])
