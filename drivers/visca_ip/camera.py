"""ViscaIpCamera: the serial ViscaCamera's behaviour spoken over a VISCA-over-IP link.

Everything above the wire (identification by version inquiry, firmware entries and quirks, state, moves and
refreshes) is drivers.visca.camera.ViscaCamera's; only the link differs. ViscaCamera uses no more of its line
than the ViscaLink surface, which both ViscaLine and ViscaIpLink offer (mypy checks that here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.profiles import Profile
from drivers.visca.camera import ViscaCamera, ViscaLink
from drivers.visca.line import ViscaLine
from drivers.visca_ip.link import ADDRESS, ViscaIpLink

if TYPE_CHECKING:  # both links fit the surface ViscaCamera uses
    _serial_fits: type[ViscaLink] = ViscaLine
    _ip_fits: type[ViscaLink] = ViscaIpLink


class ViscaIpCamera(ViscaCamera):
    """A Sony VISCA-over-IP camera (UDP 52381, address fixed at 1) on its own ViscaIpLink.

    ``connect()`` raises TransportLost, DeviceTimeout, DeviceNak or DecodeError, as ViscaCamera does.
    """

    def __init__(self, device_id: str, profile: Profile, link: ViscaIpLink) -> None:
        super().__init__(device_id, profile, link, ADDRESS)
        self.link = link
        self.info.extra["transport"] = "visca-ip"
