"""Building a simulated PJLink projector from a room config: its model, password, class and notify port."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.endpoints import Endpoint, TcpEndpoint
from sim.errors import SimConfigError
from sim.pjlink import Projector
from sim.pjlink_class2 import STATUS_PORT, Class2
from sim.registry import BuiltLine, DeviceSpec, register_family


def _number(simulate: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = simulate.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SimConfigError(f"{where}: simulate.{key}: expected a number >= 0, got {value!r}")
    return float(value)


def password_from(options: Mapping[str, Any], where: str) -> str | None:
    """The password a room config's device options give: ``password_file`` (read here) or ``password``."""
    if options.get("password_file") is not None:
        path = Path(str(options["password_file"]))
        try:
            lines = path.read_text(encoding="utf-8").strip().splitlines()
        except OSError as exc:
            raise SimConfigError(f"{where}: options.password_file: cannot read {path}: {exc.strerror}") from exc
        return lines[0].strip() if lines else ""
    password = options.get("password")
    if password is not None and not isinstance(password, str):
        raise SimConfigError(f"{where}: options.password: expected a string")
    return password


def from_spec(endpoint: TcpEndpoint, spec: DeviceSpec) -> Projector:
    """A projector as a room config's device and its model file describe it."""
    where = f"device {spec.id!r}"
    simulate = spec.model.get("simulate") or {}
    inputs = spec.model.get("inputs") or {}
    if not isinstance(simulate, Mapping) or not isinstance(inputs, Mapping):
        raise SimConfigError(f"{spec.model_file}: simulate and inputs must be mappings")
    source = str(spec.model_file)
    klass = simulate.get("pjlink_class", 1)
    if klass not in (1, 2):
        raise SimConfigError(f"{source}: simulate.pjlink_class: expected 1 or 2, got {klass!r}")
    notify_port = spec.options.get("notify_port", STATUS_PORT)
    if isinstance(notify_port, bool) or not isinstance(notify_port, int) or not 0 <= notify_port <= 65535:
        raise SimConfigError(f"{where}: options.notify_port: expected a UDP port number, got {notify_port!r}")
    try:
        class2 = Class2.from_mapping(simulate, {str(k): str(v) for k, v in inputs.items()}) if klass == 2 else None
    except (TypeError, ValueError) as exc:
        raise SimConfigError(f"{source}: simulate: {exc}") from None
    return Projector(
        endpoint,
        class2=class2,
        notify_port=notify_port,
        inputs={str(k): str(v) for k, v in inputs.items()},
        password=password_from(spec.options, where),
        warmup_s=_number(simulate, "warmup_s", 0.3, source),
        cooldown_s=_number(simulate, "cooldown_s", 0.3, source),
        idle_drop_s=_number(simulate, "idle_drop_s", 30.0, source),
        lamp_hours=int(_number(simulate, "lamp_hours", 0, source)),
        name=str(simulate.get("name", spec.id)),
        manufacturer=str(simulate.get("manufacturer", spec.model.get("vendor", "SIM"))),
        product=str(spec.model.get("model", "PJLink projector")),
    )


def build_line(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    if not isinstance(endpoint, TcpEndpoint):
        raise SimConfigError(f"device {devices[0].id!r}: port {devices[0].port} must be a tcp:// URL for PJLink")
    if len(devices) != 1:
        raise SimConfigError(f"port {devices[0].port}: one PJLink projector per address, got {len(devices)}")
    if (devices[0].model.get("simulate") or {}).get("pjlink_class") == 2:
        # Notifications are routed by the projector's address: each class 2 twin gets its own loopback one.
        endpoint.host = f"127.{secrets.randbelow(254) + 1}.{secrets.randbelow(254) + 1}.{secrets.randbelow(253) + 2}"
    projector = from_spec(endpoint, devices[0])
    return BuiltLine(projector, {devices[0].id: projector})


def register() -> None:
    """Teach the simulator the ``pjlink`` family (one projector per TCP port)."""
    register_family("pjlink", {"display"}, build_line)
