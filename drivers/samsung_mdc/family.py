"""The ``samsung_mdc`` family: Samsung displays over MDC, on an RS-232 chain or TCP 1515, plain or secured.

Room config device options for secured MDC (TLS + PIN, TCP only): ``pin_file`` (a file holding the display's
PIN; the room config never holds it) and optionally ``certificate_sha256`` (pin the display's certificate).
"""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec, port_transport
from drivers.samsung_mdc import codec
from drivers.samsung_mdc.device import MdcDisplay, MdcLink, MdcOptions
from drivers.samsung_mdc.secure import SecuredMdcTransport, read_pin
from drivers.transports.link import FramedLink

DISPLAY_IDS = range(0x00, 0xFE)  # 0xFE addresses every display on the chain, and none of them answers


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """An MdcDisplay on the port's shared link (serial path or tcp:// URL); the MDC ID defaults to 1."""
    display_id = request.address_in(DISPLAY_IDS, 1, "an MDC display ID (254 addresses every display and none answers)")
    options = request.options_as(MdcOptions)
    if options.pin_file is None:
        link: MdcLink = factory.framed(request, codec.ReplySplitter, display_id)
        return MdcDisplay(request.device_id, request.profile, link, display_id, options)
    if port_transport(request.port) != "tcp":
        raise ConfigError(f"{request.where('options.pin_file')}: secured MDC (a PIN) is spoken on TCP 1515 only")
    pin = read_pin(options.pin_file, request.where("options.pin_file"))

    def secured() -> MdcLink:
        stream = SecuredMdcTransport(
            request.port,
            pin,
            default_port=request.profile.protocol.default_tcp_port,
            certificate_sha256=options.certificate_sha256,
            login_timeout_s=options.login_timeout_ms / 1000,
        )
        return FramedLink(stream, codec.ReplySplitter(), request.timing)

    link = factory.line(request, secured, display_id)
    return MdcDisplay(request.device_id, request.profile, link, display_id, options)


FAMILY = FamilySpec(
    id="samsung_mdc",
    codecs=(codec,),
    protocols=(ProtocolSpec("display", build, ("serial", "tcp"), options=MdcOptions),),
)
