"""ViscaIpCamera: the serial ViscaCamera's behaviour spoken over a VISCA-over-IP link.

Everything above the wire (identification by version inquiry, firmware entries and quirks, state, moves and
refreshes) is drivers.visca.camera.ViscaCamera's; only the link differs. ViscaCamera uses no more of its line
than the ViscaLink surface below, which both ViscaLine and ViscaIpLink offer (mypy checks that here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from drivers.profiles import Profile
from drivers.visca.camera import ViscaCamera
from drivers.visca.line import ViscaLine
from drivers.visca_ip.link import ADDRESS, ViscaIpLink


class ViscaLink(Protocol):
    """What ViscaCamera needs of its line: users, opening, commands and inquiries, a name for messages."""

    @property
    def name(self) -> str:
        """The port or URL, for messages."""
        ...

    def acquire(self) -> None:
        """Count one more user."""

    async def release(self) -> None:
        """Count one user less; never raises."""

    async def ensure_open(self) -> None:
        """Open the link when it is closed."""

    async def command(
        self,
        address: int,
        frame: bytes,
        *,
        wait_completion: bool = True,
        ack_timeout_s: float | None = None,
        completion_timeout_s: float | None = None,
    ) -> None:
        """Send a command and wait for its ACK (and Completion)."""

    async def inquire(self, address: int, frame: bytes, *, timeout_s: float | None = None) -> bytes:
        """Send an inquiry and return the answer's data bytes."""
        ...


if TYPE_CHECKING:  # both links fit the surface ViscaCamera uses
    _serial_fits: type[ViscaLink] = ViscaLine
    _ip_fits: type[ViscaLink] = ViscaIpLink


class ViscaIpCamera(ViscaCamera):
    """A Sony VISCA-over-IP camera (UDP 52381, address fixed at 1) on its own ViscaIpLink.

    ``connect()`` raises TransportLost, DeviceTimeout, DeviceNak or DecodeError, as ViscaCamera does.
    """

    def __init__(self, device_id: str, profile: Profile, link: ViscaIpLink) -> None:
        # ViscaCamera annotates its line as ViscaLine but uses only the ViscaLink surface checked above.
        super().__init__(device_id, profile, cast(ViscaLine, link), ADDRESS)
        self.link = link
        self.info.extra["transport"] = "visca-ip"
