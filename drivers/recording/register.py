"""Teaches the DeviceFactory the ``software-recorder`` family: port ``dir:<store folder>``."""

from __future__ import annotations

from pathlib import Path

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.profiles import parse_options, register_options
from drivers.recording.device import SoftwareRecorder
from drivers.recording.options import RecordingOptions

FAMILY = "software-recorder"


def build_software_recorder(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A SoftwareRecorder writing to the folder its port names; its inputs are found once all are built."""
    port = request.port.strip()
    if not port.startswith("dir:") or not port[4:]:
        raise ConfigError(f"{request.where('transport.port')}: expected dir:<store folder>, got {port!r}")
    store = Path(port[4:])
    if not store.is_absolute():
        raise ConfigError(f"{request.where('transport.port')}: the store must be an absolute path, got {port!r}")
    merged = {**request.profile.options(), **request.options}
    options = parse_options(RecordingOptions, merged, request.where(), ConfigError)
    return SoftwareRecorder(request.device_id, request.profile, store, options, factory.devices)


def register() -> None:
    """Register the builder and the options model (idempotent)."""
    register_options(FAMILY, RecordingOptions)
    DeviceFactory.register(FAMILY, build_software_recorder)
