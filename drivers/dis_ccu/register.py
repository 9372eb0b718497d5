"""Teaches the DeviceFactory the ``dis-ccu`` family; call ``register()`` once at start-up."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.dis_ccu.codec import Line, LineSplitter
from drivers.dis_ccu.device import DisCcuMicSystem, DisCcuOptions
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.profiles import parse_options, register_options
from drivers.transports.link import FramedLink
from drivers.transports.tcp import open_stream

FAMILY = "dis-ccu"


def build_dis_ccu(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A DisCcuMicSystem on a connection of its own (``tcp://host[:3142]``)."""
    profile = request.profile
    options = parse_options(
        DisCcuOptions, {**profile.options(), **request.options}, request.where("options"), ConfigError
    )
    protocol = profile.protocol

    def make_link() -> FramedLink[Line]:
        stream = open_stream(request.port, request.serial, protocol.default_tcp_port)
        return FramedLink(stream, LineSplitter(), protocol.timing)

    use = factory.port_use(request, make_link, request.address)
    if not isinstance(use.line, FramedLink):  # pragma: no cover - port_use's family check rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold a DIS-CCU connection")
    return DisCcuMicSystem(request.device_id, profile, use.line, options)


def register() -> None:
    """Register the builder and the options model (idempotent)."""
    register_options(FAMILY, DisCcuOptions)
    DeviceFactory.register(FAMILY, build_dis_ccu)
