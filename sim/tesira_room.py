"""Building a simulated Tesira from a room config: blocks from the points, identity, the SSH login."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.endpoints import Endpoint, TcpEndpoint
from sim.errors import SimConfigError
from sim.registry import BuiltLine, DeviceSpec, register_endpoint, register_family
from sim.tesira import Block, Tesira
from sim.tesira_ssh import DEFAULT_USERS, SshEndpoint


def _points(raw: object, where: str) -> list[tuple[str, int, float, float, str]]:
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        raise SimConfigError(f"{where}: expected a mapping of points")
    out = []
    for name, point in raw.items():
        if not isinstance(point, Mapping) or not isinstance(point.get("tag"), str):
            raise SimConfigError(f"{where}.{name}: expected a mapping with a 'tag'")
        index = point.get("index", 1)
        if isinstance(index, bool) or not isinstance(index, int) or index < 1:
            raise SimConfigError(f"{where}.{name}.index: expected an integer >= 1")
        low, high = float(point.get("min_db", -100.0)), float(point.get("max_db", 12.0))
        out.append((point["tag"], index, low, high, str(name)))
    return out


def ssh_users(spec: DeviceSpec) -> dict[str, str]:
    """The login the unit is set up with: the room's ``options.credentials_file`` (YAML ``username`` /
    ``password``, the same file the controller reads), else the factory login."""
    path = spec.options.get("credentials_file")
    if path is None:
        return dict(DEFAULT_USERS)
    try:
        data = yaml.safe_load(Path(str(path)).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SimConfigError(f"device {spec.id!r}: options.credentials_file: cannot read {path}: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("username"), str):
        raise SimConfigError(f"device {spec.id!r}: options.credentials_file: {path} needs a 'username'")
    return {data["username"]: str(data.get("password") or "")}


def from_spec(endpoint: TcpEndpoint | SshEndpoint, spec: DeviceSpec) -> Tesira:
    """A DSP whose blocks are the instance tags the model's and the room's points name."""
    simulate: Any = spec.model.get("simulate") or {}
    if not isinstance(simulate, Mapping):
        raise SimConfigError(f"{spec.model_file}: simulate: expected a mapping")
    channels = simulate.get("channels", 8)
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise SimConfigError(f"{spec.model_file}: simulate.channels: expected an integer >= 1")
    points = _points(spec.model.get("points"), f"{spec.model_file}: points")
    points += _points(spec.options.get("points"), f"device {spec.id!r}: options.points")
    blocks: dict[str, Block] = {}
    for tag, index, min_db, max_db, _ in points:
        block = blocks.setdefault(tag, Block(channels, min_db, max_db))
        if index > block.channels:
            grown = Block(index, block.min_db, block.max_db)
            grown.levels[: block.channels] = block.levels
            blocks[tag] = grown
    for tag, index, _, _, name in points:
        blocks[tag].labels[index - 1] = name
    identity = {key: str(simulate[key]) for key in ("hostname", "firmware", "serial") if key in simulate}
    if isinstance(endpoint, SshEndpoint):
        endpoint.users = ssh_users(spec)
    return Tesira(endpoint, blocks, echo=bool(simulate.get("echo", False)), identity=identity)


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    if not isinstance(endpoint, TcpEndpoint | SshEndpoint):
        raise SimConfigError(
            f"device {devices[0].id!r}: port {devices[0].port} must be a tcp:// or ssh:// URL for Tesira"
        )
    if len(devices) != 1:
        raise SimConfigError(f"port {devices[0].port}: one Tesira per address, got {len(devices)}")
    dsp = from_spec(endpoint, devices[0])
    return BuiltLine(dsp, {devices[0].id: dsp})


def register() -> None:
    """Teach the simulator the ``tesira`` family (one DSP per telnet or SSH port) and the ``ssh://`` endpoint."""
    register_family("tesira", {"audio_processor"}, build_line)
    register_endpoint("ssh://", lambda _port, _ctx: SshEndpoint())
