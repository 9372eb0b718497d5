"""Dcs6000MicSystem: a DIS / Shure DCS 6000 central unit spoken to in its binary RS-232 protocol.

Every (re)open of the line enters microphone control mode (``m ID c m``, the link's handshake). The state is
read with MICROPHONE_CONTROL_REQUEST_SYSTEM_STATUS (group 18 item 20): the CU answers with one IN_SPEAK
(group 23 item 8) per active microphone and one IN_REQUEST (item 7) per queued request; the answer is taken as
complete at the ``status_end_item`` (item 14, MAX_REQUESTS) [U]. That query is both the liveness check of
``poll()`` and the catch-up after a reconnect. A CU reset frame (``r``) re-enters the mode and re-reads the
status. Seats are microphone addresses. Only ``c`` frames to our controller address or the groups 4000 / 4013
are heeded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drivers.dcs6000 import codec
from drivers.dcs6000.codec import Control, Escaping, Job, Message, Mode, Reset
from drivers.devices.base import LineUse
from drivers.devices.mic import MicSystem
from drivers.errors import CourtroomError, DeviceTimeout, TransportLost
from drivers.profiles import Profile
from drivers.transports.link import FramedLink, fail

log = logging.getLogger(__name__)

MIC_ON, MIC_OFF, REQUEST_ON, REQUEST_OFF = 9, 10, 11, 12
IN_REQUEST, IN_SPEAK = 7, 8


class Dcs6000Options(BaseModel):
    """Family options (protocol, model, firmware entry, then the room config's device options)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    controller_address: int = 3900
    escape: bool = False  # body escaping of protocols.md 3.3, not read [U]
    escape_byte: int = Field(0xFE, ge=0, le=255)
    escape_xor: int = Field(0x20, ge=0, le=255)
    mic_on_item: int = Field(14, ge=0, le=255)
    mic_off_item: int = Field(15, ge=0, le=255)  # manual summary table; not in protocols.md [U]
    status_item: int | None = Field(20, ge=0, le=255)  # REQUEST_SYSTEM_STATUS; None: no status query [U]
    status_end_item: int = Field(14, ge=0, le=255)  # the item that closes a status answer [U]
    all_off_items: list[int] = Field(default_factory=lambda: [1, 2])  # DELEGATE_OFF activate, deactivate [U]

    @field_validator("controller_address")
    @classmethod
    def _controller(cls, value: int) -> int:
        if not any(value in span for span in codec.CONTROLLER_ADDRESSES):
            raise ValueError(f"{value} is not a controller address (3900..3999 or 4040..4049)")
        return value

    @property
    def escaping(self) -> Escaping | None:
        return Escaping(self.escape_byte, self.escape_xor) if self.escape else None


@dataclass
class _Status:
    """A status answer being collected (live on/off events during it count too)."""

    active: set[int] = field(default_factory=set)
    requests: set[int] = field(default_factory=set)
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Dcs6000MicSystem(MicSystem):
    """One DCS 6000 CU on its own RS-232 line (``link``), as controller ``options.controller_address``."""

    def __init__(self, device_id: str, profile: Profile, link: FramedLink[Message], options: Dcs6000Options) -> None:
        super().__init__(device_id, profile)
        self.link = link
        self.options = options
        self.address = options.controller_address
        self.resets = 0  # CU reset frames seen
        self._ident = 0
        self._status: _Status | None = None
        self._use = LineUse(device_id, link)
        self._resync: asyncio.Task[None] | None = None
        link.handshake = self._enter_mode
        link.add_listener(self._on_message)
        link.add_lost_listener(self._on_lost)

    # -- wire helpers ----------------------------------------------------------------------------------------
    def _next_ident(self) -> int:
        ident, self._ident = self._ident, (self._ident + 1) % (codec.MAX_ID + 1)
        return ident

    def _frame(self, message: Message) -> bytes:
        return codec.encode(message, self.options.escaping)

    def _job(self, item: int, d2: int = 0, d3: int = 0) -> bytes:
        return self._frame(Job(self._next_ident(), self.address, codec.GROUP_MIC_CONTROL, (item, d2, d3)))

    async def _enter_mode(self, link: FramedLink[Message]) -> None:
        await link.send(self._frame(Mode(self._next_ident(), True)))

    def _for_us(self, message: Message) -> bool:
        return isinstance(message, Control) and message.address in (
            self.address,
            codec.ADDRESS_ALL,
            codec.ADDRESS_CONTROL_UNITS,
        )

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the line (entering mic control mode) and read the CU's status."""
        self.info.firmware_label = self.profile.model.firmware[0].label or None
        await self._use.connect(None, self.poll)

    async def poll(self) -> None:
        """Read the status (liveness and catch-up); without a status item, only re-enter the mode."""
        if self.options.status_item is None:
            await self.link.request(self._frame(Mode(self._next_ident(), True)), None)
            return
        await self._read_status(self.options.status_item)

    async def close(self) -> None:
        """Stop a running re-sync and let go of the line; never raises."""
        task, self._resync = self._resync, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await self._use.close()

    # -- status ----------------------------------------------------------------------------------------------
    def _is_status(self, message: Message) -> bool:
        return (
            self._for_us(message)
            and isinstance(message, Control)
            and message.group == codec.GROUP_MIC_STATUS
            and message.item in (IN_SPEAK, IN_REQUEST, self.options.status_end_item)
        )

    async def _read_status(self, item: int) -> None:
        status = _Status()
        self._status = status
        timeout = self.link.timing.ack_timeout_ms
        try:
            first = await self.link.request(self._job(item), self._is_status, timeout)
            if isinstance(first, Control):
                self._collect(status, first)
            try:
                async with asyncio.timeout(timeout / 1000):
                    await status.done
            except TimeoutError:
                raise DeviceTimeout(f"{self.link.name}: the CU's status answer did not end") from None
        finally:
            self._status = None
        self._heard()
        self._replace(status.active, status.requests)

    def _collect(self, status: _Status, message: Control) -> None:
        item, mic = message.item, message.mic
        if item == IN_SPEAK and mic is not None:
            status.active.add(mic)
        elif item == IN_REQUEST and mic is not None:
            status.requests.add(mic)
        elif item == self.options.status_end_item and not status.done.done():
            status.done.set_result(None)

    # -- what the CU tells us --------------------------------------------------------------------------------
    def _on_message(self, message: Message) -> None:
        if isinstance(message, Reset):
            self.resets += 1
            log.info("%s: CU reset; re-entering mic control mode", self.device_id)
            self._start_resync()
            return
        if not self._for_us(message) or not isinstance(message, Control):
            return
        self._heard()
        status, item, mic = self._status, message.item, message.mic
        if status is not None and self._is_status(message):
            self._collect(status, message)
        elif message.group != codec.GROUP_MIC_STATUS or mic is None:
            return
        elif item in (MIC_ON, MIC_OFF):
            if status is not None:
                (status.active.add if item == MIC_ON else status.active.discard)(mic)
            self._mic(mic, item == MIC_ON)
        elif item in (REQUEST_ON, REQUEST_OFF):
            if status is not None:
                (status.requests.add if item == REQUEST_ON else status.requests.discard)(mic)
            self._request(mic, item == REQUEST_ON)

    def _on_lost(self, reason: str) -> None:
        status = self._status
        if status is not None:
            fail(status.done, TransportLost(f"{self.link.name}: {reason}"))

    def _start_resync(self) -> None:
        if self._resync is None or self._resync.done():
            self._resync = asyncio.get_running_loop().create_task(self._do_resync(), name=f"{self.device_id}:resync")

    async def _do_resync(self) -> None:
        try:
            await self.link.request(self._frame(Mode(self._next_ident(), True)), None)
            await self.poll()
        except CourtroomError as exc:
            log.warning("%s: re-sync after a CU reset failed: %s", self.device_id, exc)

    # -- primitives ------------------------------------------------------------------------------------------
    def _require(self) -> None:
        self._use.require()

    async def _set_mic(self, seat: int, on: bool) -> None:
        self._require()
        item = self.options.mic_on_item if on else self.options.mic_off_item
        await self.link.request(self._job(item, seat >> 8, seat & 0xFF), None)

    async def _set_all_off(self) -> None:
        self._require()
        for item in self.options.all_off_items:
            await self.link.request(self._job(item), None)
