"""ViscaCamera: the Camera device class spoken in VISCA over a shared ViscaLine.

It identifies the camera with a version inquiry, picks the firmware entry of its profile by ROM version and
applies that entry's quirks and preset count, then turns each Camera primitive into one VISCA command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Literal, Protocol

from drivers.devices.base import Attachable, LineUse
from drivers.devices.camera import Camera, PanDirection, TiltDirection, ZoomDirection
from drivers.errors import ConfigError, CourtroomError
from drivers.profiles import FirmwareEntry, Profile, Quirks
from drivers.visca import codec

log = logging.getLogger(__name__)

_ZOOM_CAPS = {"zoom", "zoom_direct"}
_PAN_TILT_CAPS = {"pan_tilt", "pan_tilt_absolute", "pan_tilt_relative", "home"}


class ViscaLink(Attachable, Protocol):
    """What ViscaCamera needs of its line: what LineUse needs (users, opening), commands and inquiries, a name
    for messages. ViscaLine (serial, raw TCP) and ViscaIpLink (UDP) both are one."""

    @property
    def name(self) -> str:
        """The port or URL, for messages."""
        ...

    async def command(
        self,
        address: int,
        frame: bytes,
        *,
        wait_completion: bool = True,
        ack_timeout_s: float | None = None,
        completion_timeout_s: float | None = None,
    ) -> None:
        """Send a command and wait for its ACK (and Completion)."""

    async def inquire(self, address: int, frame: bytes, *, timeout_s: float | None = None) -> bytes:
        """Send an inquiry and return the answer's data bytes."""
        ...


class ViscaCamera(Camera):
    """A VISCA PTZ camera at ``address`` (1-7) on ``line``, which it may share with up to six others.

    ``connect()`` raises TransportLost, DeviceTimeout, DeviceNak or DecodeError; operations also raise
    DeviceOffline before ``connect()`` succeeded or after ``close()``.
    """

    def __init__(self, device_id: str, profile: Profile, line: ViscaLink, address: int) -> None:
        super().__init__(device_id, profile)
        if not isinstance(address, int) or isinstance(address, bool) or not 1 <= address <= 7:
            raise ConfigError(f"{device_id}: address: {address!r} is outside 1..7")
        self.line = line
        self.address = address
        self.firmware_entry: FirmwareEntry | None = None
        self._use = LineUse(device_id, line)
        self._pt_driving = False
        self._zoom_driving = False
        self._refresh: asyncio.Task[None] | None = None
        self._inquiries: dict[Callable[[int], bytes], bytes] = {}  # each inquiry's frame, made once (polls reuse)

    @property
    def preset_count(self) -> int:
        """The firmware entry's preset count once identified, else the model's."""
        entry = self.firmware_entry
        if entry is not None and entry.presets is not None:
            return entry.presets
        return self.profile.model.preset_count

    @property
    def quirks(self) -> Quirks:
        """The identified firmware's quirks; none before identification."""
        return self.firmware_entry.quirks if self.firmware_entry is not None else Quirks()

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the line, identify the camera, choose its firmware entry, then read its state."""
        await self._use.connect(self._identify, self.poll)

    async def close(self) -> None:
        """Stop using the line (it closes with its last camera); never raises."""
        if self._refresh is not None:
            self._refresh.cancel()
            await asyncio.gather(self._refresh, return_exceptions=True)
            self._refresh = None
        await self._use.close()

    async def _identify(self) -> None:
        version = codec.parse_version(await self._inquire(codec.inquire_version))
        model = self.profile.model
        extra = self.info.extra
        extra.update(
            vendor_id=f"0x{version.vendor:04X}",
            model_id=f"0x{version.model:04X}",
            max_sockets=version.max_sockets,
        )
        extra.pop("identity_mismatch", None)
        identity = model.identity
        if identity is not None and (identity.vendor_id, identity.model_id) != (version.vendor, version.model):
            message = (
                f"answers vendor 0x{version.vendor:04X} model 0x{version.model:04X}, but profile {model.ref} "
                f"expects vendor 0x{identity.vendor_id:04X} model 0x{identity.model_id:04X}"
            )
            log.warning("%s (camera %d on %s) %s", self.device_id, self.address, self.line.name, message)
            extra["identity_mismatch"] = message
        entry = model.firmware_for(version.rom)
        self.firmware_entry = entry
        self.info.firmware = f"0x{version.rom:04X}"
        self.info.firmware_label = entry.label or None
        log.info("%s: ROM %s, firmware entry '%s'", self.device_id, self.info.firmware, entry.label)

    async def poll(self) -> None:
        """Read power and, when on, zoom and pan/tilt; listeners hear of it when the snapshot changed."""
        self._require_connected()
        before = self.snapshot()
        self.state.power = codec.parse_power(await self._inquire(codec.inquire_power))
        if self.state.power:
            await self._read_position()
        self._publish(before)

    # -- helpers ---------------------------------------------------------------------------------------------
    def _require_connected(self) -> None:
        self._use.require()

    def _publish(self, before: dict[str, object]) -> None:
        if self.snapshot() != before:
            self._changed()

    async def _inquire(self, encode: Callable[[int], bytes]) -> bytes:
        timeout = self.profile.protocol.timing.inquiry_timeout_ms / 1000
        frame = self._inquiries.get(encode)
        if frame is None:
            frame = self._inquiries[encode] = encode(self.address)
        answer = await self.line.inquire(self.address, frame, timeout_s=timeout)
        self._heard()
        return answer

    async def _command(self, frame: bytes, *, wait_completion: bool = True) -> None:
        self._require_connected()
        timing, quirks = self.profile.protocol.timing, self.quirks
        ack_ms = quirks.ack_timeout_ms if quirks.ack_timeout_ms is not None else timing.ack_timeout_ms
        done_ms = (
            quirks.completion_timeout_ms if quirks.completion_timeout_ms is not None else timing.completion_timeout_ms
        )
        await self.line.command(
            self.address,
            frame,
            wait_completion=wait_completion,
            ack_timeout_s=ack_ms / 1000,
            completion_timeout_s=done_ms / 1000,
        )
        self._heard()

    async def _read_position(self) -> None:
        caps = set(self.info.capabilities)
        if caps & _ZOOM_CAPS:
            self.state.zoom = codec.parse_zoom(await self._inquire(codec.inquire_zoom))
        if caps & _PAN_TILT_CAPS:
            self.state.pan, self.state.tilt = codec.parse_pan_tilt(await self._inquire(codec.inquire_pan_tilt))

    async def _move(self, frame: bytes, *, wait_completion: bool = True) -> None:
        """Run a move that ends with a Completion: ``moving`` while it runs, then refresh the position."""
        self._require_connected()
        before = self.snapshot()
        self.state.moving = True
        self._publish(before)
        before = self.snapshot()
        try:
            await self._command(frame, wait_completion=wait_completion)
        finally:
            self.state.moving = self._pt_driving or self._zoom_driving
            self._publish(before)
        self._refresh_soon()

    def _refresh_soon(self) -> None:
        """Re-read the position in the background, so a move's reply need not wait for two more inquiries.

        The retained state follows a few milliseconds after the reply; refreshes requested while one is
        pending are folded into it.
        """
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._refresh_position(), name=f"refresh:{self.device_id}")

    async def settle(self) -> None:
        """Wait until the position re-read after the last move is in ``state`` (for scripts and tests)."""
        if self._refresh is not None:
            await asyncio.gather(self._refresh, return_exceptions=True)

    async def _refresh_position(self) -> None:
        await asyncio.sleep(0)  # let the move's reply go out first
        before = self.snapshot()
        try:
            await self._read_position()
        except CourtroomError as exc:  # the next poll decides whether the camera is gone
            log.info("%s: position refresh after a move failed: %s", self.device_id, exc)
        self._publish(before)

    async def _drive(self, frame: bytes, *, pan_tilt: bool | None = None, zoom: bool | None = None) -> None:
        """Start or stop a continuous drive; it returns at the ACK so a stop can follow at once."""
        await self._command(frame, wait_completion=False)
        before = self.snapshot()
        if pan_tilt is not None:
            self._pt_driving = pan_tilt
        if zoom is not None:
            self._zoom_driving = zoom
        self.state.moving = self._pt_driving or self._zoom_driving
        if not self.state.moving:
            await self._read_position()
        self._publish(before)

    def _speeds(self, pan_speed: int | None, tilt_speed: int | None) -> tuple[int, int]:
        ranges = self.profile.model.camera_ranges
        return (
            pan_speed if pan_speed is not None else ranges.pan_speed.max,
            tilt_speed if tilt_speed is not None else ranges.tilt_speed.max,
        )

    # -- Camera primitives -----------------------------------------------------------------------------------
    async def _power(self, on: bool) -> None:
        await self._command(codec.power(self.address, on))
        before = self.snapshot()
        self.state.power = on
        if on:
            await self._read_position()
        self._publish(before)

    async def _zoom(self, direction: ZoomDirection, speed: int | None) -> None:
        await self._drive(codec.zoom(self.address, direction, speed), zoom=direction != "stop")

    async def _zoom_to(self, position: int) -> None:
        await self._move(codec.zoom_direct(self.address, position))

    async def _pan_tilt(
        self, pan: PanDirection, tilt: TiltDirection, pan_speed: int | None, tilt_speed: int | None
    ) -> None:
        frame = codec.pan_tilt_drive(self.address, pan, tilt, *self._speeds(pan_speed, tilt_speed))
        await self._drive(frame, pan_tilt=pan != "stop" or tilt != "stop")

    async def _pan_tilt_to(self, pan: int, tilt: int, pan_speed: int | None, tilt_speed: int | None) -> None:
        speeds = self._speeds(pan_speed, tilt_speed)
        await self._move(codec.pan_tilt_absolute(self.address, pan, tilt, *speeds))

    async def _pan_tilt_by(self, pan: int, tilt: int, pan_speed: int | None, tilt_speed: int | None) -> None:
        speeds = self._speeds(pan_speed, tilt_speed)
        await self._move(codec.pan_tilt_relative(self.address, pan, tilt, *speeds))

    async def _home(self) -> None:
        await self._move(codec.pan_tilt_home(self.address))

    async def _preset(self, op: Literal["recall", "set", "reset"], preset: int) -> None:
        frame = codec.preset(self.address, op, preset)
        if op != "recall":
            await self._command(frame)
            return
        await self._move(frame, wait_completion=not self.quirks.preset_recall_no_completion)
        before = self.snapshot()
        self.state.preset = preset
        self._publish(before)
