"""The disk a software recorder writes to: a room config port ``dir:<folder>`` becomes
``dir:<run_dir>/recordings/<name>`` in the written config, so a simulated room records into its run folder.

There is no device to play: the recording unit is a program on the control PC. The handle lets a test see the
folder and take it away (``unplug()``: the folder is renamed, as an unmounted disk vanishes).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from sim.endpoints import Endpoint
from sim.errors import SimConfigError
from sim.faults import FaultHandle, Faults, Pluggable
from sim.registry import BuiltLine, DeviceSpec, register_endpoint, register_family

FAMILY = "recording"


class StoreEndpoint(Endpoint):
    """A folder under ``<run_dir>/recordings``."""

    def __init__(self, port: str, run_dir: Path) -> None:
        super().__init__()
        name = re.sub(r"[^A-Za-z0-9_-]", "_", port.removeprefix("dir:")).strip("_") or "store"
        self.path = run_dir / "recordings" / name

    @property
    def url(self) -> str:
        return f"dir:{self.path}"

    def open(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self.plugged = True

    def close(self) -> None:
        """The recordings stay: a court's files are never removed by the simulator either."""
        self.plugged = False

    def write(self, data: bytes) -> None:
        """Nothing is sent to a folder."""

    def unplug(self) -> None:
        if self.path.exists():
            self.path.rename(self.path.with_name(self.path.name + ".unplugged"))
        self.plugged = False

    def replug(self) -> None:
        away = self.path.with_name(self.path.name + ".unplugged")
        with contextlib.suppress(FileNotFoundError):
            away.rename(self.path)
        self.plugged = True


class SimStore(FaultHandle):
    """The test handle (and line) of a software recorder's store; of the faults it shows unplug and replug (the
    folder moves away and comes back)."""

    honors = FaultHandle.SIGNALS

    def __init__(self, endpoint: StoreEndpoint) -> None:
        self.endpoint = endpoint
        self.faults = Faults()

    @property
    def port(self) -> Pluggable:
        return self.endpoint

    @property
    def path(self) -> Path:
        return self.endpoint.path

    def open(self) -> None:
        self.endpoint.open()

    def close(self) -> None:
        self.endpoint.close()


def _build(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    if not isinstance(endpoint, StoreEndpoint):
        raise SimConfigError(f"device {devices[0].id!r}: port {devices[0].port} must be dir:<folder>")
    if len(devices) != 1:
        raise SimConfigError(f"port {devices[0].port}: one recorder per store folder, got {len(devices)}")
    handle = SimStore(endpoint)
    return BuiltLine(handle, {devices[0].id: handle})


def register() -> None:
    """Teach the simulator the ``recording`` family (its store folder)."""
    register_family(FAMILY, {"recorder"}, _build)
    register_endpoint("dir:", lambda port, ctx: StoreEndpoint(port, ctx.run_dir))
