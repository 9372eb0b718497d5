"""Teaches the DeviceFactory the ``tesira-ttp`` family; ``register()`` is called once at start-up.

Room config device options: ``points: {name: {tag, index, min_db, max_db}}`` adds to or replaces the
model profile's points (instance tags are designed per installation).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.profiles import AudioPoint, parse_options, register_options
from drivers.tesira.device import TesiraDsp, TesiraOptions
from drivers.transports.tcp import open_stream

FAMILY = "tesira-ttp"


class TesiraDeviceOptions(BaseModel):
    """A room config's options for one Tesira."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: dict[str, AudioPoint] = Field(default_factory=dict)


def build_tesira(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A TesiraDsp on its own telnet connection (``tcp://host[:23]``; a serial port for RS-232 TTP)."""
    profile = request.profile
    device_options = parse_options(TesiraDeviceOptions, request.options, request.where(), ConfigError)
    family_options = parse_options(TesiraOptions, profile.options(), f"{profile.model.ref}: options")
    transport = open_stream(request.port, request.serial, profile.protocol.default_tcp_port)
    return TesiraDsp(request.device_id, profile, transport, options=family_options, points=device_options.points)


def register() -> None:
    """Register the Tesira builder and options model (idempotent)."""
    register_options(FAMILY, TesiraOptions)
    DeviceFactory.register(FAMILY, build_tesira)
