"""The ``tesira`` family: Biamp Tesira DSPs over the Tesira Text Protocol (telnet TCP 23, SSH 22, or RS-232).

The room config's port picks the channel per device: ``tcp://host[:23]`` telnet (older units), ``ssh://host[:22]``
SSH (current firmware: telnet off, SSH on), or a serial port. Room config device options: ``points: {name: {tag,
index, min_db, max_db}}`` adds to or replaces the model profile's points (instance tags are designed per
installation); ``credentials_file`` names the SSH login file (drivers/tesira/ssh.py), never the room config.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.profiles import AudioPoint
from drivers.tesira import codec
from drivers.tesira.device import TesiraDsp, TesiraOptions
from drivers.tesira.ssh import SshShellStream, parse_ssh_url, read_credentials
from drivers.transports.link import FramedLink


class TesiraDeviceOptions(BaseModel):
    """A room config's options for one Tesira."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: dict[str, AudioPoint] = Field(default_factory=dict)
    credentials_file: Path | None = None  # SSH login (YAML: username, password, known_hosts); ssh:// ports only


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A TesiraDsp on its own connection: telnet (``tcp://host[:23]``), SSH (``ssh://host[:22]``) or RS-232."""
    device_options = request.device_options(TesiraDeviceOptions)
    family_options = request.profile_options(TesiraOptions)
    link: FramedLink[codec.Frame]
    if request.port.startswith("ssh://"):
        if device_options.credentials_file is None:
            raise ConfigError(f"{request.where('options.credentials_file')}: an ssh:// port needs a credentials file")
        parse_ssh_url(request.port)
        credentials = read_credentials(device_options.credentials_file, request.where("options.credentials_file"))
        stream = SshShellStream(request.port, credentials)
        link = factory.line(request, lambda: FramedLink(stream, codec.TtpSplitter(), request.timing), request.address)
    else:
        if device_options.credentials_file is not None:
            raise ConfigError(f"{request.where('options.credentials_file')}: only an ssh:// port logs in")
        link = factory.framed(request, codec.TtpSplitter, request.address)
    return TesiraDsp(request.device_id, request.profile, link, options=family_options, points=device_options.points)


FAMILY = FamilySpec(
    id="tesira",
    codecs=(codec,),
    protocols=(ProtocolSpec("audio_processor", build, ("tcp", "serial"), options=TesiraOptions),),
)
