"""The ``dcs6000`` family: DIS / Shure DCS 6000 central units over the binary RS-232 protocol."""

from __future__ import annotations

from drivers.dcs6000 import codec
from drivers.dcs6000.device import Dcs6000MicSystem, Dcs6000Options
from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.transports.link import FramedLink


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A Dcs6000MicSystem on a line of its own; room config ``options`` override the profile's."""
    options = request.options_as(Dcs6000Options)
    link: FramedLink[codec.Message] = factory.framed(
        request, lambda: codec.FrameSplitter(options.escaping), request.address
    )
    return Dcs6000MicSystem(request.device_id, request.profile, link, options)


FAMILY = FamilySpec(
    id="dcs6000",
    codecs=(codec,),
    protocols=(ProtocolSpec("mic_system", build, ("serial", "tcp"), options=Dcs6000Options),),
)
