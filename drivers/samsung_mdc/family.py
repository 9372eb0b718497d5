"""The ``samsung_mdc`` family: Samsung displays over MDC, on an RS-232 chain or TCP 1515."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.samsung_mdc import codec
from drivers.samsung_mdc.device import MdcDisplay, MdcLink, MdcOptions

DISPLAY_IDS = range(0x00, 0xFE)  # 0xFE addresses every display on the chain, and none of them answers


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """An MdcDisplay on the port's shared link (serial path or tcp:// URL); the MDC ID defaults to 1."""
    display_id = request.address_in(DISPLAY_IDS, 1, "an MDC display ID (254 addresses every display and none answers)")
    options = request.options_as(MdcOptions)
    link: MdcLink = factory.framed(request, codec.ReplySplitter, display_id)
    return MdcDisplay(request.device_id, request.profile, link, display_id, options)


FAMILY = FamilySpec(
    id="samsung_mdc",
    codecs=(codec,),
    protocols=(ProtocolSpec("display", build, ("serial", "tcp"), options=MdcOptions),),
)
