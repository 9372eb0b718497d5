"""The simulator's protocol families and endpoints: each module under sim/ that plays a protocol declares it
in a ``register()`` and is found by scanning the package; no list to edit.

``discover()`` imports every module of the ``sim`` package and of its subpackages (``sim/visca/``,
``sim/usb/``; names starting with ``_`` are not modules to scan) and calls the ``register()`` of those that
have one. A module that does not import stops the scan with a SimError naming it: a typo fails at start instead
of passing quietly. A family module imports this module only (never ``sim.room``), so there is no import circle
to dodge.

A family registers the protocol names its model profiles give (``register_family``); a module whose devices
need an endpoint of their own kind (``alsa:``, ``video:``, ``dir:``, ``usb:``, ``udp://``) registers a maker
for that port prefix (``register_endpoint``). Serial ports (ptys) and TCP are the room's own.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol

import sim
from sim.endpoints import Endpoint
from sim.errors import SimError


@dataclass(frozen=True)
class DeviceSpec:
    """One device of the room config, as the simulator reads it."""

    id: str
    kind: str
    profile: str
    port: str
    address: int | None
    model: Mapping[str, Any]
    model_file: Path
    baudrate: int
    options: Mapping[str, Any] = field(default_factory=dict)  # the device's `options` in the room config


class SimLine(Protocol):
    """A simulated line: one endpoint and the devices behind it."""

    def open(self) -> None:
        """Start serving (inside a running event loop)."""

    def close(self) -> None:
        """Stop serving and release everything."""


@dataclass
class BuiltLine:
    """What a family builder returns: the line and a handle per device id."""

    line: SimLine
    devices: dict[str, object] = field(default_factory=dict)


LineBuilder = Callable[[Endpoint, list[DeviceSpec], int | None], BuiltLine]
"""Builds one line: (endpoint, devices on it, baud rate for wire time or None) -> BuiltLine."""


@dataclass(frozen=True)
class Family:
    """A protocol family the simulator can play: the device kinds it serves and how to build its line."""

    kinds: frozenset[str]
    build: LineBuilder


@dataclass(frozen=True)
class EndpointContext:
    """What an endpoint maker may need: the room's run folder, live media or files, the room's time zone."""

    run_dir: Path
    live: bool
    zone: tzinfo | None


EndpointMaker = Callable[[str, EndpointContext], Endpoint]

FAMILIES: dict[str, Family] = {}
"""Protocol families by the name a model profile gives in `protocol`."""

ENDPOINTS: dict[str, EndpointMaker] = {}
"""Endpoint makers by the port prefix they serve (`alsa:`, `udp://`, ...)."""

_scanned: set[str] = set()  # the modules scanned (each once), by full name


def register_family(name: str, kinds: set[str], build: LineBuilder) -> None:
    """Teach the simulator a protocol family."""
    FAMILIES[name] = Family(frozenset(kinds), build)


def register_endpoint(prefix: str, make: EndpointMaker) -> None:
    """Teach the simulator an endpoint for ports that start with ``prefix``."""
    ENDPOINTS[prefix] = make


def discover() -> None:
    """Import every module of the simulator not scanned yet (packages such as ``sim/visca/`` included) and let
    each family in it register itself."""
    _scan(sim.__path__, "sim.")


def _scan(path: Iterable[str], prefix: str) -> None:
    for info in sorted(pkgutil.iter_modules(path, prefix), key=lambda i: i.name):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf.startswith("_") or info.name in _scanned:
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception as exc:
            where = info.name.replace(".", "/")
            raise SimError(f"{where}: the module does not import: {type(exc).__name__}: {exc}") from exc
        register = getattr(module, "register", None)
        if callable(register):
            register()
        _scanned.add(info.name)
        if info.ispkg:
            _scan(module.__path__, f"{info.name}.")
