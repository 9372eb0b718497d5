"""The ``usb`` family: devices driven through pyusb, one protocol per USB class.

``usb.uvc`` (camera), ``usb.uac`` (audio_processor), ``usb.hid_light`` (indicator), ``usb.hid_button``
(button). A USB device's ``transport.port`` is ``usb:VID:PID[:SERIAL]`` (hex ids); the serial tells apart two
devices of one model. Room config device options: a UVC camera's ``state_dir`` (where its presets are kept),
``terminal_id`` and ``vc_interface``; a UAC device's ``points`` and ``ac_interface``. See docs/usb.md.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict

from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.usb import control, uac, uvc
from drivers.usb.audio import UacDevice, UacDeviceOptions, UacOptions
from drivers.usb.camera import PRESET_SUBDIR, UvcCamera, UvcDeviceOptions, UvcOptions
from drivers.usb.enumerate import UsbAddress
from drivers.usb.hid import HidButton, HidButtonOptions, HidLight, HidLightOptions
from drivers.usb.link import UsbLink
from drivers.usb.presets import PresetStore

log = logging.getLogger(__name__)


class NoDeviceOptions(BaseModel):
    """A HID device reads no room config options: every setting is the model's."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _link(request: BuildRequest) -> UsbLink:
    """A link of the device's own: two devices may share one USB address (a headset's audio and its buttons)."""
    address = UsbAddress.parse(request.port, request.where("transport.port"))
    return UsbLink(request.device_id, address, request.timing.ack_timeout_ms)


def build_uvc(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A UvcCamera; its presets go to ``<options.state_dir>/<device id>.json``, by default under the room's
    state_dir (``factory.state_dir``, when the factory has one), else they are kept in memory only."""
    family = request.profile_options(UvcOptions)
    mine = request.device_options(UvcDeviceOptions)
    terminal = uvc.Terminal(
        mine.terminal_id if mine.terminal_id is not None else family.terminal_id,
        mine.vc_interface if mine.vc_interface is not None else family.vc_interface,
    )
    folder = mine.state_dir
    if folder is None and factory.state_dir is not None:
        folder = factory.state_dir / PRESET_SUBDIR
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
    family = request.profile_options(UacOptions)
    mine = request.device_options(UacDeviceOptions)
    return UacDevice(
        request.device_id,
        request.profile,
        _link(request),
        interface=mine.ac_interface if mine.ac_interface is not None else family.ac_interface,
        points=mine.points,
        detach_kernel_driver=family.detach_kernel_driver,
    )


def build_hid_light(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A HidLight with the model's report layout."""
    options = request.profile_options(HidLightOptions)
    request.device_options(NoDeviceOptions)
    return HidLight(request.device_id, request.profile, _link(request), options)


def build_hid_button(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A HidButton reading the model's input reports."""
    options = request.profile_options(HidButtonOptions)
    request.device_options(NoDeviceOptions)
    return HidButton(request.device_id, request.profile, _link(request), options)


FAMILY = FamilySpec(
    id="usb",
    codecs=(control, uvc, uac),
    protocols=(
        ProtocolSpec("camera", build_uvc, ("usb",), options=UvcOptions, variant="uvc"),
        ProtocolSpec("audio_processor", build_uac, ("usb",), options=UacOptions, variant="uac"),
        ProtocolSpec("indicator", build_hid_light, ("usb",), options=HidLightOptions, variant="hid_light"),
        ProtocolSpec("button", build_hid_button, ("usb",), options=HidButtonOptions, variant="hid_button"),
    ),
)
