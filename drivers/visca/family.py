"""The ``visca`` family: Sony VISCA cameras, up to seven on one serial line (or raw VISCA over TCP)."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.visca import codec
from drivers.visca.camera import ViscaCamera
from drivers.visca.line import ADDRESSES, ViscaLine


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A ViscaCamera on the port's shared ViscaLine; the address defaults to 1."""
    address = request.address_in(ADDRESSES, 1, "VISCA")
    line = factory.line(request, lambda: ViscaLine(request.stream(), request.timing), address)
    return ViscaCamera(request.device_id, request.profile, line, address)


FAMILY = FamilySpec(
    id="visca",
    codecs=(codec,),
    protocols=(ProtocolSpec("camera", build, ("serial", "tcp")),),
)
