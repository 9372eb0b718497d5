"""The ``recording`` family: the control PC's own recording unit, writing to the folder its port names."""

from __future__ import annotations

from pathlib import Path

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.recording.device import SoftwareRecorder
from drivers.recording.options import RecordingOptions


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A SoftwareRecorder writing to ``dir:<store folder>``; its inputs are found once all devices are built."""
    port = request.port.strip()
    store = Path(port.removeprefix("dir:"))
    if not port.removeprefix("dir:") or not store.is_absolute():
        raise ConfigError(f"{request.where('transport.port')}: the store must be an absolute path, got {port!r}")
    options = request.options_as(RecordingOptions)
    return SoftwareRecorder(request.device_id, request.profile, store, options, factory.devices)


FAMILY = FamilySpec(
    id="recording",
    protocols=(ProtocolSpec("recorder", build, ("dir",), options=RecordingOptions),),
)
