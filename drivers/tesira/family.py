"""The ``tesira`` family: Biamp Tesira DSPs over the Tesira Text Protocol (telnet TCP 23, or RS-232).

Room config device options: ``points: {name: {tag, index, min_db, max_db}}`` adds to or replaces the
model profile's points (instance tags are designed per installation).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import Device
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.profiles import AudioPoint
from drivers.tesira import codec
from drivers.tesira.device import TesiraDsp, TesiraOptions
from drivers.transports.link import FramedLink


class TesiraDeviceOptions(BaseModel):
    """A room config's options for one Tesira."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: dict[str, AudioPoint] = Field(default_factory=dict)


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A TesiraDsp on its own telnet connection (``tcp://host[:23]``; a serial port for RS-232 TTP)."""
    device_options = request.device_options(TesiraDeviceOptions)
    family_options = request.profile_options(TesiraOptions)
    link: FramedLink[codec.Frame] = factory.framed(request, codec.TtpSplitter, request.address)
    return TesiraDsp(request.device_id, request.profile, link, options=family_options, points=device_options.points)


FAMILY = FamilySpec(
    id="tesira",
    codecs=(codec,),
    protocols=(ProtocolSpec("audio_processor", build, ("tcp", "serial"), options=TesiraOptions),),
)
