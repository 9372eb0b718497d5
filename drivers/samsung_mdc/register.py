"""Teaches the DeviceFactory the ``samsung-mdc`` family and the profile loader its options."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.profiles import parse_options, register_options
from drivers.samsung_mdc.codec import ReplySplitter
from drivers.samsung_mdc.device import MdcDisplay, MdcLink, MdcOptions
from drivers.transports.link import FramedLink
from drivers.transports.tcp import open_stream

FAMILY = "samsung-mdc"
DISPLAY_IDS = range(0x00, 0xFE)  # 0xFE addresses every display on the chain, and none of them answers


def build_mdc(factory: DeviceFactory, request: BuildRequest) -> Device:
    """An MdcDisplay on the port's shared link (serial path or tcp:// URL); the MDC ID defaults to 1."""
    display_id = request.address if request.address is not None else 1
    if display_id not in DISPLAY_IDS:
        raise ConfigError(
            f"{request.device_id}: address: {display_id} is outside 0..253 for an MDC display ID "
            "(254 addresses every display and none answers)"
        )
    merged = {**request.profile.options(), **request.options}
    options = parse_options(MdcOptions, merged, request.where("options"), ConfigError)
    protocol = request.profile.protocol

    def make_link() -> MdcLink:
        stream = open_stream(request.port, request.serial, protocol.default_tcp_port)
        return FramedLink(stream, ReplySplitter(), protocol.timing)

    use = factory.port_use(request, make_link, display_id)
    if not isinstance(use.line, FramedLink):  # pragma: no cover - the factory's family check rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold an MDC link")
    return MdcDisplay(request.device_id, request.profile, use.line, display_id, options)


def register() -> None:
    """Register the builder and the options model (idempotent)."""
    register_options(FAMILY, MdcOptions)
    DeviceFactory.register(FAMILY, build_mdc)
