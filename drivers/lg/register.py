"""Teaches the DeviceFactory the ``lg-rs232`` family and the profile loader its options."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.lg.codec import ReplySplitter
from drivers.lg.device import LgDisplay, LgLink, LgOptions
from drivers.profiles import parse_options, register_options
from drivers.transports.link import FramedLink
from drivers.transports.tcp import open_stream

FAMILY = "lg-rs232"
SET_IDS = range(1, 0x100)  # 00 addresses every set at once, and every set would answer


def build_lg(factory: DeviceFactory, request: BuildRequest) -> Device:
    """An LgDisplay on the port's shared link (serial path or tcp:// URL); the set ID defaults to 1."""
    set_id = request.address if request.address is not None else 1
    if set_id not in SET_IDS:
        raise ConfigError(f"{request.device_id}: address: {set_id} is outside 1..255 for an LG set ID")
    merged = {**request.profile.options(), **request.options}
    options = parse_options(LgOptions, merged, request.where("options"), ConfigError)
    protocol = request.profile.protocol

    def make_link() -> LgLink:
        stream = open_stream(request.port, request.serial, protocol.default_tcp_port)
        return FramedLink(stream, ReplySplitter(), protocol.timing)

    use = factory.port_use(request, make_link, set_id)
    if not isinstance(use.line, FramedLink):  # pragma: no cover - the factory's family check rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold an LG link")
    return LgDisplay(request.device_id, request.profile, use.line, set_id, options)


def register() -> None:
    """Register the builder and the options model (idempotent)."""
    register_options(FAMILY, LgOptions)
    DeviceFactory.register(FAMILY, build_lg)
