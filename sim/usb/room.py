"""The simulated room's USB families: each configured ``usb:VID:PID[:SERIAL]`` device is plugged into ``BUS``.

Families ``usb.uvc`` (camera), ``usb.uac`` (audio_processor), ``usb.hid_light`` and ``usb.hid_button`` (HID). The
model profile gives ranges (camera), points (audio: tags ``fu<unit>[.<channel>]``) and report layouts (HID
options); ``simulate`` may add ``pan_tilt_res`` (arc-seconds), ``zoom_res``, ``volume_res_db`` and
``button_value`` (the byte a pressed button sends).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sim.endpoints import Endpoint
from sim.errors import SimConfigError
from sim.registry import BuiltLine, DeviceSpec, register_endpoint, register_family
from sim.usb.backend import BUS, FakeUsbBackend, UsbEndpoint, parse_port
from sim.usb.devices import FakeUsbDevice
from sim.usb.hid import FakeHidButton, FakeHidLight, LightLayout
from sim.usb.uac import FakeUacDevice, UacChannel
from sim.usb.uvc import FakeUvcCamera

DEFAULT_COLORS = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 160, 0),
    "white": (255, 255, 255),
}


class UsbLine:
    """The devices of one ``usb:`` port: plugged into the bus while the line is open."""

    def __init__(self, devices: list[FakeUsbDevice], bus: FakeUsbBackend = BUS) -> None:
        self.devices = devices
        self.bus = bus

    def open(self) -> None:
        for device in self.devices:
            self.bus.plug(device)

    def close(self) -> None:
        for device in self.devices:
            self.bus.remove(device)


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _range(spec: DeviceSpec, key: str) -> tuple[int, int]:
    rng = _map(_map(spec.model.get("ranges")).get(key))
    try:
        return int(rng["min"]), int(rng["max"])
    except (KeyError, TypeError, ValueError):
        raise SimConfigError(f"device {spec.id!r}: {spec.model_file}: ranges.{key} needs min and max") from None


def _ids(spec: DeviceSpec) -> tuple[int, int, str]:
    try:
        vendor, product, serial = parse_port(spec.port)
    except ValueError as exc:
        raise SimConfigError(f"device {spec.id!r}: transport.port: {exc}") from None
    return vendor, product, serial or f"SIM-{spec.id}"


def _camera(spec: DeviceSpec) -> FakeUsbDevice:
    simulate, motion = _map(spec.model.get("simulate")), _map(spec.model.get("motion"))
    res = int(simulate.get("pan_tilt_res", 3600))
    rates = None
    if motion:
        rates = (float(motion["pan_units_per_s"]), float(motion["tilt_units_per_s"]), float(motion["zoom_units_per_s"]))
    return FakeUvcCamera(
        *_ids(spec),
        zoom=(*_range(spec, "zoom"), int(simulate.get("zoom_res", 1))),
        pan=(*_range(spec, "pan"), res),
        tilt=(*_range(spec, "tilt"), res),
        max_speed=_range(spec, "pan_speed")[1],
        rates=rates,
        terminal_id=int(_map(spec.model.get("options")).get("terminal_id", 1)),
        product=str(spec.model.get("model", "PTZ camera")),
        device_id=spec.id,
    )


_TAG = re.compile(r"^fu(\d+)(?:\.(\d+))?$")


def _audio(spec: DeviceSpec) -> FakeUsbDevice:
    res = round(float(_map(spec.model.get("simulate")).get("volume_res_db", 0.5)) * 256)
    points = {**_map(spec.model.get("points")), **_map(spec.options.get("points"))}
    units: dict[int, dict[int, UacChannel]] = {}
    for name, raw in points.items():
        point = _map(raw)
        match = _TAG.match(str(point.get("tag", "")))
        if match is None:
            raise SimConfigError(f"device {spec.id!r}: points.{name}.tag: expected fu<unit> or fu<unit>.<channel>")
        lo, hi = round(float(point.get("min_db", -60)) * 256), round(float(point.get("max_db", 0)) * 256)
        hi = lo + (hi - lo) // res * res
        channels = units.setdefault(int(match.group(1)), {})
        for number in {0, int(match.group(2) or 0)}:
            channels.setdefault(
                number, UacChannel(min=lo, max=hi, res=res, volume=hi if hi < 0 else lo + (0 - lo) // res * res)
            )
    return FakeUacDevice(*_ids(spec), units=units, product=str(spec.model.get("model", "USB audio")), device_id=spec.id)


def _light(spec: DeviceSpec) -> FakeUsbDevice:
    opts = _map(spec.model.get("options"))
    colors = {str(k): (int(v[0]), int(v[1]), int(v[2])) for k, v in _map(opts.get("colors")).items()}
    layout = LightLayout(
        report_id=opts.get("report_id"),
        report_length=int(opts.get("report_length", 8)),
        color_offset=int(opts.get("color_offset", 0)),
        blink_offset=opts.get("blink_offset"),
        colors=colors or dict(DEFAULT_COLORS),
    )
    return FakeHidLight(*_ids(spec), layout=layout, product=str(spec.model.get("model", "Light")), device_id=spec.id)


def _button(spec: DeviceSpec) -> FakeUsbDevice:
    opts, simulate = _map(spec.model.get("options")), _map(spec.model.get("simulate"))
    mask = int(opts.get("button_mask", 1))
    return FakeHidButton(
        *_ids(spec),
        report_length=int(opts.get("report_length", 8)),
        button_byte=int(opts.get("button_byte", 0)),
        button_value=int(simulate.get("button_value", mask)),
        product=str(spec.model.get("model", "Button")),
        device_id=spec.id,
    )


def _builder(
    make: Callable[[DeviceSpec], FakeUsbDevice],
) -> Callable[[Endpoint, list[DeviceSpec], int | None], BuiltLine]:
    def build(endpoint: Endpoint, specs: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
        devices = {spec.id: make(spec) for spec in specs}
        return BuiltLine(UsbLine(list(devices.values())), dict(devices))

    return build


def register() -> None:
    """Teach the simulator the USB families and the ``usb:`` endpoint."""
    register_endpoint("usb:", lambda port, _ctx: UsbEndpoint(port))
    register_family("usb.uvc", {"camera"}, _builder(_camera))
    register_family("usb.uac", {"audio_processor"}, _builder(_audio))
    register_family("usb.hid_light", {"indicator"}, _builder(_light))
    register_family("usb.hid_button", {"button"}, _builder(_button))
