"""A simulated UVC PTZ camera: camera-terminal pan/tilt/zoom controls, motion, and UVC request error codes."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from sim.usb.devices import (
    CLASS_IN,
    CLASS_OUT,
    GET_CUR,
    GET_DEF,
    GET_INFO,
    GET_LEN,
    GET_MAX,
    GET_MIN,
    GET_RES,
    SET_CUR,
    EndpointSpec,
    FakeUsbDevice,
    InterfaceSpec,
    Request,
    Stall,
)

ZOOM_ABS, ZOOM_REL, PT_ABS, PT_REL = 0x0B, 0x0C, 0x0D, 0x0E
ERROR_CODE_CONTROL = 0x02
UVC_OUT_OF_RANGE, UVC_INVALID_UNIT, UVC_INVALID_CONTROL, UVC_INVALID_REQUEST, UVC_INVALID_VALUE = 4, 5, 6, 7, 8
_UVC_LAYOUT = {ZOOM_ABS: "<H", ZOOM_REL: "<bBB", PT_ABS: "<ii", PT_REL: "<bBbB"}


@dataclass
class Axis:
    """One moving axis: range, step, where it is, where it goes and how fast (units per second at full speed)."""

    min: int
    max: int
    res: int
    rate: float | None  # None: moves at once
    pos: float = 0.0
    target: float = 0.0
    drive: float = 0.0  # units per second of a relative drive (signed)

    def advance(self, dt: float) -> None:
        if self.drive:
            self.pos = max(float(self.min), min(float(self.max), self.pos + self.drive * dt))
            self.target = self.pos
        elif self.rate is None:
            self.pos = self.target
        else:
            step = self.rate * dt
            delta = self.target - self.pos
            self.pos = self.target if abs(delta) <= step else self.pos + (step if delta > 0 else -step)

    @property
    def cur(self) -> int:
        return round(self.pos)


class FakeUvcCamera(FakeUsbDevice):
    """A UVC PTZ camera: camera terminal ``terminal_id`` on VideoControl interface 0, pan/tilt in arc-seconds."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        serial: str | None = None,
        *,
        zoom: tuple[int, int, int] = (100, 500, 1),
        pan: tuple[int, int, int] = (-612000, 612000, 3600),
        tilt: tuple[int, int, int] = (-108000, 108000, 3600),
        max_speed: int = 1,
        rates: tuple[float, float, float] | None = None,  # pan, tilt, zoom units per second; None: at once
        terminal_id: int = 1,
        clock: Callable[[], float] = time.monotonic,
        product: str = "PTZ camera",
        device_id: str = "",
    ) -> None:
        super().__init__(
            vendor_id,
            product_id,
            serial,
            product=product,
            interfaces=(
                InterfaceSpec(0, 0x0E, 1, endpoints=(EndpointSpec(0x87, 0x03, 16, 8),)),
                InterfaceSpec(1, 0x0E, 2),
            ),
            device_id=device_id,
        )
        pan_rate, tilt_rate, zoom_rate = rates if rates is not None else (None, None, None)
        self.zoom_axis = Axis(*zoom, rate=zoom_rate, pos=zoom[0], target=zoom[0])
        self.pan_axis = Axis(*pan, rate=pan_rate)
        self.tilt_axis = Axis(*tilt, rate=tilt_rate)
        self.max_speed = max_speed
        self.terminal_id = terminal_id
        self.error_code = 0
        self.clock = clock
        self._last = clock()

    # -- test API ------------------------------------------------------------------------------------------
    @property
    def pan(self) -> int:
        self._advance()
        return self.pan_axis.cur

    @property
    def tilt(self) -> int:
        self._advance()
        return self.tilt_axis.cur

    @property
    def zoom(self) -> int:
        self._advance()
        return self.zoom_axis.cur

    @property
    def moving(self) -> bool:
        self._advance()
        axes = (self.pan_axis, self.tilt_axis, self.zoom_axis)
        return any(a.drive or a.pos != a.target for a in axes)

    @property
    def power(self) -> bool:
        """A bus-powered camera is on while plugged in."""
        return True

    def set_position(self, *, pan: int | None = None, tilt: int | None = None, zoom: int | None = None) -> None:
        """Put the head somewhere at once (kept inside the ranges): scenario set-up, not a command."""
        with self.lock:
            for axis, value in ((self.pan_axis, pan), (self.tilt_axis, tilt), (self.zoom_axis, zoom)):
                if value is not None:
                    axis.pos = axis.target = float(max(axis.min, min(axis.max, value)))
                    axis.drive = 0.0

    @property
    def presets(self) -> dict[int, tuple[int, int, int]]:
        """None: a UVC camera stores no presets (the controller keeps them)."""
        return {}

    def settle(self) -> None:
        """Finish every absolute move at once."""
        with self.lock:
            for axis in (self.pan_axis, self.tilt_axis, self.zoom_axis):
                axis.pos = axis.target

    def _advance(self) -> None:
        with self.lock:
            now = self.clock()
            dt, self._last = now - self._last, now
            for axis in (self.pan_axis, self.tilt_axis, self.zoom_axis):
                axis.advance(dt)

    # -- requests ------------------------------------------------------------------------------------------
    def class_request(self, req: Request) -> bytes:
        self._advance()
        try:
            reply = self._request(req)
        except _UvcError as exc:
            self.error_code = exc.code
            raise Stall from None
        self.error_code = 0
        return reply

    def _request(self, req: Request) -> bytes:
        bm, b_request, w_value, w_index, data, length = (
            req.bm_request_type,
            req.b_request,
            req.w_value,
            req.w_index,
            req.data,
            req.length,
        )
        entity, interface, selector = w_index >> 8, w_index & 0xFF, w_value >> 8
        if interface != 0 or w_value & 0xFF:
            raise _UvcError(UVC_INVALID_REQUEST)
        if entity == 0:  # the VideoControl interface itself: only the request error code control
            if selector != ERROR_CODE_CONTROL or bm != CLASS_IN or b_request not in (GET_CUR, GET_INFO):
                raise _UvcError(UVC_INVALID_CONTROL)
            return bytes([self.error_code]) if b_request == GET_CUR else b"\x01"
        if entity != self.terminal_id:
            raise _UvcError(UVC_INVALID_UNIT)
        layout = _UVC_LAYOUT.get(selector)
        if layout is None:
            raise _UvcError(UVC_INVALID_CONTROL)
        size = struct.calcsize(layout)
        if b_request == GET_INFO:
            _expect(bm == CLASS_IN and length == 1, UVC_INVALID_REQUEST)
            return b"\x03"  # GET and SET supported
        if b_request == GET_LEN:
            _expect(bm == CLASS_IN and length == 2, UVC_INVALID_REQUEST)
            return struct.pack("<H", size)
        _expect(length == size, UVC_INVALID_REQUEST)
        if b_request == SET_CUR:
            _expect(bm == CLASS_OUT and len(data) == size, UVC_INVALID_REQUEST)
            self._set(selector, struct.unpack(layout, data))
            return b""
        _expect(bm == CLASS_IN, UVC_INVALID_REQUEST)
        values = self._get(selector, b_request)
        return struct.pack(layout, *values)

    def _get(self, selector: int, b_request: int) -> tuple[int, ...]:
        z, p, t = self.zoom_axis, self.pan_axis, self.tilt_axis
        relative_speed = {GET_MIN: 1, GET_MAX: self.max_speed, GET_RES: 1, GET_DEF: 1, GET_CUR: 0}
        table: dict[int, dict[int, tuple[int, ...]]] = {
            ZOOM_ABS: {GET_CUR: (z.cur,), GET_MIN: (z.min,), GET_MAX: (z.max,), GET_RES: (z.res,), GET_DEF: (z.min,)},
            PT_ABS: {
                GET_CUR: (p.cur, t.cur),
                GET_MIN: (p.min, t.min),
                GET_MAX: (p.max, t.max),
                GET_RES: (p.res, t.res),
                GET_DEF: (0, 0),
            },
            ZOOM_REL: {r: (0, 0, s) for r, s in relative_speed.items()},
            PT_REL: {r: (0, s, 0, s) for r, s in relative_speed.items()},
        }
        if b_request not in table[selector]:
            raise _UvcError(UVC_INVALID_REQUEST)
        return table[selector][b_request]

    def _set(self, selector: int, values: tuple[int, ...]) -> None:
        z, p, t = self.zoom_axis, self.pan_axis, self.tilt_axis
        if selector == ZOOM_ABS:
            _in_axis(values[0], z)
            z.target, z.drive = float(values[0]), 0.0
        elif selector == PT_ABS:
            _in_axis(values[0], p)
            _in_axis(values[1], t)
            p.target, t.target, p.drive, t.drive = float(values[0]), float(values[1]), 0.0, 0.0
        elif selector == ZOOM_REL:
            direction, _digital, speed = values
            z.drive = self._drive_rate(direction, speed, z)
        else:
            pan_dir, pan_speed, tilt_dir, tilt_speed = values
            p.drive = self._drive_rate(pan_dir, pan_speed, p)
            t.drive = self._drive_rate(tilt_dir, tilt_speed, t)

    def _drive_rate(self, direction: int, speed: int, axis: Axis) -> float:
        _expect(direction in (-1, 0, 1), UVC_INVALID_VALUE)
        if direction == 0:
            return 0.0
        _expect(1 <= speed <= self.max_speed, UVC_OUT_OF_RANGE)
        full = axis.rate if axis.rate is not None else (axis.max - axis.min) / 4  # end to end in 4 s
        return direction * full * speed / self.max_speed


class _UvcError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _expect(ok: bool, code: int) -> None:
    if not ok:
        raise _UvcError(code)


def _in_axis(value: int, axis: Axis) -> None:
    _expect(axis.min <= value <= axis.max, UVC_OUT_OF_RANGE)  # GET_RES is a hint: any value in range is taken
