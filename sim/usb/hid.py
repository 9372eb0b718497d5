"""A simulated HID status light (interrupt OUT reports) and a HID foot switch or alarm button (interrupt IN)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from sim.usb.devices import EndpointSpec, FakeUsbDevice, InterfaceSpec, Silent, Stall


def _hid_interface(*endpoints: EndpointSpec) -> tuple[InterfaceSpec, ...]:
    return (InterfaceSpec(0, 0x03, 0, 0, endpoints),)


@dataclass(frozen=True)
class LightLayout:
    """How the light reads an output report (the model profile's options)."""

    report_id: int | None = None
    report_length: int = 8
    color_offset: int = 0
    blink_offset: int | None = None
    colors: dict[str, tuple[int, int, int]] = field(default_factory=dict)


class FakeHidLight(FakeUsbDevice):
    """A HID status light: output reports on interrupt OUT endpoint 0x01; a report of the wrong size stalls."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        serial: str | None = None,
        *,
        layout: LightLayout | None = None,
        product: str = "Status light",
        device_id: str = "",
    ) -> None:
        super().__init__(
            vendor_id,
            product_id,
            serial,
            product=product,
            interfaces=_hid_interface(EndpointSpec(0x81, 0x03, 8), EndpointSpec(0x01, 0x03, 64)),
            device_id=device_id,
        )
        self.layout = layout or LightLayout()
        self.rgb: tuple[int, int, int] = (0, 0, 0)
        self.blinking = False
        self.reports: list[bytes] = []

    @property
    def on(self) -> bool:
        return self.rgb != (0, 0, 0)

    def wake(self) -> None:
        """Unplugged: the light loses power and goes dark."""
        with self.lock:
            self.rgb, self.blinking = (0, 0, 0), False

    @property
    def color(self) -> str | None:
        """The colour name whose RGB the light shows (None when off or unnamed)."""
        return next((name for name, rgb in self.layout.colors.items() if rgb == self.rgb and self.on), None)

    def write(self, endpoint: int, data: bytes) -> int:
        with self.lock:
            if self.silent:
                raise Silent
            lay = self.layout
            body = data
            if lay.report_id is not None:
                if not data or data[0] != lay.report_id:
                    raise Stall
                body = data[1:]
            if endpoint != 0x01 or len(body) != lay.report_length:
                raise Stall
            self.reports.append(bytes(data))
            self.rgb = (body[lay.color_offset], body[lay.color_offset + 1], body[lay.color_offset + 2])
            self.blinking = lay.blink_offset is not None and bool(body[lay.blink_offset]) and self.on
            return len(data)


class FakeHidButton(FakeUsbDevice):
    """A HID foot switch or alarm button: an input report on interrupt IN endpoint 0x81 at each change."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        serial: str | None = None,
        *,
        report_length: int = 8,
        button_byte: int = 0,
        button_value: int = 0x01,
        product: str = "Foot switch",
        device_id: str = "",
    ) -> None:
        super().__init__(
            vendor_id,
            product_id,
            serial,
            product=product,
            interfaces=_hid_interface(EndpointSpec(0x81, 0x03, report_length)),
            device_id=device_id,
        )
        self.report_length = report_length
        self.button_byte = button_byte
        self.button_value = button_value
        self.pressed = False
        self._queue: deque[bytes] = deque(maxlen=64)
        self._ready = threading.Condition(self.lock)
        self._generation = 0

    def press(self) -> None:
        """Test API: the button goes down."""
        self._report(True)

    def release(self) -> None:
        """Test API: the button comes up."""
        self._report(False)

    def tap(self) -> None:
        self.press()
        self.release()

    def _report(self, pressed: bool) -> None:
        with self._ready:
            self.pressed = pressed
            report = bytearray(self.report_length)
            if pressed:
                report[self.button_byte] = self.button_value
            self._queue.append(bytes(report))
            self._ready.notify_all()

    def read(self, endpoint: int, size: int, timeout_ms: int) -> bytes:
        if endpoint != 0x81:
            raise Stall
        with self._ready:
            generation = self._generation
            deadline = time.monotonic() + timeout_ms / 1000
            while not self._queue or self.silent:
                left = deadline - time.monotonic()
                if left <= 0 or generation != self._generation:
                    raise Silent
                self._ready.wait(left)
            return self._queue.popleft()[:size]

    def wake(self) -> None:
        with self._ready:
            self._generation += 1
            self._queue.clear()
            self._ready.notify_all()
