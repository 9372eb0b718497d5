"""Teaches the DeviceFactory the ``hyperdeck`` family and the profile loader its options."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.hyperdeck.codec import Reply, ReplySplitter
from drivers.hyperdeck.device import HyperDeckOptions, HyperDeckRecorder
from drivers.profiles import parse_options, register_options
from drivers.transports.link import FramedLink
from drivers.transports.tcp import open_stream

FAMILY = "hyperdeck"


def build_hyperdeck(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A HyperDeckRecorder on its own connection (``tcp://host[:9993]``); one client per unit."""
    profile = request.profile
    parse_options(HyperDeckOptions, {**profile.options(), **request.options}, request.where(), ConfigError)

    def make_link() -> FramedLink[Reply]:
        stream = open_stream(request.port, request.serial, profile.protocol.default_tcp_port)
        return FramedLink(stream, ReplySplitter(), profile.protocol.timing)

    use = factory.port_use(request, make_link, request.address)
    if not isinstance(use.line, FramedLink):  # pragma: no cover - the factory's family check rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold a HyperDeck connection")
    return HyperDeckRecorder(request.device_id, profile, use.line, request.options)


def register() -> None:
    """Register the builder and the options model (idempotent)."""
    DeviceFactory.register(FAMILY, build_hyperdeck)
    register_options(FAMILY, HyperDeckOptions)
