"""Teaches the DeviceFactory the ``dcs6000`` family; call ``register()`` once at start-up."""

from __future__ import annotations

from drivers.dcs6000.codec import FrameSplitter, Message
from drivers.dcs6000.device import Dcs6000MicSystem, Dcs6000Options
from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.profiles import parse_options, register_options
from drivers.transports.link import FramedLink
from drivers.transports.tcp import open_stream

FAMILY = "dcs6000"


def build_dcs6000(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A Dcs6000MicSystem on a line of its own; room config ``options`` override the profile's."""
    profile = request.profile
    options = parse_options(
        Dcs6000Options, {**profile.options(), **request.options}, request.where("options"), ConfigError
    )
    protocol = profile.protocol

    def make_link() -> FramedLink[Message]:
        stream = open_stream(request.port, request.serial, protocol.default_tcp_port)
        return FramedLink(stream, FrameSplitter(options.escaping), protocol.timing)

    use = factory.port_use(request, make_link, request.address)
    if not isinstance(use.line, FramedLink):  # pragma: no cover - port_use's family check rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold a DCS 6000 line")
    return Dcs6000MicSystem(request.device_id, profile, use.line, options)


def register() -> None:
    """Register the builder and the options model (idempotent)."""
    register_options(FAMILY, Dcs6000Options)
    DeviceFactory.register(FAMILY, build_dcs6000)
