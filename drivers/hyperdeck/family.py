"""The ``hyperdeck`` family: Blackmagic HyperDeck recorders over the Ethernet protocol (TCP 9993)."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.hyperdeck import codec
from drivers.hyperdeck.device import HyperDeckOptions, HyperDeckRecorder


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A HyperDeckRecorder on its own connection (``tcp://host[:9993]``); one client per unit."""
    request.options_as(HyperDeckOptions)  # refused here; the recorder merges them again per firmware
    link = factory.framed(request, codec.ReplySplitter, request.address)
    return HyperDeckRecorder(request.device_id, request.profile, link, request.options)


FAMILY = FamilySpec(
    id="hyperdeck",
    codecs=(codec,),
    protocols=(ProtocolSpec("recorder", build, ("tcp", "serial"), options=HyperDeckOptions),),
)
