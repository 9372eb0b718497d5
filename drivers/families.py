"""Protocol families: each package under drivers/ that speaks a protocol declares itself once, and is found.

A family is a package ``drivers/<id>/`` with a module ``family.py`` that holds ``FAMILY = FamilySpec(...)``:
its id (the package's name), its sans-IO codec modules and the protocols it speaks. A model profile's
``protocol:`` names one protocol: ``<id>`` when the family speaks one, ``<id>.<variant>`` for each of several
(``pelco.d``, ``usb.uvc``). Each protocol says which device class it drives, which transports its ports may
name, which ``options:`` its profiles may hold and how to build one device.

``Families.scan()`` imports every ``family`` module of the drivers package (its ``__path__``: the tree, and
any folder added to it); no list to edit. A family module that does not import, or declares itself wrongly,
stops the scan with a FamilyError naming the package: a typo fails at start instead of passing quietly.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from drivers.errors import ProfileError
from drivers.profiles import DeviceClass

if TYPE_CHECKING:  # the factory looks families up at run time; families only name its types
    from drivers.devices.base import Device
    from drivers.factory import BuildRequest, DeviceFactory

Transport = Literal["serial", "tcp", "udp", "usb", "alsa", "video", "dir"]

PORT_FORMS: dict[Transport, str] = {
    "serial": "a serial port path",
    "tcp": "tcp://host:port",
    "udp": "udp://host:port",
    "usb": "usb:VID:PID[:SERIAL]",
    "alsa": "alsa:<input name>",
    "video": "video:<index|file|URL>",
    "dir": "dir:<store folder>",
}
"""How a room config's ``transport.port`` is written for each kind of link, for error messages."""

_SCHEMES: tuple[tuple[str, Transport], ...] = (
    ("tcp://", "tcp"),
    ("socket://", "tcp"),  # pyserial's spelling, which the simulator hands out
    ("ssh://", "tcp"),  # an SSH session over TCP (the tesira family)
    ("udp://", "udp"),
    ("usb:", "usb"),
    ("alsa:", "alsa"),
    ("video:", "video"),
    ("dir:", "dir"),
)

Builder = Callable[["DeviceFactory", "BuildRequest"], "Device"]
"""Builds one device from a request; may share a line through ``DeviceFactory.line``."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class FamilyError(ProfileError):
    """A family package under drivers/ is broken: it does not import, or its ``FAMILY`` is missing or wrong."""


def port_transport(port: str) -> Transport:
    """The kind of link a ``transport.port`` names: its scheme, else a serial port path."""
    port = port.strip()
    for prefix, kind in _SCHEMES:
        if port.startswith(prefix):
            return kind
    return "serial"


@dataclass(frozen=True)
class ProtocolSpec:
    """One protocol a family speaks: the device class it drives, its ports, its profile options, its builder."""

    device_class: DeviceClass
    build: Builder
    transports: tuple[Transport, ...]
    options: type[BaseModel] | None = None  # what the profiles' ``options:`` may hold; checked when loaded
    variant: str | None = None  # None: the family's only protocol; else its id is "<family>.<variant>"


@dataclass(frozen=True)
class FamilySpec:
    """What a family declares in its ``family.py``: its id (the package name), codecs and protocols."""

    id: str
    protocols: tuple[ProtocolSpec, ...]
    codecs: tuple[ModuleType, ...] = ()  # the sans-IO codec modules: bytes in, frames out, no I/O

    def protocol_id(self, protocol: ProtocolSpec) -> str:
        """The id a model profile's ``protocol:`` uses for ``protocol``."""
        return self.id if protocol.variant is None else f"{self.id}.{protocol.variant}"

    def check(self, module_name: str) -> None:
        """FamilyError unless the declaration fits its package (``<parent>.<package>.family``)."""
        package = module_name.split(".")[-2]
        where = f"{module_name}: FAMILY"
        if self.id != package:
            raise FamilyError(f"{where}.id is '{self.id}'; a family's id is its package name, '{package}'")
        if not self.protocols:
            raise FamilyError(f"{where}.protocols: a family speaks at least one protocol")
        variants = [p.variant for p in self.protocols]
        if len(variants) > 1 and None in variants:
            raise FamilyError(f"{where}.protocols: a family of several protocols names a variant for each")
        if len(set(variants)) != len(variants):
            raise FamilyError(f"{where}.protocols: variants {variants} repeat")
        for protocol in self.protocols:
            if protocol.variant is not None and not _NAME.match(protocol.variant):
                raise FamilyError(f"{where}: variant '{protocol.variant}' must be lower case, digits and _")
            unknown = [t for t in protocol.transports if t not in PORT_FORMS]
            if not protocol.transports or unknown:
                raise FamilyError(
                    f"{where}: protocol '{self.protocol_id(protocol)}' transports {list(protocol.transports)}: "
                    f"name one or more of {', '.join(PORT_FORMS)}"
                )


class Families:
    """The families found, by family id, and their protocols by the id a model profile's ``protocol:`` uses."""

    def __init__(self, families: Iterable[FamilySpec]) -> None:
        self.by_id: dict[str, FamilySpec] = {}
        self.protocols: dict[str, ProtocolSpec] = {}
        for family in families:
            if family.id in self.by_id:
                raise FamilyError(f"family '{family.id}' is declared twice")
            self.by_id[family.id] = family
            for protocol in family.protocols:
                self.protocols[family.protocol_id(protocol)] = protocol

    @classmethod
    def scan(cls, package: ModuleType | None = None) -> Families:
        """Import the ``family`` module of every package in ``package`` (default: drivers) and collect them."""
        if package is None:
            package = importlib.import_module("drivers")
        found = []
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if info.ispkg:
                spec = _load(package.__name__, info.name)
                if spec is not None:
                    found.append(spec)
        return cls(found)

    def __iter__(self) -> Iterator[FamilySpec]:
        return iter(self.by_id.values())

    def protocol(self, protocol_id: str) -> ProtocolSpec | None:
        """The protocol a model profile names, or None when no family speaks it."""
        return self.protocols.get(protocol_id)

    def options(self) -> Mapping[str, type[BaseModel]]:
        """Each protocol's options model, by protocol id (those that read options)."""
        return {pid: p.options for pid, p in self.protocols.items() if p.options is not None}


def _load(parent: str, package: str) -> FamilySpec | None:
    """The ``FAMILY`` of ``<parent>.<package>.family``; None when the package has no family module."""
    module_name = f"{parent}.{package}.family"
    try:
        if importlib.util.find_spec(module_name) is None:
            return None  # a package of shared parts (transports, devices), not a family
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise FamilyError(f"family '{package}': {module_name} does not import: {type(exc).__name__}: {exc}") from exc
    spec = getattr(module, "FAMILY", None)
    if not isinstance(spec, FamilySpec):
        raise FamilyError(
            f"family '{package}': {module_name} must declare FAMILY = FamilySpec(...), found {type(spec).__name__}"
        )
    spec.check(module_name)
    return spec


_found: Families | None = None


def families() -> Families:
    """Every family under drivers/, scanned on first use (a broken one raises FamilyError every time)."""
    global _found  # noqa: PLW0603 - one scan per process
    if _found is None:
        _found = Families.scan()
    return _found
