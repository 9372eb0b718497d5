"""UsbLink: one USB device as a driver sees it, every pyusb call made on the device's own worker thread.

``open()`` finds the device (vendor, product, serial), ``check_present()`` re-enumerates the bus to notice an
unplug, and transfers turn pyusb errors into the project's typed errors: a STALL is a DeviceNak, a timeout a
DeviceTimeout, a vanished device (or any other failure) TransportLost. ``close()`` releases the device and stops
the worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import usb.core  # type: ignore[import-untyped, unused-ignore]
import usb.util  # type: ignore[import-untyped, unused-ignore]

from drivers.errors import CourtroomError, DeviceNak, DeviceOffline, DeviceTimeout, TransportLost
from drivers.transports.base import SharedLink
from drivers.usb import backend as usb_backend
from drivers.usb.control import ControlRequest
from drivers.usb.enumerate import Location, UsbAddress, find, location, present

T = TypeVar("T")


def translate(exc: Exception, what: str) -> CourtroomError:
    """A pyusb error as a typed error: STALL -> DeviceNak, timeout -> DeviceTimeout, else TransportLost."""
    if isinstance(exc, usb.core.USBTimeoutError):
        return DeviceTimeout(f"{what}: timed out")
    code = getattr(exc, "errno", None)
    if code == errno.EPIPE:
        return DeviceNak(f"{what}: the device stalled the request")
    if code in (errno.EACCES, errno.EPERM):
        return TransportLost(f"{what}: access denied (a udev rule must give the controller this device)")
    if code == errno.EBUSY:
        return TransportLost(f"{what}: the device is busy (claimed by another driver or program)")
    if code == errno.ENODEV:
        return TransportLost(f"{what}: the device is gone")
    return TransportLost(f"{what}: {exc}")


Prepare = Callable[[Any], None]
"""Run on the worker thread right after the device is found (claiming its interface: see ``claim``)."""


class UsbLink(SharedLink):
    """One USB device found by its address; blocking work runs on a one-thread executor of its own.

    Not a byte stream: a transfer is one blocking libusb call, so there is no reader, framing or reply matching
    here, only the life of a line (``ensure_open``, users, ``close``) that LineUse drives like any other.
    """

    def __init__(
        self, device_id: str, address: UsbAddress, timeout_ms: float = 1000, prepare: Prepare | None = None
    ) -> None:
        self.device_id = device_id
        self.address = address
        self.timeout_ms = int(timeout_ms)
        self.prepare = prepare  # what ensure_open() runs on the device it found; the device class sets it
        self._executor: ThreadPoolExecutor | None = None
        self._backend: Any = None
        self._dev: Any = None
        self._where: Location | None = None

    @property
    def name(self) -> str:
        """The device's address, for messages."""
        return str(self.address)

    @property
    def is_open(self) -> bool:
        return self._dev is not None

    def require(self) -> None:
        if self._dev is None:
            raise DeviceOffline(f"{self.device_id} is not connected")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the worker thread."""
        if self._executor is None:
            raise DeviceOffline(f"{self.device_id} is not connected")
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(fn, *args))

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def ensure_open(self) -> None:
        """Find the device and run ``prepare`` on it unless it is open already; TransportLost when it is gone."""
        if self._dev is None:
            await self.open(self.prepare)

    async def open(self, prepare: Prepare | None = None) -> None:
        """Find the device and run ``prepare(dev)`` (claiming interfaces...) on the worker; TransportLost when
        it is not on the bus."""
        await self.close()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"usb-{self.device_id}")
        try:
            self._dev = await self.run(self._open, prepare)
        except BaseException:
            await self.close()
            raise

    def _open(self, prepare: Prepare | None) -> Any:
        self._backend = usb_backend.get_backend()
        try:
            dev = find(self._backend, self.address)
        except usb.core.USBError as exc:
            raise translate(exc, f"{self.address}: enumeration") from exc
        if dev is None:
            raise TransportLost(f"{self.address} is not on the USB bus")
        self._where = location(dev)
        if prepare is not None:
            try:
                prepare(dev)
            except usb.core.USBError as exc:
                usb.util.dispose_resources(dev)
                raise translate(exc, f"{self.address}: setup") from exc
        return dev

    async def close(self) -> None:
        """Release the device and stop the worker thread; never raises."""
        executor, self._executor = self._executor, None
        dev, self._dev = self._dev, None
        if executor is None:
            return
        if dev is not None:
            with contextlib.suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(executor, usb.util.dispose_resources, dev)
        executor.shutdown(wait=False)

    # -- transfers -------------------------------------------------------------------------------------------
    async def control(self, request: ControlRequest) -> bytes:
        """One control transfer; the data an IN request read (b"" for an OUT one)."""
        self.require()
        return await self.run(self._control, self._dev, request)

    def _control(self, dev: Any, request: ControlRequest) -> bytes:
        payload: Any = request.data if request.data is not None else request.length
        try:
            result = dev.ctrl_transfer(
                request.bm_request_type, request.b_request, request.w_value, request.w_index, payload, self.timeout_ms
            )
        except usb.core.USBError as exc:
            raise translate(exc, f"{self.address}: request {request.setup().hex(' ')}") from exc
        return bytes(result) if request.is_in else b""

    async def write(self, endpoint: int, data: bytes) -> None:
        """An interrupt (or bulk) OUT transfer."""
        self.require()
        await self.run(self._write, self._dev, endpoint, data)

    def _write(self, dev: Any, endpoint: int, data: bytes) -> None:
        try:
            dev.write(endpoint, data, self.timeout_ms)
        except usb.core.USBError as exc:
            raise translate(exc, f"{self.address}: write to endpoint 0x{endpoint:02x}") from exc

    async def read(self, endpoint: int, size: int, timeout_ms: int) -> bytes | None:
        """An interrupt (or bulk) IN transfer; None when nothing came within ``timeout_ms``."""
        self.require()
        return await self.run(self._read, self._dev, endpoint, size, timeout_ms)

    def _read(self, dev: Any, endpoint: int, size: int, timeout_ms: int) -> bytes | None:
        try:
            return bytes(dev.read(endpoint, size, timeout_ms))
        except usb.core.USBTimeoutError:
            return None
        except usb.core.USBError as exc:
            raise translate(exc, f"{self.address}: read from endpoint 0x{endpoint:02x}") from exc

    async def check_present(self) -> None:
        """Re-enumerate the bus; TransportLost when the device is no longer where it was found."""
        self.require()
        if not await self.run(self._present):
            raise TransportLost(f"{self.address} was unplugged")

    def _present(self) -> bool:
        if self._where is None:
            return False
        try:
            return present(self._backend, self.address, self._where)
        except usb.core.USBError as exc:
            raise translate(exc, f"{self.address}: enumeration") from exc


def claim(interface: int, detach_kernel_driver: bool = False) -> Prepare:
    """A ``prepare`` for ``open()``: make sure a configuration is active and claim ``interface`` (detaching a
    kernel driver first when asked: HID devices are usually bound to usbhid)."""

    def prepare(dev: Any) -> None:
        if detach_kernel_driver:
            with contextlib.suppress(NotImplementedError, usb.core.USBError):
                if dev.is_kernel_driver_active(interface):
                    dev.detach_kernel_driver(interface)
        try:
            dev.get_active_configuration()
        except usb.core.USBError:
            dev.set_configuration()
        usb.util.claim_interface(dev, interface)

    return prepare
