"""The ``dis_ccu`` family: Shure DIS-CCU / MXC conference systems, ASCII over TCP 3142."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.dis_ccu import codec
from drivers.dis_ccu.device import DisCcuMicSystem, DisCcuOptions
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.transports.link import FramedLink


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A DisCcuMicSystem on a connection of its own (``tcp://host[:3142]``)."""
    options = request.options_as(DisCcuOptions)
    link: FramedLink[codec.Line] = factory.framed(request, codec.LineSplitter, request.address)
    return DisCcuMicSystem(request.device_id, request.profile, link, options)


FAMILY = FamilySpec(
    id="dis_ccu",
    codecs=(codec,),
    protocols=(ProtocolSpec("mic_system", build, ("tcp", "serial"), options=DisCcuOptions),),
)
