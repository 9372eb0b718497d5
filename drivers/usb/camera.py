"""UvcCamera: the Camera device class spoken through UVC camera-terminal requests on endpoint 0.

At connect the camera's own ranges are read (GET_INFO, GET_MIN, GET_MAX, GET_RES) and replace the profile's for
range checks (a relative move is kept inside them). Pan and tilt are in arc-seconds, zoom in the camera's
focal-length units. Presets live in a JSON file the controller keeps; ``home`` is the centre (pan and tilt 0)
at the widest zoom. A UVC camera has no power control.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import LineUse
from drivers.devices.camera import Camera, PanDirection, TiltDirection, ZoomDirection
from drivers.errors import DeviceNak, InvalidArgument, Unsupported
from drivers.profiles import Profile, Range
from drivers.usb import uvc
from drivers.usb.control import GET_CUR, GET_INFO, GET_MAX, GET_MIN, GET_RES, Control, ControlRequest
from drivers.usb.link import UsbLink, claim
from drivers.usb.presets import Position, PresetStore

log = logging.getLogger(__name__)

PRESET_SUBDIR = "uvc-presets"
"""Where presets go under the room's state_dir when the device options name no folder."""


class UvcOptions(BaseModel):
    """Family and model settings of a UVC camera."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    terminal_id: int = Field(1, ge=1, le=255)  # bTerminalID of the camera terminal [U: read it with lsusb -v]
    vc_interface: int = Field(0, ge=0, le=255)  # the VideoControl interface number
    detach_kernel_driver: bool = False  # uvcvideo may keep streaming; class requests work beside it


class UvcDeviceOptions(BaseModel):
    """A room config's options for one UVC camera."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state_dir: Path | None = None  # the folder holding <device id>.json; default <room state_dir>/uvc-presets
    terminal_id: int | None = Field(None, ge=1, le=255)
    vc_interface: int | None = Field(None, ge=0, le=255)


_DIRECTION: dict[str, uvc.Direction] = {"tele": 1, "wide": -1, "right": 1, "left": -1, "up": 1, "down": -1}


class UvcCamera(Camera):
    """A USB PTZ camera (Logitech PTZ Pro 2 and the like) driven by UVC class requests."""

    def __init__(
        self,
        device_id: str,
        profile: Profile,
        link: UsbLink,
        terminal: uvc.Terminal,
        presets: PresetStore,
        *,
        detach_kernel_driver: bool = False,
    ) -> None:
        super().__init__(device_id, profile)
        self.link = link
        self.terminal = terminal
        self.presets = presets
        self.device_ranges: dict[str, uvc.AxisRange] = {}
        self.control_info: dict[str, int] = {}
        self._target: Position | None = None
        self._driving: set[str] = set()  # "zoom", "pan_tilt": relative drives running
        link.prepare = claim(terminal.interface, detach_kernel_driver)
        self._use = LineUse(device_id, link)

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Find the camera, claim its VideoControl interface, read its ranges, presets and position."""
        await self._use.connect(self._identify, self._read_now)

    async def _identify(self) -> None:
        await self.link.run(self.presets.load)
        await self._read_ranges()
        self.state.power = True  # a camera on the bus is powered: UVC has no standby

    async def _read_now(self) -> None:
        await self._read_position()
        self._heard()
        self._changed()

    async def poll(self) -> None:
        """Re-enumerate (an unplugged camera raises TransportLost), then read the position."""
        await self.link.check_present()
        await self._read_position()
        self._heard()
        self._changed()

    async def close(self) -> None:
        self._driving.clear()
        self._target = None
        await self._use.close()

    # -- requests --------------------------------------------------------------------------------------------
    async def _request(self, request: ControlRequest) -> bytes:
        """One control transfer; a STALL becomes a DeviceNak carrying the camera's request error code."""
        try:
            return await self.link.control(request)
        except DeviceNak as exc:
            code: int | None = None
            with contextlib.suppress(DeviceNak):  # a camera without the error-code control
                (code,) = uvc.REQUEST_ERROR_CODE.decode(await self.link.control(self.terminal.error_code()))
            reason = uvc.ERROR_CODES.get(code, "unknown") if code is not None else "no error code"
            raise DeviceNak(f"{self.device_id}: {exc} ({reason})", device_code=code) from None

    async def _get(self, control: Control, b_request: int = GET_CUR) -> tuple[int, ...]:
        return control.decode(await self._request(self.terminal.get(control, b_request)))

    async def _set(self, control: Control, *values: int) -> None:
        await self._request(self.terminal.set(control, *values))

    async def _read_ranges(self) -> None:
        """GET_INFO, then GET_MIN / GET_MAX / GET_RES of the absolute controls; the profile keeps the speeds."""
        self.device_ranges.clear()
        for control in (uvc.ZOOM_ABSOLUTE, uvc.PANTILT_ABSOLUTE, uvc.ZOOM_RELATIVE, uvc.PANTILT_RELATIVE):
            try:
                (info,) = await self._request(self.terminal.get(control, GET_INFO))
            except DeviceNak:
                info = 0  # the camera lacks this control
            self.control_info[control.name] = info
        if not any(self.control_info.values()):
            raise DeviceNak(
                f"{self.device_id}: no pan, tilt or zoom control on camera terminal {self.terminal.terminal_id} "
                f"(interface {self.terminal.interface}): check options terminal_id / vc_interface"
            )
        if self.control_info[uvc.ZOOM_ABSOLUTE.name] & uvc.INFO_GET:
            lo, hi, res = [(await self._get(uvc.ZOOM_ABSOLUTE, r))[0] for r in (GET_MIN, GET_MAX, GET_RES)]
            self.device_ranges["zoom"] = uvc.AxisRange(lo, hi, res)
        if self.control_info[uvc.PANTILT_ABSOLUTE.name] & uvc.INFO_GET:
            lo_pt, hi_pt, res_pt = [await self._get(uvc.PANTILT_ABSOLUTE, r) for r in (GET_MIN, GET_MAX, GET_RES)]
            self.device_ranges["pan"] = uvc.AxisRange(lo_pt[0], hi_pt[0], res_pt[0])
            self.device_ranges["tilt"] = uvc.AxisRange(lo_pt[1], hi_pt[1], res_pt[1])
        self.info.extra["ranges"] = {k: [r.min, r.max, r.res] for k, r in self.device_ranges.items()}
        ranges = self.profile.model.camera_ranges
        update = {k: Range(min=r.min, max=r.max) for k, r in self.device_ranges.items() if r.min <= r.max}
        if update:  # the camera's own ranges replace the profile's for every later range check
            model = self.profile.model.model_copy(update={"ranges": ranges.model_copy(update=update)})
            self.profile = self.profile.model_copy(update={"model": model})

    async def _read_position(self) -> None:
        if "zoom" in self.device_ranges:
            (self.state.zoom,) = await self._get(uvc.ZOOM_ABSOLUTE)
        if "pan" in self.device_ranges:
            self.state.pan, self.state.tilt = await self._get(uvc.PANTILT_ABSOLUTE)
        target = self._target
        if target is not None and all(
            want is None or want == have
            for want, have in (
                (target.pan, self.state.pan),
                (target.tilt, self.state.tilt),
                (target.zoom, self.state.zoom),
            )
        ):
            self._target = None
        self.state.moving = bool(self._driving) or self._target is not None

    def _need(self, control: Control) -> None:
        if not self.control_info.get(control.name, 0) & uvc.INFO_SET:
            raise Unsupported(f"{self.device_id}: the camera does not accept {control.name}")

    def _range(self, axis: str) -> uvc.AxisRange:
        try:
            return self.device_ranges[axis]
        except KeyError:
            raise Unsupported(f"{self.device_id}: the camera reports no {axis} range") from None

    # -- primitives ------------------------------------------------------------------------------------------
    async def _power(self, on: bool) -> None:
        raise Unsupported(f"{self.device_id}: a UVC camera has no power control")

    async def _zoom(self, direction: ZoomDirection, speed: int | None) -> None:
        self._need(uvc.ZOOM_RELATIVE)
        step = _DIRECTION.get(direction, 0)
        await self._set(uvc.ZOOM_RELATIVE, *uvc.zoom_relative(step, speed or self._speed("zoom_speed")))
        await self._after_drive("zoom", step != 0)

    async def _zoom_to(self, position: int) -> None:
        self._need(uvc.ZOOM_ABSOLUTE)
        self._range("zoom")
        await self._move(Position(None, None, position))

    async def _pan_tilt(
        self, pan: PanDirection, tilt: TiltDirection, pan_speed: int | None, tilt_speed: int | None
    ) -> None:
        self._need(uvc.PANTILT_RELATIVE)
        pan_step, tilt_step = _DIRECTION.get(pan, 0), _DIRECTION.get(tilt, 0)
        values = uvc.pantilt_relative(
            pan_step, pan_speed or self._speed("pan_speed"), tilt_step, tilt_speed or self._speed("tilt_speed")
        )
        await self._set(uvc.PANTILT_RELATIVE, *values)
        await self._after_drive("pan_tilt", pan_step != 0 or tilt_step != 0)

    async def _pan_tilt_to(self, pan: int, tilt: int, pan_speed: int | None, tilt_speed: int | None) -> None:
        self._need(uvc.PANTILT_ABSOLUTE)
        self._range("pan")
        await self._move(Position(pan, tilt, None))

    async def _pan_tilt_by(self, pan: int, tilt: int, pan_speed: int | None, tilt_speed: int | None) -> None:
        """UVC has no move-by: read where the camera is and move to there plus the amount (kept in range)."""
        self._need(uvc.PANTILT_ABSOLUTE)
        now_pan, now_tilt = await self._get(uvc.PANTILT_ABSOLUTE)
        await self._move(
            Position(self._range("pan").clamp(now_pan + pan), self._range("tilt").clamp(now_tilt + tilt), None)
        )

    async def _home(self) -> None:
        pan = self.device_ranges.get("pan")
        tilt = self.device_ranges.get("tilt")
        zoom = self.device_ranges.get("zoom")
        await self._move(
            Position(
                pan.centre if pan else None,
                tilt.centre if tilt else None,
                zoom.min if zoom and self.control_info[uvc.ZOOM_ABSOLUTE.name] & uvc.INFO_SET else None,
            )
        )

    async def _preset(self, op: Literal["recall", "set", "reset"], preset: int) -> None:
        if op == "reset":
            await self.link.run(self.presets.remove, preset)
            if self.state.preset == preset:
                self.state.preset = None
            return
        if op == "set":
            await self._read_position()
            where = Position(self.state.pan, self.state.tilt, self.state.zoom)
            await self.link.run(self.presets.store, preset, where)
            return
        stored = self.presets.presets.get(preset)
        if stored is None:
            raise InvalidArgument(f"preset: {preset} is not stored for {self.device_id}")
        await self._move(
            Position(
                self._range("pan").clamp(stored.pan) if stored.pan is not None else None,
                self._range("tilt").clamp(stored.tilt) if stored.tilt is not None else None,
                self._range("zoom").clamp(stored.zoom) if stored.zoom is not None else None,
            )
        )
        self.state.preset = preset

    # -- helpers ---------------------------------------------------------------------------------------------
    def _speed(self, name: Literal["pan_speed", "tilt_speed", "zoom_speed"]) -> int:
        """The default speed of a drive: the slowest the profile allows (but at least 1)."""
        allowed: Range = getattr(self.profile.model.camera_ranges, name)
        return max(1, allowed.min)

    async def _move(self, target: Position) -> None:
        """Absolute moves: pan/tilt together (one request), then zoom; the camera drives there by itself."""
        if target.pan is not None and target.tilt is not None:
            self._need(uvc.PANTILT_ABSOLUTE)
            await self._set(uvc.PANTILT_ABSOLUTE, target.pan, target.tilt)
        if target.zoom is not None:
            self._need(uvc.ZOOM_ABSOLUTE)
            await self._set(uvc.ZOOM_ABSOLUTE, target.zoom)
        self._driving.clear()
        self._target = target
        self.state.preset = None
        await self._read_position()
        self._heard()

    async def _after_drive(self, axis: str, driving: bool) -> None:
        if driving:
            self._driving.add(axis)
        else:
            self._driving.discard(axis)
        self._target = None
        self.state.preset = None
        await self._read_position()
        self._heard()
