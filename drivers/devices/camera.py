"""The Camera device class: typed PTZ operations and a state snapshot, whatever the wire protocol.

Subclasses (VISCA, VISCA over IP, Pelco, UVC) implement the underscored primitives; the public operations here
validate every argument against the model's profile first, so nothing out of range reaches the wire.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from drivers.devices.base import ActionParams, ActionSpec, Device, NoParams
from drivers.errors import InvalidArgument
from drivers.profiles import Range

ZoomDirection = Literal["tele", "wide", "stop"]
PanDirection = Literal["left", "right", "stop"]
TiltDirection = Literal["up", "down", "stop"]


class PowerParams(ActionParams):
    on: bool


class ZoomParams(ActionParams):
    direction: ZoomDirection
    speed: int | None = None


class ZoomToParams(ActionParams):
    position: int


class DriveParams(ActionParams):
    pan: PanDirection = "stop"
    tilt: TiltDirection = "stop"
    pan_speed: int | None = None
    tilt_speed: int | None = None


class MoveParams(ActionParams):
    pan: int
    tilt: int
    pan_speed: int | None = None
    tilt_speed: int | None = None


class PresetParams(ActionParams):
    preset: int


@dataclass
class CameraState:
    """What the camera last reported; None until known."""

    power: bool | None = None
    zoom: int | None = None
    pan: int | None = None
    tilt: int | None = None
    moving: bool = False
    preset: int | None = None  # last preset recalled through this controller


class Camera(Device):
    """A PTZ camera: power, zoom, pan/tilt, presets."""

    kind: ClassVar[str] = "camera"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "power": ActionSpec(PowerParams, "power", "power on (true) or standby (false)"),
        "zoom": ActionSpec(ZoomParams, "zoom", "start zooming tele or wide (optional speed), or stop"),
        "zoom_to": ActionSpec(ZoomToParams, "zoom_direct", "zoom to an absolute position", coalesce=True),
        "pan_tilt": ActionSpec(DriveParams, "pan_tilt", "drive pan/tilt in a direction until stopped"),
        "pan_tilt_to": ActionSpec(
            MoveParams, "pan_tilt_absolute", "move to an absolute pan/tilt position", coalesce=True
        ),
        "pan_tilt_by": ActionSpec(MoveParams, "pan_tilt_relative", "move by a relative pan/tilt amount"),
        "home": ActionSpec(NoParams, "home", "return to the home position"),
        "preset_recall": ActionSpec(PresetParams, "presets", "move to a stored preset", coalesce=True),
        "preset_set": ActionSpec(PresetParams, "presets", "store the present position as a preset"),
        "preset_reset": ActionSpec(PresetParams, "presets", "clear a stored preset"),
        "refresh": ActionSpec(NoParams, None, "read the state from the camera now"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = CameraState()

    def snapshot(self) -> dict[str, Any]:
        return dict(vars(self.state))  # flat scalars: a shallow copy is a full copy (asdict deep-copies, slowly)

    @property
    def preset_count(self) -> int:
        """Presets the model (or, once identified, its firmware) offers: numbers 0 .. count-1."""
        return self.profile.model.preset_count

    # -- range checks ----------------------------------------------------------------------------------------
    def check_ranges(self, action: str, params: ActionParams) -> None:
        ranges = self.profile.model.camera_ranges
        if isinstance(params, PresetParams):
            _check("preset", params.preset, Range(min=0, max=self.preset_count - 1))
        elif isinstance(params, ZoomToParams):
            _check("position", params.position, ranges.zoom)
        elif isinstance(params, ZoomParams):
            if params.speed is not None:
                _check("speed", params.speed, ranges.zoom_speed)
        elif isinstance(params, DriveParams | MoveParams):
            if params.pan_speed is not None:
                _check("pan_speed", params.pan_speed, ranges.pan_speed)
            if params.tilt_speed is not None:
                _check("tilt_speed", params.tilt_speed, ranges.tilt_speed)
            if isinstance(params, MoveParams):
                if action == "pan_tilt_to":
                    _check("pan", params.pan, ranges.pan)
                    _check("tilt", params.tilt, ranges.tilt)
                else:
                    span_pan = ranges.pan.max - ranges.pan.min
                    span_tilt = ranges.tilt.max - ranges.tilt.min
                    _check("pan", params.pan, Range(min=-span_pan, max=span_pan))
                    _check("tilt", params.tilt, Range(min=-span_tilt, max=span_tilt))

    # -- public typed operations -----------------------------------------------------------------------------
    async def power(self, on: bool) -> None:
        await self.execute("power", {"on": on})

    async def zoom(self, direction: ZoomDirection, speed: int | None = None) -> None:
        await self.execute("zoom", {"direction": direction, "speed": speed})

    async def zoom_to(self, position: int) -> None:
        await self.execute("zoom_to", {"position": position})

    async def pan_tilt(
        self,
        pan: PanDirection,
        tilt: TiltDirection,
        pan_speed: int | None = None,
        tilt_speed: int | None = None,
    ) -> None:
        await self.execute("pan_tilt", {"pan": pan, "tilt": tilt, "pan_speed": pan_speed, "tilt_speed": tilt_speed})

    async def pan_tilt_to(
        self, pan: int, tilt: int, pan_speed: int | None = None, tilt_speed: int | None = None
    ) -> None:
        await self.execute("pan_tilt_to", {"pan": pan, "tilt": tilt, "pan_speed": pan_speed, "tilt_speed": tilt_speed})

    async def pan_tilt_by(
        self, pan: int, tilt: int, pan_speed: int | None = None, tilt_speed: int | None = None
    ) -> None:
        await self.execute("pan_tilt_by", {"pan": pan, "tilt": tilt, "pan_speed": pan_speed, "tilt_speed": tilt_speed})

    async def home(self) -> None:
        await self.execute("home", {})

    async def recall_preset(self, preset: int) -> None:
        await self.execute("preset_recall", {"preset": preset})

    async def store_preset(self, preset: int) -> None:
        await self.execute("preset_set", {"preset": preset})

    async def reset_preset(self, preset: int) -> None:
        await self.execute("preset_reset", {"preset": preset})

    # -- dispatch from execute() to the protocol primitives --------------------------------------------------
    async def _do_power(self, p: PowerParams) -> None:
        await self._power(p.on)

    async def _do_zoom(self, p: ZoomParams) -> None:
        await self._zoom(p.direction, p.speed)

    async def _do_zoom_to(self, p: ZoomToParams) -> None:
        await self._zoom_to(p.position)

    async def _do_pan_tilt(self, p: DriveParams) -> None:
        await self._pan_tilt(p.pan, p.tilt, p.pan_speed, p.tilt_speed)

    async def _do_pan_tilt_to(self, p: MoveParams) -> None:
        await self._pan_tilt_to(p.pan, p.tilt, p.pan_speed, p.tilt_speed)

    async def _do_pan_tilt_by(self, p: MoveParams) -> None:
        await self._pan_tilt_by(p.pan, p.tilt, p.pan_speed, p.tilt_speed)

    async def _do_home(self, _: NoParams) -> None:
        await self._home()

    async def _do_preset_recall(self, p: PresetParams) -> None:
        await self._preset("recall", p.preset)

    async def _do_preset_set(self, p: PresetParams) -> None:
        await self._preset("set", p.preset)

    async def _do_preset_reset(self, p: PresetParams) -> None:
        await self._preset("reset", p.preset)

    # -- protocol primitives: arguments are already validated ------------------------------------------------
    @abstractmethod
    async def _power(self, on: bool) -> None: ...

    @abstractmethod
    async def _zoom(self, direction: ZoomDirection, speed: int | None) -> None: ...

    @abstractmethod
    async def _zoom_to(self, position: int) -> None: ...

    @abstractmethod
    async def _pan_tilt(
        self, pan: PanDirection, tilt: TiltDirection, pan_speed: int | None, tilt_speed: int | None
    ) -> None: ...

    @abstractmethod
    async def _pan_tilt_to(self, pan: int, tilt: int, pan_speed: int | None, tilt_speed: int | None) -> None: ...

    @abstractmethod
    async def _pan_tilt_by(self, pan: int, tilt: int, pan_speed: int | None, tilt_speed: int | None) -> None: ...

    @abstractmethod
    async def _home(self) -> None: ...

    @abstractmethod
    async def _preset(self, op: Literal["recall", "set", "reset"], preset: int) -> None: ...


def _check(name: str, value: int, allowed: Range) -> None:
    if value not in allowed:
        raise InvalidArgument(f"{name}: {value} is outside {allowed.min}..{allowed.max} for this model")
