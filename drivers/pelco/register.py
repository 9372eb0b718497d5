"""Teaches the DeviceFactory the ``pelco-d`` and ``pelco-p`` families; call ``register()`` once at start-up."""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.pelco import codec
from drivers.pelco.camera import FAMILY_VARIANT, PelcoCamera
from drivers.pelco.line import PelcoLine

DEFAULT_ADDRESS = {"D": 1, "P": 0}


def build_pelco(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A PelcoCamera on the port's shared PelcoLine; address defaults to 1 (Pelco-D) or 0 (Pelco-P)."""
    family = request.profile.model.protocol
    variant = FAMILY_VARIANT.get(family)
    if variant is None:
        raise ConfigError(f"{request.device_id}: '{family}' is not a Pelco family")
    address = request.address if request.address is not None else DEFAULT_ADDRESS[variant]
    allowed = codec.ADDRESSES[variant]
    if address not in allowed:
        raise ConfigError(
            f"{request.device_id}: address: {address} is outside {allowed.start}..{allowed.stop - 1} for {family}"
        )
    use = factory.port_use(
        request,
        lambda: PelcoLine.serial(request.port, request.serial, request.profile.protocol.timing, variant),
        address,
    )
    if not isinstance(use.line, PelcoLine):  # pragma: no cover - the factory's family check rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold a Pelco line")
    return PelcoCamera(request.device_id, request.profile, use.line, address)


def register() -> None:
    """Register the Pelco builders with every DeviceFactory (idempotent)."""
    for family in FAMILY_VARIANT:
        DeviceFactory.register(family, build_pelco)
