"""The ``pelco`` family: Pelco-D (``pelco.d``) and Pelco-P (``pelco.p``) domes on a shared RS-485 line."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import Builder, FamilySpec, ProtocolSpec
from drivers.pelco import codec
from drivers.pelco.camera import PelcoCamera
from drivers.pelco.codec import Variant
from drivers.pelco.line import PelcoLine

DEFAULT_ADDRESS: dict[Variant, int] = {"D": 1, "P": 0}


def builder(variant: Variant) -> Builder:
    """Builds a PelcoCamera of ``variant`` on the port's shared PelcoLine; address 1 (D) or 0 (P) by default."""

    def build(factory: DeviceFactory, request: BuildRequest) -> Device:
        address = request.address_in(codec.ADDRESSES[variant], DEFAULT_ADDRESS[variant], f"Pelco-{variant}")
        line = factory.line(
            request,
            lambda: PelcoLine(request.stream(), request.timing, variant, baudrate=request.serial.baudrate),
            address,
        )
        return PelcoCamera(request.device_id, request.profile, line, address)

    return build


FAMILY = FamilySpec(
    id="pelco",
    codecs=(codec,),
    protocols=(
        ProtocolSpec("camera", builder("D"), ("serial", "tcp"), variant="d"),
        ProtocolSpec("camera", builder("P"), ("serial", "tcp"), variant="p"),
    ),
)
