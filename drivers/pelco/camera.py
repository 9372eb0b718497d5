"""PelcoCamera: the Camera device class spoken in Pelco-D or Pelco-P over a shared PelcoLine.

Pelco sends no acknowledgement, so a command is done once it is on the wire. A model "answers position
queries" when its profile lists ``pan_tilt_absolute`` (pan/tilt queries 51/53) or ``zoom_direct`` (zoom query
55): those extended commands come together on Pelco-D domes. For such a model ``connect()`` checks that the
dome is alive with a position query and ``poll()`` reads the position; other models are written to blindly.

Pan, tilt and zoom drives share one standard command ("a move lasts until the next command"), so the camera
keeps the running drive of each and sends them together: starting a zoom does not stop a pan.
Preset ``n`` of the Camera API (0-based) is preset ``n + 1`` on the wire, Pelco presets starting at 1.
"""

from __future__ import annotations

import logging
from typing import Literal

from drivers.devices.base import LineUse
from drivers.devices.camera import Camera, PanDirection, TiltDirection, ZoomDirection
from drivers.errors import ConfigError, Unsupported
from drivers.pelco import codec
from drivers.pelco.codec import Variant
from drivers.pelco.line import PelcoLine
from drivers.profiles import Profile

log = logging.getLogger(__name__)

FAMILY_VARIANT: dict[str, Variant] = {"pelco.d": "D", "pelco.p": "P"}
_OPS: dict[str, codec.PresetOp] = {"recall": "recall", "set": "set", "reset": "clear"}


class PelcoCamera(Camera):
    """A Pelco-D or Pelco-P dome at ``address`` on ``line`` (D: 1-254; P: 0-31, where 0 is camera 1).

    ``connect()`` raises TransportLost or DeviceTimeout (a query-answering model that is silent); operations
    also raise DeviceOffline before ``connect()`` succeeded or after ``close()``.
    """

    def __init__(self, device_id: str, profile: Profile, line: PelcoLine, address: int) -> None:
        super().__init__(device_id, profile)
        variant = FAMILY_VARIANT.get(profile.model.protocol)
        if variant is None or variant != line.variant:
            raise ConfigError(
                f"{device_id}: profile family '{profile.model.protocol}' does not match a Pelco-{line.variant} line"
            )
        allowed = codec.ADDRESSES[variant]
        if not isinstance(address, int) or isinstance(address, bool) or address not in allowed:
            raise ConfigError(f"{device_id}: address: {address!r} is outside {allowed.start}..{allowed.stop - 1}")
        self.variant: Variant = variant
        self.line = line
        self.address = address
        self._use = LineUse(device_id, line)
        self._pan: PanDirection = "stop"
        self._tilt: TiltDirection = "stop"
        self._zoom_dir: ZoomDirection = "stop"
        self._speeds = (0, 0)

    @property
    def answers_pan_tilt(self) -> bool:
        """True when the model answers pan/tilt position queries (it lists ``pan_tilt_absolute``)."""
        return self.variant == "D" and "pan_tilt_absolute" in self.info.capabilities

    @property
    def answers_zoom(self) -> bool:
        """True when the model answers zoom position queries (it lists ``zoom_direct``)."""
        return self.variant == "D" and "zoom_direct" in self.info.capabilities

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the line and, for a model that answers queries, read its position as the liveness check."""
        await self._use.connect(self._identify, self.poll)

    async def _identify(self) -> None:
        # Pelco has no version inquiry: the profile's one firmware entry applies.
        self.info.firmware_label = self.profile.model.firmware[0].label or None

    async def close(self) -> None:
        """Stop using the line (it closes with its last dome); never raises."""
        await self._use.close()

    async def poll(self) -> None:
        """Read zoom and pan/tilt where the model answers; without queries there is nothing to read."""
        self._require_connected()
        before = self.snapshot()
        if self.answers_zoom:
            self.state.zoom = await self._query("zoom")
        if self.answers_pan_tilt:
            self.state.pan = await self._query("pan")
            self.state.tilt = await self._query("tilt")
        self._publish(before)

    # -- helpers ---------------------------------------------------------------------------------------------
    def _require_connected(self) -> None:
        self._use.require()

    def _publish(self, before: dict[str, object]) -> None:
        if self.snapshot() != before:
            self._changed()

    async def _query(self, axis: codec.Axis) -> int:
        timeout = self.profile.protocol.timing.inquiry_timeout_ms / 1000
        value = await self.line.query(self.address, axis, timeout_s=timeout)
        self._heard()
        return value

    async def _send(self, frame: bytes) -> None:
        self._require_connected()
        await self.line.command(self.address, frame)

    async def _send_drive(self) -> None:
        pan_speed, tilt_speed = self._speeds
        frame = codec.drive(
            self.variant,
            self.address,
            self._pan,
            self._tilt,
            self._zoom_dir,
            pan_speed=pan_speed,
            tilt_speed=tilt_speed,
        )
        await self._send(frame)
        before = self.snapshot()
        self.state.moving = (self._pan, self._tilt, self._zoom_dir) != ("stop", "stop", "stop")
        self._publish(before)

    # -- Camera primitives -----------------------------------------------------------------------------------
    async def _power(self, on: bool) -> None:
        await self._send(codec.power(self.variant, self.address, on))
        self._pan, self._tilt, self._zoom_dir = "stop", "stop", "stop"  # a power command ends every drive
        before = self.snapshot()
        self.state.power = on
        self.state.moving = False
        self._publish(before)

    async def _zoom(self, direction: ZoomDirection, speed: int | None) -> None:
        if speed is not None and direction != "stop":
            await self._send(codec.zoom_speed(self.variant, self.address, speed))
        self._zoom_dir = direction
        await self._send_drive()

    async def _zoom_to(self, position: int) -> None:
        await self._send(codec.set_position(self.address, "zoom", position))

    async def _pan_tilt(
        self, pan: PanDirection, tilt: TiltDirection, pan_speed: int | None, tilt_speed: int | None
    ) -> None:
        ranges = self.profile.model.camera_ranges
        self._pan, self._tilt = pan, tilt
        self._speeds = (
            pan_speed if pan_speed is not None else ranges.pan_speed.max,
            tilt_speed if tilt_speed is not None else ranges.tilt_speed.max,
        )
        await self._send_drive()

    async def _pan_tilt_to(self, pan: int, tilt: int, pan_speed: int | None, tilt_speed: int | None) -> None:
        # 4B / 4D carry no speed: the dome moves at its own positioning speed
        await self._send(codec.set_position(self.address, "pan", pan))
        await self._send(codec.set_position(self.address, "tilt", tilt))

    async def _pan_tilt_by(self, pan: int, tilt: int, pan_speed: int | None, tilt_speed: int | None) -> None:
        raise Unsupported(f"{self.info.model}: Pelco has no relative move")

    async def _home(self) -> None:
        await self._pan_tilt_to(0, 0, None, None)

    async def _preset(self, op: Literal["recall", "set", "reset"], preset: int) -> None:
        await self._send(codec.preset(self.variant, self.address, _OPS[op], preset + 1))
        if op == "recall":
            before = self.snapshot()
            self.state.preset = preset
            self._publish(before)
