"""Teaches the DeviceFactory the ``sony-9pin`` family and the profile loader its options."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.profiles import parse_options, register_options
from drivers.sony9pin.codec import Block, BlockSplitter
from drivers.sony9pin.device import Sony9PinOptions, Sony9PinRecorder
from drivers.transports.link import FramedLink
from drivers.transports.tcp import open_stream

FAMILY = "sony-9pin"


def build_sony9pin(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A Sony9PinRecorder alone on its port (RS-422 is point to point: one deck per line)."""
    profile = request.profile
    merged = {**profile.options(), **request.options}  # the profile's were checked when it was loaded
    options = parse_options(Sony9PinOptions, merged, request.where(), ConfigError)

    def make_link() -> FramedLink[Block]:
        # an RS-422 port, or one behind a serial-over-IP converter (tcp://); a pty gets no parity (transport)
        stream = open_stream(request.port, request.serial, profile.protocol.default_tcp_port)
        splitter = BlockSplitter(options.inter_byte_timeout_ms / 1000)
        return FramedLink(stream, splitter, profile.protocol.timing)

    use = factory.port_use(request, make_link, request.address)
    if not isinstance(use.line, FramedLink):  # pragma: no cover - the factory's family check rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold a 9-pin line")
    return Sony9PinRecorder(request.device_id, profile, use.line, options)


def register() -> None:
    """Register the builder and the options model (idempotent)."""
    DeviceFactory.register(FAMILY, build_sony9pin)
    register_options(FAMILY, Sony9PinOptions)
