"""The ``sony9pin`` family: Sony 9-pin (RS-422 "P2") recording decks, one per line."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.sony9pin import codec
from drivers.sony9pin.device import Sony9PinOptions, Sony9PinRecorder


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A Sony9PinRecorder alone on its port (RS-422 is point to point), or behind a serial-over-IP converter."""
    options = request.options_as(Sony9PinOptions)
    link = factory.framed(request, lambda: codec.BlockSplitter(options.inter_byte_timeout_ms / 1000), request.address)
    return Sony9PinRecorder(request.device_id, request.profile, link, options)


FAMILY = FamilySpec(
    id="sony9pin",
    codecs=(codec,),
    protocols=(ProtocolSpec("recorder", build, ("serial", "tcp"), options=Sony9PinOptions),),
)
