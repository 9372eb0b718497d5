"""What every simulated USB device on the fake libusb backend (sim/usb/backend.py) has, whatever its class.

The devices themselves: sim/usb/uvc.py (camera), sim/usb/uac.py (microphone or speaker), sim/usb/hid.py (light,
button). A device answers class control requests (``control``) and interrupt transfers (``write`` / ``read``); a request
it does not support raises ``Stall``, which the backend turns into the pipe error libusb gives for a STALL. Read
from docs/protocols.md section 6, independently of the drivers.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from sim.faults import COMMON, FaultHandle, Faults


class Stall(Exception):
    """The device stalls endpoint 0 (or an interrupt endpoint)."""


class Silent(Exception):
    """The device does not answer: the host's transfer times out."""


@dataclass(frozen=True)
class EndpointSpec:
    address: int  # bit 7 set: IN
    attributes: int = 0x03  # interrupt
    max_packet: int = 64
    interval: int = 10


@dataclass(frozen=True)
class InterfaceSpec:
    number: int
    cls: int
    subclass: int = 0
    protocol: int = 0
    endpoints: tuple[EndpointSpec, ...] = ()


@dataclass(frozen=True)
class Request:
    """One control request as the device sees it: setup fields, the OUT data and the wLength asked for."""

    bm_request_type: int
    b_request: int
    w_value: int
    w_index: int
    data: bytes
    length: int

    @property
    def is_in(self) -> bool:
        return bool(self.bm_request_type & 0x80)


SET_CUR, GET_CUR, GET_MIN, GET_MAX, GET_RES, GET_LEN, GET_INFO, GET_DEF = 0x01, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87
CLASS_OUT, CLASS_IN = 0x21, 0xA1


def garble(reply: bytes) -> bytes:
    """A USB device's corruption: an IN control transfer one byte too short."""
    return reply[:-1]


@dataclass(eq=False)
class FakeUsbDevice(FaultHandle):
    """What every simulated USB device has: ids, strings, interfaces, and the faults of sim/faults.py (all but
    ``slow``: the fake bus answers at once)."""

    honors = frozenset(COMMON) - {"slow"}
    slows: ClassVar[bool] = False

    vendor_id: int
    product_id: int
    serial: str | None = None
    manufacturer: str = "Simulated"
    product: str = "USB device"
    interfaces: tuple[InterfaceSpec, ...] = ()
    device_id: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: deque[Request] = deque(maxlen=256)  # what the host sent
        self.faults = Faults(garble=garble)
        self.bus: object | None = None  # set by the backend while plugged
        self._plug: Callable[[bool], None] = lambda _on: None

    # -- faults (sim/faults.py): silent, transfers time out; garbled, IN control transfers come short ---------
    @property
    def port(self) -> FakeUsbDevice:
        """The device itself: it is what leaves the bus."""
        return self

    def unplug(self) -> None:
        """Pull the device out: it leaves the enumeration and every open handle fails with 'no device'."""
        self._plug(False)

    def replug(self) -> None:
        """Plug it back in (at a new address, as a real bus does)."""
        self._plug(True)

    # -- what the backend calls ----------------------------------------------------------------------------
    def control(self, req: Request) -> bytes:
        """A class request; returns the IN data (b"" for OUT). Raises Stall or Silent."""
        with self.lock:
            if self.faults.silent:
                raise Silent
            self.requests.append(req)
            reply = self.class_request(req)
            return self.faults.garbled(reply) if req.is_in else reply

    def class_request(self, req: Request) -> bytes:
        raise Stall

    def write(self, endpoint: int, data: bytes) -> int:
        raise Stall

    def read(self, endpoint: int, size: int, timeout_ms: int) -> bytes:
        raise Stall

    def wake(self) -> None:
        """Wake a blocked read (the device was unplugged or closed)."""
