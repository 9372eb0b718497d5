"""Teaches DeviceFactory the ``visca-ip`` protocol family (call ``register()`` once at start-up)."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.visca_ip.camera import ViscaIpCamera
from drivers.visca_ip.link import ADDRESS, ViscaIpLink


def build_visca_ip(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A ViscaIpCamera on a link to ``transport.port`` (``udp://host:port``); address must be 1 or absent."""
    address = request.address if request.address is not None else ADDRESS
    if address != ADDRESS:
        raise ConfigError(f"{request.device_id}: address: VISCA over IP uses address {ADDRESS}, got {address}")
    use = factory.port_use(
        request, lambda: ViscaIpLink.from_url(request.port, request.profile.protocol.timing), address
    )
    if not isinstance(use.line, ViscaIpLink):  # pragma: no cover - port_use's family check rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold a VISCA-over-IP link")
    return ViscaIpCamera(request.device_id, request.profile, use.line)


def register() -> None:
    """Add the ``visca-ip`` family to every DeviceFactory."""
    DeviceFactory.register("visca-ip", build_visca_ip)
