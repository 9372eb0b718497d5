"""Teaches the DeviceFactory the USB families: ``uvc`` (camera), ``uac`` (audio), ``hid-light``, ``hid-button``.

A USB device's ``transport.port`` is ``usb:VID:PID[:SERIAL]`` (hex ids); the serial tells apart two devices of
one model. Room config device options: a UVC camera's ``state_dir`` (where its presets are kept),
``terminal_id`` and ``vc_interface``; a UAC device's ``points`` and ``ac_interface``. See docs/usb.md.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.profiles import parse_options, register_options
from drivers.usb.audio import UacDevice, UacDeviceOptions, UacOptions
from drivers.usb.camera import PRESET_SUBDIR, UvcCamera, UvcDeviceOptions, UvcOptions
from drivers.usb.enumerate import UsbAddress
from drivers.usb.hid import HidButton, HidButtonOptions, HidLight, HidLightOptions
from drivers.usb.link import UsbLink
from drivers.usb.presets import PresetStore
from drivers.usb.uvc import Terminal

log = logging.getLogger(__name__)

UVC, UAC, HID_LIGHT, HID_BUTTON = "uvc", "uac", "hid-light", "hid-button"


class NoDeviceOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _link(request: BuildRequest) -> UsbLink:
    address = UsbAddress.parse(request.port, request.where("transport.port"))
    return UsbLink(request.device_id, address, request.profile.protocol.timing.ack_timeout_ms)


def _check_class(request: BuildRequest, expected: str) -> None:
    device_class = request.profile.model.device_class
    if device_class != expected:
        raise ConfigError(
            f"{request.device_id}: profile {request.profile.model.ref} is a {device_class}; "
            f"the {request.profile.model.protocol} family drives a {expected}"
        )


def build_uvc(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A UvcCamera; its presets go to ``<options.state_dir>/<device id>.json``, by default under the room's
    state_dir (``factory.state_dir``, when the factory has one), else they are kept in memory only."""
    _check_class(request, "camera")
    family = parse_options(UvcOptions, request.profile.options(), f"{request.profile.model.ref}: options")
    mine = parse_options(UvcDeviceOptions, request.options, request.where(), ConfigError)
    terminal = Terminal(
        mine.terminal_id if mine.terminal_id is not None else family.terminal_id,
        mine.vc_interface if mine.vc_interface is not None else family.vc_interface,
    )
    folder = mine.state_dir
    room_state = getattr(factory, "state_dir", None)
    if folder is None and isinstance(room_state, Path):
        folder = room_state / PRESET_SUBDIR
    if folder is None:
        log.warning("%s: no state_dir: presets are kept in memory only", request.device_id)
    presets = PresetStore(folder / f"{request.device_id}.json" if folder is not None else None)
    return UvcCamera(
        request.device_id,
        request.profile,
        _link(request),
        terminal,
        presets,
        detach_kernel_driver=family.detach_kernel_driver,
    )


def build_uac(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A UacDevice on the profile's (or the room's) feature-unit points."""
    _check_class(request, "audio_processor")
    family = parse_options(UacOptions, request.profile.options(), f"{request.profile.model.ref}: options")
    mine = parse_options(UacDeviceOptions, request.options, request.where(), ConfigError)
    return UacDevice(
        request.device_id,
        request.profile,
        _link(request),
        interface=mine.ac_interface if mine.ac_interface is not None else family.ac_interface,
        points=mine.points,
        detach_kernel_driver=family.detach_kernel_driver,
    )


def build_hid_light(factory: DeviceFactory, request: BuildRequest) -> Device:
    _check_class(request, "indicator")
    options = parse_options(HidLightOptions, request.profile.options(), f"{request.profile.model.ref}: options")
    parse_options(NoDeviceOptions, request.options, request.where(), ConfigError)
    return HidLight(request.device_id, request.profile, _link(request), options)


def build_hid_button(factory: DeviceFactory, request: BuildRequest) -> Device:
    _check_class(request, "button")
    options = parse_options(HidButtonOptions, request.profile.options(), f"{request.profile.model.ref}: options")
    parse_options(NoDeviceOptions, request.options, request.where(), ConfigError)
    return HidButton(request.device_id, request.profile, _link(request), options)


def register() -> None:
    """Register the four USB families and their options models (idempotent)."""
    register_options(UVC, UvcOptions)
    register_options(UAC, UacOptions)
    register_options(HID_LIGHT, HidLightOptions)
    register_options(HID_BUTTON, HidButtonOptions)
    DeviceFactory.register(UVC, build_uvc)
    DeviceFactory.register(UAC, build_uac)
    DeviceFactory.register(HID_LIGHT, build_hid_light)
    DeviceFactory.register(HID_BUTTON, build_hid_button)
