"""Finding a USB device by vendor id, product id and serial number, and noticing when it is gone.

A room config names a USB device by its port string ``usb:VID:PID[:SERIAL]`` (hex ids). Every function here
blocks (pyusb talks to libusb): call them from the device's worker thread only.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

import usb.core  # type: ignore[import-untyped, unused-ignore]
import usb.util  # type: ignore[import-untyped, unused-ignore]

from drivers.errors import ConfigError

_PORT = re.compile(r"^usb:([0-9A-Fa-f]{1,4}):([0-9A-Fa-f]{1,4})(?::(\S+))?$")


@dataclass(frozen=True)
class UsbAddress:
    """Which USB device a config means: vendor and product id, and the serial number when several share them."""

    vendor_id: int
    product_id: int
    serial: str | None = None

    @classmethod
    def parse(cls, port: str, where: str = "transport.port") -> UsbAddress:
        """``usb:046d:085f`` or ``usb:046d:085f:A1B2C3``; ConfigError naming ``where`` otherwise."""
        match = _PORT.match(port.strip())
        if match is None:
            raise ConfigError(f"{where}: '{port}' is not usb:VID:PID[:SERIAL] with hex ids (e.g. usb:046d:085f)")
        return cls(int(match.group(1), 16), int(match.group(2), 16), match.group(3))

    def __str__(self) -> str:
        ids = f"usb:{self.vendor_id:04x}:{self.product_id:04x}"
        return f"{ids}:{self.serial}" if self.serial else ids


@dataclass(frozen=True)
class Location:
    """Where a found device sits on the bus now; a replugged device gets a new address."""

    bus: int | None
    address: int | None


def location(dev: Any) -> Location:
    return Location(dev.bus, dev.address)


def serial_of(dev: Any) -> str | None:
    """The device's serial number string, or None when it has none or cannot be read."""
    if not dev.iSerialNumber:
        return None
    try:
        return str(usb.util.get_string(dev, dev.iSerialNumber))
    except (usb.core.USBError, ValueError, NotImplementedError):
        return None
    finally:
        with contextlib.suppress(usb.core.USBError):
            usb.util.dispose_resources(dev)


def find(backend: Any, address: UsbAddress) -> Any | None:
    """The first device matching ``address`` (a pyusb Device), or None."""
    for dev in usb.core.find(find_all=True, backend=backend, idVendor=address.vendor_id, idProduct=address.product_id):
        if address.serial is None or serial_of(dev) == address.serial:
            return dev
    return None


def present(backend: Any, address: UsbAddress, where: Location) -> bool:
    """Whether the device found at ``where`` is still on the bus (a fresh enumeration, no transfer)."""
    return any(
        location(dev) == where
        for dev in usb.core.find(
            find_all=True, backend=backend, idVendor=address.vendor_id, idProduct=address.product_id
        )
    )
