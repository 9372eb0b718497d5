"""DeviceFactory: builds the driver object for one configured device from its profile reference.

The model profile's ``protocol:`` picks a protocol of a family under drivers/ (see ``drivers.families``); the
factory checks what every family would check (the device class, the kind of port) and hands the rest to the
protocol's builder. Devices on the same port string share one line object; their serial settings must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from pydantic import BaseModel

from drivers.devices.base import Device
from drivers.errors import ConfigError, ProfileError
from drivers.families import PORT_FORMS, port_transport
from drivers.profiles import Profile, ProfileLibrary, SerialOverride, SerialSettings, Timing, parse_options
from drivers.transports.base import ByteStream
from drivers.transports.link import FramedLink, Splitter
from drivers.transports.tcp import open_stream

OptionsT = TypeVar("OptionsT", bound=BaseModel)
LineT = TypeVar("LineT", bound="SharedLine")
F = TypeVar("F")


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

    @property
    def timing(self) -> Timing:
        """The protocol family's timing."""
        return self.profile.protocol.timing

    def options_as(self, model: type[OptionsT]) -> OptionsT:
        """The profile's options, single keys overridden by the room config's, checked with ``model``."""
        return parse_options(model, {**self.profile.options(), **self.options}, self.where(), ConfigError)

    def profile_options(self, model: type[OptionsT]) -> OptionsT:
        """The profile's options alone (the room config's mean something else to this family)."""
        return parse_options(model, self.profile.options(), f"{self.profile.model.ref}: options")

    def device_options(self, model: type[OptionsT]) -> OptionsT:
        """The room config's options for this device, checked with ``model``."""
        return parse_options(model, self.options, self.where(), ConfigError)

    def address_in(self, allowed: range, default: int, what: str) -> int:
        """The configured address (``default`` when none), ConfigError when outside ``allowed``."""
        address = self.address if self.address is not None else default
        if address not in allowed:
            raise ConfigError(
                f"{self.device_id}: address: {address} is outside {allowed.start}..{allowed.stop - 1} for {what}"
            )
        return address

    def stream(self) -> ByteStream:
        """A byte stream to the port (TCP for tcp:// and socket://, else serial), not opened yet."""
        return open_stream(self.port, self.serial, self.profile.protocol.default_tcp_port)


class SharedLine(Protocol):
    """What the factory needs of a line object shared by the devices on one port."""

    async def close(self) -> None:
        """Close the line; never raises."""


@dataclass
class PortUse:
    """Who uses one port: the protocol spoken on it, its settings, the shared line and the devices on it."""

    protocol: str
    settings: SerialSettings
    line: SharedLine
    devices: dict[int | None, str] = field(default_factory=dict)  # address -> device id


class DeviceFactory:
    """Turns (device id, profile reference, port, address, serial override) into a Device ready to connect."""

    def __init__(self, library: ProfileLibrary, state_dir: Path | None = None) -> None:
        self.library = library
        self.families = library.families
        self.state_dir = state_dir  # the room's state_dir: where builders keep what a device cannot (UVC presets)
        self.ports: dict[str, PortUse] = {}
        self.devices: dict[str, Device] = {}  # every device built so far (a recorder finds its inputs here)

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
        """Build one device. Raises ProfileError for an unknown profile or protocol, and ConfigError for an
        empty port or one of the wrong kind, a profile of another device class than its protocol drives, an
        address in use or serial settings that disagree with another device's on the same port.
        """
        profile = self.library.get(profile_ref)
        protocol_id = profile.model.protocol
        protocol = self.families.protocol(protocol_id)
        if protocol is None:
            known = ", ".join(sorted(self.families.protocols))
            raise ProfileError(f"{profile_ref}: protocol: no driver for family '{protocol_id}' (drivers: {known})")
        if not isinstance(port, str) or not port.strip():
            raise ConfigError(f"{device_id}: transport.port: must be a non-empty port path or URL")
        if profile.model.device_class != protocol.device_class:
            raise ConfigError(
                f"{device_id}: profile {profile_ref} is a {profile.model.device_class}; "
                f"the {protocol_id} family drives a {protocol.device_class}"
            )
        if port_transport(port) not in protocol.transports:
            forms = " or ".join(PORT_FORMS[t] for t in protocol.transports)
            raise ConfigError(f"{device_id}: transport.port: {port!r} is not {forms} (family {protocol_id})")
        request = BuildRequest(
            device_id, profile, port, address, profile.serial_settings(serial_override), dict(options or {})
        )
        device = protocol.build(self, request)
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

    def line(self, request: BuildRequest, make_line: Callable[[], LineT], address: int | None) -> LineT:
        """The port's shared line, made with ``make_line()`` for its first device (see ``port_use``)."""
        # One protocol per port (port_use checks it), and a protocol's builder always makes the same kind of line.
        return cast(LineT, self.port_use(request, make_line, address).line)

    def framed(self, request: BuildRequest, splitter: Callable[[], Splitter[F]], address: int | None) -> FramedLink[F]:
        """The port's shared FramedLink over ``request.stream()``, framed by a new ``splitter()``."""
        return self.line(request, lambda: FramedLink(request.stream(), splitter(), request.timing), address)

    def port_use(self, request: BuildRequest, make_line: Callable[[], SharedLine], address: int | None) -> PortUse:
        """The port's shared record, created with ``make_line()`` for its first device; checks that the
        protocol and serial settings agree with the devices already there and that ``address`` is free.
        """
        protocol = request.profile.model.protocol
        use = self.ports.get(request.port)
        if use is None:
            use = PortUse(protocol, request.serial, make_line())
            self.ports[request.port] = use
        first = next(iter(use.devices.values()), None)
        if use.protocol != protocol:
            raise ConfigError(
                f"{request.device_id}: port {request.port} already speaks '{use.protocol}' for {first}; "
                f"it cannot also speak '{protocol}'"
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
