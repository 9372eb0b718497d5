"""DeviceFactory: builds the driver object for one configured device from its profile reference.

Builders are registered per protocol family, so Pelco, displays and recorders plug in later beside VISCA.
Devices on the same port string share one line object; their serial settings must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from drivers.devices.base import Device
from drivers.errors import ConfigError, ProfileError
from drivers.profiles import Profile, ProfileLibrary, SerialOverride, SerialSettings
from drivers.visca.camera import ViscaCamera
from drivers.visca.line import ViscaLine


@dataclass(frozen=True)
class BuildRequest:
    """Everything a builder needs for one device: its id, profile, port, address and merged serial settings."""

    device_id: str
    profile: Profile
    port: str
    address: int | None
    serial: SerialSettings
    options: dict[str, Any] = field(default_factory=dict)  # the room config's per-device options

    def where(self, key: str = "options") -> str:
        """How a builder names a config key in its errors: ``cam-judge: options``."""
        return f"{self.device_id}: {key}"


class SharedLine(Protocol):
    """What the factory needs of a line object shared by the devices on one port."""

    async def close(self) -> None:
        """Close the line; never raises."""


@dataclass
class PortUse:
    """Who uses one port: the family spoken on it, its settings, the shared line and the devices on it."""

    family: str
    settings: SerialSettings
    line: SharedLine
    devices: dict[int | None, str] = field(default_factory=dict)  # address -> device id


Builder = Callable[["DeviceFactory", BuildRequest], Device]
"""Builds one device; may share a line through ``DeviceFactory.port_use``."""


def build_visca(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A ViscaCamera on the port's shared ViscaLine; address defaults to 1."""
    address = request.address if request.address is not None else 1
    if not 1 <= address <= 7:
        raise ConfigError(f"{request.device_id}: address: {address} is outside 1..7 for VISCA")
    use = factory.port_use(
        request,
        lambda: ViscaLine.serial(request.port, request.serial, request.profile.protocol.timing),
        address,
    )
    if not isinstance(use.line, ViscaLine):  # pragma: no cover - the family check above rules this out
        raise ConfigError(f"{request.device_id}: port {request.port} does not hold a VISCA line")
    return ViscaCamera(request.device_id, request.profile, use.line, address)


class DeviceFactory:
    """Turns (device id, profile reference, port, address, serial override) into a Device ready to connect."""

    builders: ClassVar[dict[str, Builder]] = {"visca": build_visca}

    def __init__(self, library: ProfileLibrary, state_dir: Path | None = None) -> None:
        self.library = library
        self.state_dir = state_dir  # the room's state_dir: where builders keep what a device cannot (UVC presets)
        self.ports: dict[str, PortUse] = {}
        self.devices: dict[str, Device] = {}  # every device built so far (a recorder finds its inputs here)

    @classmethod
    def register(cls, family: str, builder: Builder) -> None:
        """Teach every factory to build devices of a protocol family."""
        cls.builders[family] = builder

    def build(
        self,
        device_id: str,
        profile_ref: str,
        port: str,
        address: int | None = None,
        serial_override: SerialOverride | None = None,
        *,
        options: dict[str, Any] | None = None,
    ) -> Device:
        """Build one device. Raises ProfileError for an unknown profile or protocol family, and ConfigError
        for an empty port, an address in use or serial settings that disagree with another device's on
        the same port.
        """
        profile = self.library.get(profile_ref)
        family = profile.model.protocol
        builder = self.builders.get(family)
        if builder is None:
            known = ", ".join(sorted(self.builders))
            raise ProfileError(f"{profile_ref}: protocol: no driver for family '{family}' (drivers: {known})")
        if not isinstance(port, str) or not port.strip():
            raise ConfigError(f"{device_id}: transport.port: must be a non-empty port path or URL")
        request = BuildRequest(
            device_id, profile, port, address, profile.serial_settings(serial_override), dict(options or {})
        )
        device = builder(self, request)
        self.devices[device_id] = device
        return device

    def link_all(self) -> None:
        """Once every device is built: let each find the devices it uses; ConfigError lists every problem."""
        problems = []
        for device in self.devices.values():
            try:
                device.link_devices()
            except ConfigError as exc:
                problems.append(str(exc))
        if problems:
            raise ConfigError("\n".join(problems))

    def port_use(self, request: BuildRequest, make_line: Callable[[], SharedLine], address: int | None) -> PortUse:
        """The port's shared record, created with ``make_line()`` for its first device; checks that the
        family and serial settings agree with the devices already there and that ``address`` is free.
        """
        family = request.profile.model.protocol
        use = self.ports.get(request.port)
        if use is None:
            use = PortUse(family, request.serial, make_line())
            self.ports[request.port] = use
        first = next(iter(use.devices.values()), None)
        if use.family != family:
            raise ConfigError(
                f"{request.device_id}: port {request.port} already speaks '{use.family}' for {first}; "
                f"it cannot also speak '{family}'"
            )
        if use.settings != request.serial:
            mine, theirs = request.serial.model_dump(), use.settings.model_dump()
            diff = ", ".join(f"{k} {mine[k]} vs {theirs[k]}" for k in mine if mine[k] != theirs[k])
            raise ConfigError(
                f"{request.device_id} and {first} share port {request.port} but their serial settings disagree: {diff}"
            )
        if address in use.devices:
            raise ConfigError(
                f"{request.device_id}: address {address} on {request.port} is already used by {use.devices[address]}"
            )
        use.devices[address] = request.device_id
        return use

    async def close(self) -> None:
        """Close every shared line (a daemon shutting down); never raises."""
        for use in self.ports.values():
            await use.line.close()
