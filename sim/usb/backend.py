"""A fake libusb: a pyusb backend (``usb.backend.IBackend``) serving simulated USB devices, and the room glue.

``FakeUsbBackend`` is one USB bus: ``plug(device)`` puts a device from sim/usb/devices.py on it, ``unplug`` /
``replug`` (also on the device handle) take it away and bring it back at a new address, as a real bus does.
Any program can use it through plain pyusb: ``usb.core.find(backend=bus, idVendor=...)``. Standard requests the
backend answers itself are the string descriptors (GET_DESCRIPTOR); class requests go to the device, and what a
device refuses STALLs (``USBError('Pipe error', -9, EPIPE)``); a silent device times out; a pulled device
fails with 'No such device' (-4, ENODEV).

``BUS`` is this process's bus: the room builder plugs its devices there. A controller in the same process is
handed it through its own injection point (drivers never import the simulator: the test or demo does).
"""

from __future__ import annotations

import errno
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import usb.backend  # type: ignore[import-untyped, unused-ignore]
import usb.core  # type: ignore[import-untyped, unused-ignore]

from sim.endpoints import Endpoint
from sim.usb.devices import FakeUsbDevice, Request, Silent, Stall

LIBUSB_ERROR_INVALID_PARAM, LIBUSB_ERROR_NO_DEVICE, LIBUSB_ERROR_TIMEOUT, LIBUSB_ERROR_PIPE = -2, -4, -7, -9


def stall() -> usb.core.USBError:
    return usb.core.USBError("Pipe error", LIBUSB_ERROR_PIPE, errno.EPIPE)


def gone() -> usb.core.USBError:
    return usb.core.USBError("No such device (it may have been disconnected)", LIBUSB_ERROR_NO_DEVICE, errno.ENODEV)


def timed_out() -> usb.core.USBError:
    return usb.core.USBTimeoutError("Operation timed out", LIBUSB_ERROR_TIMEOUT, errno.ETIMEDOUT)


@dataclass
class Descriptor:
    """A descriptor: attributes named as pyusb reads them."""

    fields: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(eq=False)
class Token:
    """One appearance of a device on the bus; a replug makes a new one."""

    device: FakeUsbDevice
    address: int
    alive: bool = True


@dataclass(eq=False)
class Handle:
    token: Token
    claimed: set[int] = field(default_factory=set)
    configuration: int = 1


STRING_INDEX = {"manufacturer": 1, "product": 2, "serial": 3}


class FakeUsbBackend(usb.backend.IBackend):  # type: ignore[misc, unused-ignore]
    """One simulated USB bus (bus number 1), thread-safe: drivers call it from their worker threads."""

    def __init__(self, bus_number: int = 1) -> None:
        super().__init__()
        self.bus_number = bus_number
        self.lock = threading.RLock()
        self._tokens: dict[FakeUsbDevice, Token] = {}
        self._addresses = itertools.count(2)
        self.calls: list[tuple[Any, ...]] | None = None  # set to [] to record every backend call

    # -- test API ------------------------------------------------------------------------------------------
    def plug(self, device: FakeUsbDevice) -> FakeUsbDevice:
        """Put ``device`` on the bus (at a new address) and let its ``unplug()`` / ``replug()`` work."""
        with self.lock:
            if device not in self._tokens or not self._tokens[device].alive:
                self._tokens[device] = Token(device, next(self._addresses))
            device._plug = lambda on: self._replug(device, on)
            device.bus = self
            return device

    def _replug(self, device: FakeUsbDevice, on: bool) -> None:
        if on:
            self.plug(device)
        else:
            self.unplug(device)

    def unplug(self, device: FakeUsbDevice) -> None:
        with self.lock:
            token = self._tokens.pop(device, None)
            if token is not None:
                token.alive = False
        device.wake()

    def remove(self, device: FakeUsbDevice) -> None:
        """Take the device off for good (its room line closed)."""
        self.unplug(device)
        with self.lock:
            device._plug = lambda _on: None
            device.bus = None

    @property
    def devices(self) -> list[FakeUsbDevice]:
        with self.lock:
            return list(self._tokens)

    def _record(self, *call: Any) -> None:
        if self.calls is not None:
            self.calls.append(call)

    # -- enumeration and descriptors -----------------------------------------------------------------------
    def enumerate_devices(self) -> Iterator[Token]:
        self._record("enumerate_devices")
        with self.lock:
            return iter(list(self._tokens.values()))

    def get_parent(self, dev: Token) -> None:
        return None

    def get_device_descriptor(self, dev: Token) -> Descriptor:
        self._record("get_device_descriptor")
        d = dev.device
        return Descriptor(
            {
                "bLength": 18,
                "bDescriptorType": 1,
                "bcdUSB": 0x0200,
                "bDeviceClass": 0xEF if len(d.interfaces) > 1 else 0,
                "bDeviceSubClass": 2 if len(d.interfaces) > 1 else 0,
                "bDeviceProtocol": 1 if len(d.interfaces) > 1 else 0,
                "bMaxPacketSize0": 64,
                "idVendor": d.vendor_id,
                "idProduct": d.product_id,
                "bcdDevice": 0x0100,
                "iManufacturer": STRING_INDEX["manufacturer"],
                "iProduct": STRING_INDEX["product"],
                "iSerialNumber": STRING_INDEX["serial"] if d.serial else 0,
                "bNumConfigurations": 1,
                "bus": self.bus_number,
                "address": dev.address,
                "port_number": dev.address,
                "port_numbers": (dev.address,),
                "speed": 3,  # high speed
            }
        )

    def get_configuration_descriptor(self, dev: Token, config: int) -> Descriptor:
        if config != 0:
            raise IndexError("configuration index out of range")
        interfaces = dev.device.interfaces
        return Descriptor(
            {
                "bLength": 9,
                "bDescriptorType": 2,
                "wTotalLength": 9 + sum(9 + 7 * len(i.endpoints) for i in interfaces),
                "bNumInterfaces": len(interfaces),
                "bConfigurationValue": 1,
                "iConfiguration": 0,
                "bmAttributes": 0x80,
                "bMaxPower": 250,
                "extra_descriptors": [],
            }
        )

    def get_interface_descriptor(self, dev: Token, intf: int, alt: int, config: int) -> Descriptor:
        if config != 0 or alt != 0 or intf >= len(dev.device.interfaces):
            raise IndexError("interface index out of range")
        spec = dev.device.interfaces[intf]
        return Descriptor(
            {
                "bLength": 9,
                "bDescriptorType": 4,
                "bInterfaceNumber": spec.number,
                "bAlternateSetting": 0,
                "bNumEndpoints": len(spec.endpoints),
                "bInterfaceClass": spec.cls,
                "bInterfaceSubClass": spec.subclass,
                "bInterfaceProtocol": spec.protocol,
                "iInterface": 0,
                "extra_descriptors": [],
            }
        )

    def get_endpoint_descriptor(self, dev: Token, ep: int, intf: int, alt: int, config: int) -> Descriptor:
        if config != 0 or alt != 0 or intf >= len(dev.device.interfaces):
            raise IndexError("interface index out of range")
        endpoints = dev.device.interfaces[intf].endpoints
        if ep >= len(endpoints):
            raise IndexError("endpoint index out of range")
        spec = endpoints[ep]
        return Descriptor(
            {
                "bLength": 7,
                "bDescriptorType": 5,
                "bEndpointAddress": spec.address,
                "bmAttributes": spec.attributes,
                "wMaxPacketSize": spec.max_packet,
                "bInterval": spec.interval,
                "bRefresh": 0,
                "bSynchAddress": 0,
                "extra_descriptors": [],
            }
        )

    # -- handles -------------------------------------------------------------------------------------------
    def open_device(self, dev: Token) -> Handle:
        self._record("open_device")
        if not dev.alive:
            raise gone()
        return Handle(dev)

    def close_device(self, dev_handle: Handle) -> None:
        self._record("close_device")

    def _alive(self, handle: Handle) -> FakeUsbDevice:
        if not handle.token.alive:
            raise gone()
        return handle.token.device

    def set_configuration(self, dev_handle: Handle, config_value: int) -> None:
        self._alive(dev_handle)
        if config_value not in (0, 1):
            raise usb.core.USBError("Entity not found", -5, errno.ENOENT)
        dev_handle.configuration = config_value

    def get_configuration(self, dev_handle: Handle) -> int:
        self._alive(dev_handle)
        return dev_handle.configuration

    def set_interface_altsetting(self, dev_handle: Handle, intf: int, altsetting: int) -> None:
        device = self._alive(dev_handle)
        if altsetting != 0 or all(i.number != intf for i in device.interfaces):
            raise stall()

    def claim_interface(self, dev_handle: Handle, intf: int) -> None:
        self._record("claim_interface", intf)
        device = self._alive(dev_handle)
        if all(i.number != intf for i in device.interfaces):
            raise usb.core.USBError("Entity not found", -5, errno.ENOENT)
        dev_handle.claimed.add(intf)

    def release_interface(self, dev_handle: Handle, intf: int) -> None:
        self._record("release_interface", intf)
        dev_handle.claimed.discard(intf)

    def is_kernel_driver_active(self, dev_handle: Handle, intf: int) -> bool:
        self._alive(dev_handle)
        return False

    def detach_kernel_driver(self, dev_handle: Handle, intf: int) -> None:
        self._alive(dev_handle)

    def attach_kernel_driver(self, dev_handle: Handle, intf: int) -> None:
        self._alive(dev_handle)

    def clear_halt(self, dev_handle: Handle, ep: int) -> None:
        self._alive(dev_handle)

    def reset_device(self, dev_handle: Handle) -> None:
        self._alive(dev_handle)

    # -- transfers -----------------------------------------------------------------------------------------
    def ctrl_transfer(  # noqa: PLR0917 - pyusb's backend interface
        self, dev_handle: Handle, bmRequestType: int, bRequest: int, wValue: int, wIndex: int, data: Any, timeout: int
    ) -> int:
        self._record("ctrl_transfer", bmRequestType, bRequest, wValue, wIndex, len(data))
        device = self._alive(dev_handle)
        is_in = bool(bmRequestType & 0x80)
        try:
            if bmRequestType & 0x60 == 0:  # standard request
                reply = self._standard(device, bmRequestType, bRequest, wValue, wIndex)
            else:
                if bmRequestType & 0x1F == 1 and (wIndex & 0xFF) not in dev_handle.claimed:
                    raise stall()  # pyusb claims the interface first; a request to another one fails
                out = b"" if is_in else bytes(data)
                reply = device.control(Request(bmRequestType, bRequest, wValue, wIndex, out, len(data)))
        except Stall:
            raise stall() from None
        except Silent:
            raise timed_out() from None
        self._alive(dev_handle)
        if not is_in:
            return len(data)
        count = min(len(reply), len(data))
        data[:count] = type(data)("B", reply[:count])
        return count

    def _standard(self, device: FakeUsbDevice, bm: int, b_request: int, w_value: int, w_index: int) -> bytes:
        if bm != 0x80 or b_request != 0x06 or w_value >> 8 != 0x03:
            raise Stall  # only string descriptors are served here
        index = w_value & 0xFF
        if index == 0:
            return bytes([4, 3, 0x09, 0x04])  # LANGID list: English (US)
        texts = {1: device.manufacturer, 2: device.product, 3: device.serial}
        text = texts.get(index)
        if text is None:
            raise Stall
        encoded = text.encode("utf-16-le")
        return bytes([2 + len(encoded), 3]) + encoded

    def intr_write(self, dev_handle: Handle, ep: int, intf: int, data: Any, timeout: int) -> int:
        device = self._alive(dev_handle)
        try:
            return device.write(ep, bytes(data))
        except Stall:
            raise stall() from None
        except Silent:
            raise timed_out() from None

    def intr_read(self, dev_handle: Handle, ep: int, intf: int, buff: Any, timeout: int) -> int:
        device = self._alive(dev_handle)
        try:
            report = device.read(ep, len(buff), timeout or 1000)
        except Stall:
            raise stall() from None
        except Silent:
            self._alive(dev_handle)
            raise timed_out() from None
        count = min(len(report), len(buff))
        buff[:count] = type(buff)("B", report[:count])
        return count

    bulk_write = intr_write
    bulk_read = intr_read


BUS = FakeUsbBackend()
"""This process's simulated USB bus."""


class UsbEndpoint(Endpoint):
    """A USB "port": nothing to open; its URL is the configured ``usb:VID:PID[:SERIAL]`` string unchanged."""

    def __init__(self, port: str) -> None:
        super().__init__()
        self.port = port

    @property
    def url(self) -> str:
        return self.port

    def open(self) -> None:
        self.plugged = True

    def close(self) -> None:
        self.plugged = False

    def write(self, data: bytes) -> None:
        """USB devices do not stream bytes."""

    def unplug(self) -> None:
        self.plugged = False

    def replug(self) -> None:
        self.plugged = True


def parse_port(port: str) -> tuple[int, int, str | None]:
    """``usb:046d:085f[:SERIAL]`` -> (vendor id, product id, serial); ValueError otherwise."""
    parts = port.split(":")
    if len(parts) not in (3, 4) or parts[0] != "usb":
        raise ValueError(f"'{port}' is not usb:VID:PID[:SERIAL]")
    return int(parts[1], 16), int(parts[2], 16), (parts[3] or None) if len(parts) == 4 else None

