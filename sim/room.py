"""A simulated twin of every device in a room configuration, each on the endpoint its config names.

Devices that share one `transport.port` share one simulated line. A port that starts with `socket://` becomes a
TCP endpoint on 127.0.0.1 (a free port); any other port becomes a pty whose stable path is a symlink
`<run_dir>/<sanitised port name>`. `write_config()` writes the same config pointing at those endpoints, so a
controller can be started against the simulator unchanged.

Protocol families are looked up by the model profile's `protocol` key in the registry (`sim/registry.py`),
which finds every family module under sim/ by scanning: adding a family is a module with a `register()`.
"""

from __future__ import annotations

import copy
import re
from datetime import tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from sim.endpoints import Endpoint, PtyEndpoint, TcpEndpoint
from sim.errors import SimConfigError
from sim.models import DEFAULT_PROFILES_DIR, model_path, read_model
from sim.registry import ENDPOINTS, FAMILIES, BuiltLine, DeviceSpec, EndpointContext, Family, SimLine, discover
from sim.visca.bus import ViscaBus
from sim.visca.handle import SimCamera

DEFAULT_BAUDRATE = 9600
__all__ = ["SimulatedRoom", "port_link_name"]


def port_link_name(port: str) -> str:
    """A file name for a configured serial port: `/dev/courtroom/rs485-cameras` -> `courtroom-rs485-cameras`."""
    parts = [part for part in port.removeprefix("/dev/").split("/") if part not in ("", ".", "..")]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", "-".join(parts)).lstrip(".")
    return name or "port"


class SimulatedRoom:
    """Every device of one room config simulated on real endpoints; start, use, stop."""

    def __init__(
        self,
        config_path: Path,
        run_dir: Path,
        *,
        profiles_dir: Path | None = None,
        wire_time: bool = False,
        live: bool = False,
    ) -> None:
        discover()
        self.config_path = Path(config_path)
        self.run_dir = Path(run_dir)
        self.profiles_dir = profiles_dir or DEFAULT_PROFILES_DIR
        self.wire_time = wire_time
        self.live = live
        self._config = self._read_config()
        self._lines: list[BuiltLine] = []
        self._device_line: dict[str, BuiltLine] = {}
        self._endpoint_of: dict[str, Endpoint] = {}
        self._started = False
        self._build()

    async def __aenter__(self) -> SimulatedRoom:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- public ---------------------------------------------------------------------------------------

    @property
    def endpoints(self) -> dict[str, str]:
        """Device id -> what a driver opens (pty symlink path or `socket://127.0.0.1:PORT`); after start()."""
        return {device_id: ep.url for device_id, ep in self._endpoint_of.items()}

    @property
    def lines(self) -> list[SimLine]:
        """Every simulated line (one per configured port), in config order."""
        return [built.line for built in self._lines]

    @property
    def device_ids(self) -> list[str]:
        """Simulated devices, in config order."""
        return list(self._endpoint_of)

    async def start(self) -> None:
        """Open every endpoint; on failure, close what was opened."""
        if self._started:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        opened: list[BuiltLine] = []
        try:
            for built in self._lines:
                built.line.open()
                opened.append(built)
        except BaseException:
            for built in opened:
                built.line.close()
            raise
        self._started = True

    async def stop(self) -> None:
        """Close every endpoint, timer and file descriptor the room holds."""
        if not self._started:
            return
        self._started = False
        for built in self._lines:
            built.line.close()

    def device(self, device_id: str) -> object:
        """The test handle of any simulated device."""
        try:
            return self._device_line[device_id].devices[device_id]
        except KeyError:
            raise KeyError(f"no simulated device {device_id!r}") from None

    def camera(self, device_id: str) -> SimCamera:
        """The test handle of a simulated camera."""
        handle = self.device(device_id)
        if not isinstance(handle, SimCamera):
            raise TypeError(f"device {device_id!r} is not a simulated VISCA camera")
        return handle

    def bus_for(self, device_id: str) -> ViscaBus:
        """The VISCA line a camera is on."""
        self.device(device_id)
        line = self._device_line[device_id].line
        if not isinstance(line, ViscaBus):
            raise TypeError(f"device {device_id!r} is not on a VISCA bus")
        return line

    def write_config(self, out_path: Path) -> None:
        """Write the room config with each simulated device's transport.port set to its endpoint."""
        if not self._started:
            raise RuntimeError("start() the room before write_config(): TCP ports are chosen then")
        data = copy.deepcopy(self._config)
        urls = self.endpoints
        for device in data["devices"]:
            device["transport"]["port"] = urls[device["id"]]
        Path(out_path).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    # -- building -------------------------------------------------------------------------------------

    def _fail(self, where: str, reason: str) -> SimConfigError:
        return SimConfigError(f"{self.config_path}: {where}: {reason}")

    def _zone(self) -> tzinfo | None:
        """The room's time zone (``room.timezone``) for the clocks in live pictures; the system's when unset."""
        room = self._config.get("room")
        name = room.get("timezone") if isinstance(room, dict) else None
        if not name:
            return None
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SimConfigError(f"{self.config_path}: room.timezone {name!r} is not a known time zone") from exc

    def _read_config(self) -> dict[str, Any]:
        try:
            data = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SimConfigError(f"{self.config_path}: cannot read: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise SimConfigError(f"{self.config_path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise self._fail("(top level)", "expected a mapping")
        if not isinstance(data.get("devices"), list) or not data["devices"]:
            raise self._fail("devices", "expected a non-empty list")
        return data

    def _spec(self, index: int, raw: object) -> DeviceSpec:
        where = f"devices.{index}"
        if not isinstance(raw, dict):
            raise self._fail(where, "expected a mapping")
        device_id = raw.get("id")
        if not isinstance(device_id, str) or not device_id:
            raise self._fail(f"{where}.id", "missing or not a string")
        where = f"device {device_id!r}"
        kind, profile = raw.get("kind"), raw.get("profile")
        if not isinstance(kind, str) or not isinstance(profile, str):
            raise self._fail(where, "needs 'kind' and 'profile' strings for the simulator")
        transport = raw.get("transport")
        port = transport.get("port") if isinstance(transport, dict) else None
        if not isinstance(port, str) or not port:
            raise self._fail(f"{where}: transport.port", "missing or not a string")
        address = raw.get("address")
        if address is not None and (isinstance(address, bool) or not isinstance(address, int)):
            raise self._fail(f"{where}: address", f"expected an integer, got {address!r}")
        try:
            model_file = model_path(profile, self.profiles_dir)
            model = read_model(model_file)
        except SimConfigError as exc:
            raise self._fail(where, str(exc)) from exc
        baud = transport.get("baudrate") if isinstance(transport, dict) else None
        model_serial = model.get("serial")
        if baud is None and isinstance(model_serial, dict):
            baud = model_serial.get("baudrate")
        if isinstance(baud, bool) or not isinstance(baud, int) or baud <= 0:
            baud = DEFAULT_BAUDRATE
        options = raw.get("options") or {}
        if not isinstance(options, dict):
            raise self._fail(f"{where}: options", "expected a mapping")
        return DeviceSpec(device_id, kind, profile, port, address, model, model_file, baud, options)

    def _family(self, spec: DeviceSpec) -> tuple[str, Family]:
        protocol = spec.model.get("protocol")
        family = FAMILIES.get(protocol) if isinstance(protocol, str) else None
        if family is None or spec.kind not in family.kinds:
            known = ", ".join(f"{name} ({'/'.join(sorted(f.kinds))})" for name, f in sorted(FAMILIES.items()))
            raise self._fail(
                f"device {spec.id!r}",
                f"the simulator cannot play a {spec.kind!r} speaking {protocol!r} (profile {spec.profile}); "
                f"it knows: {known}",
            )
        return str(protocol), family

    def _build(self) -> None:
        specs = [self._spec(index, raw) for index, raw in enumerate(self._config["devices"])]
        groups: dict[str, list[DeviceSpec]] = {}
        families: dict[str, tuple[str, Family]] = {}
        seen: set[str] = set()
        for spec in specs:
            if spec.id in seen:
                raise self._fail(f"device {spec.id!r}", "duplicate id")
            seen.add(spec.id)
            name, family = self._family(spec)
            if spec.port in families and families[spec.port][0] != name:
                raise self._fail(
                    f"device {spec.id!r}",
                    f"port {spec.port} already carries {families[spec.port][0]}; one line speaks one protocol",
                )
            families[spec.port] = (name, family)
            groups.setdefault(spec.port, []).append(spec)
        used_links: set[str] = set()
        endpoints: dict[str, Endpoint] = {}
        for port, members in groups.items():
            endpoints[port] = self._endpoint(port, used_links)
            baud = members[0].baudrate if self.wire_time else None
            built = families[port][1].build(endpoints[port], members, baud)
            self._lines.append(built)
            for spec in members:
                self._device_line[spec.id] = built
        for spec in specs:
            self._endpoint_of[spec.id] = endpoints[spec.port]

    def _endpoint(self, port: str, used: set[str]) -> Endpoint:
        for prefix, make in ENDPOINTS.items():
            if port.startswith(prefix):
                return make(port, EndpointContext(self.run_dir, self.live, self._zone()))
        if port.startswith(("socket://", "tcp://")):
            return TcpEndpoint()
        name = base = port_link_name(port)
        suffix = 2
        while name in used:
            name, suffix = f"{base}-{suffix}", suffix + 1
        used.add(name)
        return PtyEndpoint(self.run_dir / name)
