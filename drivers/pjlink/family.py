"""The ``pjlink`` family: PJLink class 1 and class 2 projectors over TCP 4352 (class 2 also on UDP 4352).

Room config device options: ``password_file`` (a file holding the projector's PJLink password; preferred,
so the secret stays out of the room config) or ``password`` (inline, meant for tests); ``notify_port`` (the
UDP port class 2 projectors notify, 4352; 0 turns the listening off).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec, port_transport
from drivers.pjlink import codec
from drivers.pjlink.device import PjlinkOptions, PjlinkProjector
from drivers.pjlink.status_port import STATUS_PORT
from drivers.transports.link import FramedLink
from drivers.transports.tcp import parse_tcp_url

MAX_PASSWORD = 32  # PJLink passwords are up to 32 characters


class PjlinkDeviceOptions(BaseModel):
    """A room config's options for one PJLink projector."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    password_file: Path | None = None
    password: str | None = Field(None, min_length=1, max_length=MAX_PASSWORD)
    notify_port: int = Field(STATUS_PORT, ge=0, le=65535)  # class 2 notifications (UDP); 0: poll only

    @model_validator(mode="after")
    def _one_source(self) -> PjlinkDeviceOptions:
        if self.password_file is not None and self.password is not None:
            raise ValueError("give password_file or password, not both")
        return self


def read_password(request: BuildRequest, options: PjlinkDeviceOptions) -> str | None:
    """The password from ``options.password_file`` (first line, surrounding blanks dropped) or ``options.password``."""
    if options.password_file is None:
        return options.password
    where = request.where("options.password_file")
    try:
        text = options.password_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {options.password_file}: {exc.strerror}") from None
    lines = text.strip().splitlines()
    password = lines[0].strip() if lines else ""
    if not 1 <= len(password) <= MAX_PASSWORD:
        raise ConfigError(f"{where}: {options.password_file} must hold a password of 1..{MAX_PASSWORD} characters")
    return password


def build(factory: DeviceFactory, request: BuildRequest) -> Device:
    """A PjlinkProjector on its own TCP connection (``tcp://host[:4352]``)."""
    device_options = request.device_options(PjlinkDeviceOptions)
    family_options = request.profile_options(PjlinkOptions)
    password = read_password(request, device_options)
    link: FramedLink[codec.Frame] = factory.framed(request, codec.LineSplitter, request.address)
    host = parse_tcp_url(request.port, 4352)[0] if port_transport(request.port) == "tcp" else None
    return PjlinkProjector(
        request.device_id,
        request.profile,
        link,
        password=password,
        options=family_options,
        host=host,
        notify_port=device_options.notify_port or None,
    )


FAMILY = FamilySpec(
    id="pjlink",
    codecs=(codec,),
    protocols=(ProtocolSpec("display", build, ("tcp", "serial"), options=PjlinkOptions),),
)
