"""The ``lg`` family: LG displays over the RS-232C ASCII protocol (set IDs on one chain, or TCP)."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.lg import codec
from drivers.lg.device import LgDisplay, LgOptions

SET_IDS = range(1, 0x100)  # 00 addresses every set at once, and every set would answer


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """An LgDisplay on the port's shared link (serial path or tcp:// URL); the set ID defaults to 1."""
    set_id = request.address_in(SET_IDS, 1, "an LG set ID")
    options = request.options_as(LgOptions)
    link = factory.framed(request, codec.ReplySplitter, set_id)
    return LgDisplay(request.device_id, request.profile, link, set_id, options)


FAMILY = FamilySpec(
    id="lg",
    codecs=(codec,),
    protocols=(ProtocolSpec("display", build, ("serial", "tcp"), options=LgOptions),),
)
