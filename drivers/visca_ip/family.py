"""The ``visca_ip`` family: Sony VISCA over IP cameras, one per ``udp://host:port`` (address fixed at 1)."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.visca import codec
from drivers.visca_ip import header
from drivers.visca_ip.camera import ViscaIpCamera
from drivers.visca_ip.link import ADDRESS, ViscaIpLink


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A ViscaIpCamera on a link to ``transport.port`` (``udp://host:port``); address must be 1 or absent."""
    address = request.address if request.address is not None else ADDRESS
    if address != ADDRESS:
        raise ConfigError(f"{request.device_id}: address: VISCA over IP uses address {ADDRESS}, got {address}")
    link = factory.line(request, lambda: ViscaIpLink.from_url(request.port, request.timing), address)
    return ViscaIpCamera(request.device_id, request.profile, link)


FAMILY = FamilySpec(
    id="visca_ip",
    codecs=(header, codec),
    protocols=(ProtocolSpec("camera", build, ("udp",)),),
)
