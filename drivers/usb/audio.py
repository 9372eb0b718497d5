"""UacDevice: the AudioProcessor device class for a USB microphone or speaker's UAC 1.0 feature units.

Each point is one feature-unit channel, named by its tag ``fu<unit>`` (master) or ``fu<unit>.<channel>``; the
point's ``index`` is not used. At connect each point's volume range (GET_MIN / GET_MAX / GET_RES, 1/256 dB)
replaces the profile's; levels are snapped to the device's steps. A volume of -inf (silence) is published as
``level_db: null``.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.audio import AudioProcessor
from drivers.devices.base import LineUse
from drivers.errors import ConfigError, DeviceNak
from drivers.profiles import AudioPoint, Profile
from drivers.usb import uac
from drivers.usb.control import GET_MAX, GET_MIN, GET_RES
from drivers.usb.link import UsbLink, claim
from drivers.usb.uvc import AxisRange


class UacOptions(BaseModel):
    """Family and model settings of a UAC device."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ac_interface: int = Field(0, ge=0, le=255)  # the AudioControl interface number
    detach_kernel_driver: bool = False  # snd-usb-audio keeps the device; class requests work beside it


class UacDeviceOptions(BaseModel):
    """A room config's options for one UAC device: its own points, or another AudioControl interface."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: dict[str, AudioPoint] = Field(default_factory=dict)
    ac_interface: int | None = Field(None, ge=0, le=255)


class UacDevice(AudioProcessor):
    """A USB audio device: mute and volume per feature-unit channel."""

    def __init__(
        self,
        device_id: str,
        profile: Profile,
        link: UsbLink,
        *,
        interface: int = 0,
        points: dict[str, AudioPoint] | None = None,
        detach_kernel_driver: bool = False,
    ) -> None:
        super().__init__(device_id, profile, points=points)
        self.link = link
        self.channels: dict[str, uac.Channel] = {}
        for name, point in self.points.items():
            try:
                self.channels[name] = uac.parse_tag(point.tag, interface)
            except ValueError as exc:
                raise ConfigError(f"{device_id}: points.{name}.tag: {exc}") from None
        self.volume_ranges: dict[str, AxisRange] = {}  # raw 1/256 dB
        link.prepare = claim(interface, detach_kernel_driver)
        self._use = LineUse(device_id, link)

    async def connect(self) -> None:
        """Find the device, claim its AudioControl interface, read each point's range and values."""
        await self._use.connect(self._identify, self._read_now)

    async def _identify(self) -> None:
        for name in self.points:
            await self._read_range(name)

    async def _read_now(self) -> None:
        await self._read_all()
        self._heard()
        self._changed()

    async def poll(self) -> None:
        await self.link.check_present()
        await self._read_all()
        self._heard()
        self._changed()

    async def close(self) -> None:
        await self._use.close()

    async def _read_range(self, name: str) -> None:
        channel = self.channels[name]
        try:
            lo, hi, res = [
                uac.VOLUME.decode(await self.link.control(channel.get(uac.VOLUME, r)))[0]
                for r in (GET_MIN, GET_MAX, GET_RES)
            ]
        except DeviceNak as exc:
            raise DeviceNak(f"{self.device_id}: point {name} ({channel}): volume range not readable: {exc}") from None
        self.volume_ranges[name] = AxisRange(lo, hi, max(1, res))
        self.points[name] = self.points[name].model_copy(
            update={"min_db": uac.raw_to_db(lo), "max_db": uac.raw_to_db(hi)}
        )
        self.info.extra.setdefault("ranges_db", {})[name] = [uac.raw_to_db(lo), uac.raw_to_db(hi), res / 256]

    async def _read_all(self) -> None:
        for name in self.points:
            await self._read_point(name)

    async def _read_point(self, name: str) -> None:
        channel = self.channels[name]
        (raw,) = uac.VOLUME.decode(await self.link.control(channel.get(uac.VOLUME)))
        (mute,) = uac.MUTE.decode(await self.link.control(channel.get(uac.MUTE)))
        level = uac.raw_to_db(raw)
        state = self.state[name]
        state.level_db = level if math.isfinite(level) else None
        state.mute = bool(mute)

    def _name(self, point: AudioPoint) -> str:
        return next(name for name, p in self.points.items() if p is point)

    async def _set_level(self, point: AudioPoint, level_db: float) -> None:
        name = self._name(point)
        raw = uac.db_to_raw(level_db)
        steps = self.volume_ranges.get(name)
        if steps is not None:
            raw = steps.snap(raw)
        channel = self.channels[name]
        await self.link.control(channel.set_volume(uac.raw_to_db(raw)))
        await self._read_point(name)
        self._heard()
        self._changed()

    async def _set_mute(self, point: AudioPoint, on: bool) -> None:
        name = self._name(point)
        await self.link.control(self.channels[name].set_mute(on))
        await self._read_point(name)
        self._heard()
        self._changed()
