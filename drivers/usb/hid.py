"""HID-class devices over interrupt transfers: a status light (Indicator) and a push button (Button).

A light gets one output report per change on its interrupt OUT endpoint: report id (when the model has one),
then R, G, B at ``color_offset`` and a blink byte at ``blink_offset``, zero-padded to ``report_length``; off is
all zeros. A button's input reports arrive on its interrupt IN endpoint, read on the worker thread with a short
timeout so a close is never held up; pressed means ``report[button_byte] & button_mask`` is not zero (a foot
switch that types a key reports the key code in byte 2 of a keyboard report).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.devices.base import LineUse
from drivers.devices.button import Button
from drivers.devices.indicator import Indicator
from drivers.errors import CourtroomError
from drivers.profiles import Profile
from drivers.usb.link import UsbLink, claim

log = logging.getLogger(__name__)

Rgb = tuple[int, int, int]

DEFAULT_COLORS: dict[str, Rgb] = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 160, 0),
    "white": (255, 255, 255),
}


class HidLightOptions(BaseModel):
    """Family and model settings of a HID light: where it is and how its output report is laid out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interface: int = Field(0, ge=0, le=255)
    endpoint: int = Field(0x01, ge=0x01, le=0x0F)  # interrupt OUT
    report_id: int | None = Field(None, ge=1, le=255)
    report_length: int = Field(8, ge=3, le=64)  # bytes after the report id
    color_offset: int = Field(0, ge=0)
    blink_offset: int | None = Field(None, ge=0)
    colors: dict[str, tuple[int, int, int]] = Field(default_factory=lambda: dict(DEFAULT_COLORS))
    default_color: str = "red"
    resend_on_poll: bool = False  # lights that go dark without a report every few seconds [U]
    detach_kernel_driver: bool = True  # usbhid binds HID devices

    @model_validator(mode="after")
    def _fits(self) -> HidLightOptions:
        if self.color_offset + 3 > self.report_length:
            raise ValueError(f"color_offset {self.color_offset} + 3 bytes do not fit in {self.report_length}")
        if self.blink_offset is not None and self.blink_offset >= self.report_length:
            raise ValueError(f"blink_offset {self.blink_offset} is outside the {self.report_length}-byte report")
        if self.default_color not in self.colors:
            raise ValueError(f"default_color '{self.default_color}' is not one of colors")
        if any(not 0 <= v <= 255 for rgb in self.colors.values() for v in rgb):
            raise ValueError("colors: each value must be 0..255")
        return self


def light_report(options: HidLightOptions, on: bool, color: str | None, blink: bool) -> bytes:
    """The output report that shows ``on`` in ``color`` (steady or blinking)."""
    body = bytearray(options.report_length)
    if on:
        rgb = options.colors[color or options.default_color]
        body[options.color_offset : options.color_offset + 3] = bytes(rgb)
        if blink and options.blink_offset is not None:
            body[options.blink_offset] = 1
    prefix = bytes([options.report_id]) if options.report_id is not None else b""
    return prefix + bytes(body)


class HidLight(Indicator):
    """A recording-status light on a HID interrupt OUT endpoint; its state is what was last sent."""

    def __init__(self, device_id: str, profile: Profile, link: UsbLink, options: HidLightOptions) -> None:
        super().__init__(device_id, profile, colors=list(options.colors), default_color=options.default_color)
        self.link = link
        self.options = options
        link.prepare = claim(options.interface, options.detach_kernel_driver)
        self._use = LineUse(device_id, link)

    async def connect(self) -> None:
        """Find and claim the light; a light that was plugged back in is shown its last state again."""
        await self._use.connect(None, self._show_again)

    async def _show_again(self) -> None:
        if self.on is not None:
            await self._send()
        self._heard()

    async def poll(self) -> None:
        await self.link.check_present()
        if self.options.resend_on_poll and self.on is not None:
            await self._send()
        self._heard()

    async def close(self) -> None:
        await self._use.close()

    async def _send(self, on: bool | None = None, color: str | None = None, blink: bool | None = None) -> None:
        report = light_report(
            self.options,
            bool(self.on) if on is None else on,
            self.color if color is None else color,
            self.blink if blink is None else blink,
        )
        await self.link.write(self.options.endpoint, report)

    async def _set(self, on: bool, color: str | None, blink: bool) -> None:
        await self._send(on, color, blink)
        self._heard()


class HidButtonOptions(BaseModel):
    """Family and model settings of a HID button: its endpoint and which bit of the report is the button."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interface: int = Field(0, ge=0, le=255)
    endpoint: int = Field(0x81, ge=0x81, le=0x8F)  # interrupt IN
    report_length: int = Field(8, ge=1, le=64)
    button_byte: int = Field(0, ge=0)
    button_mask: int = Field(0x01, ge=1, le=255)
    read_timeout_ms: int = Field(100, ge=10, le=1000)  # how long one read waits: bounds how late a close is
    detach_kernel_driver: bool = True

    @model_validator(mode="after")
    def _fits(self) -> HidButtonOptions:
        if self.button_byte >= self.report_length:
            raise ValueError(f"button_byte {self.button_byte} is outside the {self.report_length}-byte report")
        return self


class HidButton(Button):
    """A foot switch or alarm button whose input reports are read continuously on the worker thread."""

    def __init__(self, device_id: str, profile: Profile, link: UsbLink, options: HidButtonOptions) -> None:
        super().__init__(device_id, profile)
        self.link = link
        self.options = options
        link.prepare = claim(options.interface, options.detach_kernel_driver)
        self._use = LineUse(device_id, link)
        self._reader: asyncio.Task[None] | None = None
        self._lost: CourtroomError | None = None

    async def connect(self) -> None:
        """Find and claim the button, then read its reports; it reports changes only, so it starts released."""
        await self.close()
        await self._use.connect(None, self._start_reading)

    async def _start_reading(self) -> None:
        self._lost = None
        self._pressed(False)
        self._reader = asyncio.create_task(self._read_reports(), name=f"{self.device_id}-reports")
        self._heard()

    async def poll(self) -> None:
        """Raise what ended the reading, else re-enumerate (an unplugged button raises TransportLost)."""
        if self._lost is not None:
            raise self._lost
        await self.link.check_present()
        self._heard()

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        await self._use.close()

    async def _read_reports(self) -> None:
        opts = self.options
        while True:
            try:
                report = await self.link.read(opts.endpoint, opts.report_length, opts.read_timeout_ms)
            except CourtroomError as exc:
                log.info("%s: reading reports stopped: %s", self.device_id, exc)
                self._lost = exc
                return
            if report is None:
                continue
            self._heard()
            if len(report) > opts.button_byte:
                self._pressed(bool(report[opts.button_byte] & opts.button_mask))
