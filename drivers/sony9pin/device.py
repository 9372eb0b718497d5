"""Sony9PinRecorder: the Recorder device class spoken in Sony 9-pin (RS-422 "P2") over a FramedLink.

The deck answers every block within 9 ms with ACK, NAK or a data return, and the master sends nothing until
then; after a NAK (other than "unknown command") it keeps quiet ``nak_pause_ms``. The 9-pin has no clip names
and no remaining-time report: ``clip`` and ``remaining_s`` stay None. A record command is confirmed by reading
the status back: a deck in local mode, without media or with a full disk acknowledges it and does not record,
and that is refused as NotExecutable, never reported as a recording.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import LineUse
from drivers.devices.events import DeviceEventName
from drivers.devices.recorder import Recorder, Transport
from drivers.errors import DeviceNak, NotExecutable
from drivers.profiles import Profile
from drivers.sony9pin import codec
from drivers.sony9pin.codec import Block
from drivers.transports.link import FramedLink

log = logging.getLogger(__name__)
TRANSPORTS: frozenset[str] = frozenset(Transport.__args__)  # type: ignore[attr-defined]


class Sony9PinOptions(BaseModel):
    """Profile options of the ``sony9pin`` family (facts protocols.md marks or leaves unverified)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nak_pause_ms: float = Field(10, ge=0)  # quiet time after a NAK before the next block
    inter_byte_timeout_ms: float = Field(10, gt=0)  # a partial reply older than this is dropped
    status_count: int = Field(10, ge=2, le=15)  # status bytes read from byte 0
    record_confirm_ms: float = Field(500, ge=0)  # how long a deck may take to show record after the ACK [U]
    device_types: list[int] = Field(default_factory=list)  # device type codes the model answers; [] = any [U]


class Sony9PinRecorder(Recorder):
    """A 9-pin deck on its own RS-422 line: record, stop, play, status and LTC timecode."""

    def __init__(self, device_id: str, profile: Profile, link: FramedLink[Block], options: Sony9PinOptions) -> None:
        super().__init__(device_id, profile)
        self.link = link
        self.options = options
        self._use = LineUse(device_id, link)
        self._lock = asyncio.Lock()
        self._quiet_until = 0.0
        self._commanded: str | None = None  # the last transport we asked for, to tell a panel stop

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the line, read the device type, then status and timecode."""
        await self._use.connect(self._identify, self.poll)

    async def close(self) -> None:
        await self._use.close()

    async def poll(self) -> None:
        """Status sense (transport, media, local) and, where the model has it, the LTC time."""
        self._use.require()
        before = self.snapshot()
        await self._read_status()
        if "timecode" in self.info.capabilities:
            self.state.timecode = codec.timecode(await self._ask(codec.ltc_sense(), _is(codec.SENSE_RETURN)))
        self._publish(before)

    async def _identify(self) -> None:
        self.info.firmware_label = self.profile.model.firmware[0].label or None
        try:
            reply = await self._ask(codec.device_type_request(), lambda b: b.is_reply_to(codec.DEVICE_TYPE))
        except DeviceNak as exc:
            if exc.device_code != 0x01:
                raise
            log.info("%s: the deck does not answer the device type request", self.device_id)
            return  # a deck that does not know 00 11 is still a deck: the status sense follows
        kind = codec.device_type(reply)
        self.info.extra["device_type"] = f"0x{kind:04X}"
        expected = self.options.device_types
        self.info.extra.pop("identity_mismatch", None)
        if expected and kind not in expected:
            message = f"device type 0x{kind:04X} is not one {self.info.model} answers with"
            log.warning("%s: %s", self.device_id, message)
            self.info.extra["identity_mismatch"] = message

    # -- Recorder primitives ---------------------------------------------------------------------------------
    async def _record(self, clip: str | None) -> None:
        if clip is not None:
            raise NotExecutable(f"{self.device_id}: a 9-pin deck cannot name its clips")
        before = self.snapshot()
        try:
            await self._transport("record")
        except DeviceNak:
            await self._read_status()
            self._publish(before)
            self._refuse_record()
            raise
        deadline = time.monotonic() + self.options.record_confirm_ms / 1000
        while True:
            await self._read_status()
            if self.state.transport == "record":
                break
            self._refuse_record()
            if time.monotonic() >= deadline:
                self._publish(before)
                raise NotExecutable(f"{self.device_id}: the deck did not start recording (disk full?)")
            await asyncio.sleep(0.02)
        self._publish(before)

    def _refuse_record(self) -> None:
        if self.state.remote_enabled is False:
            raise NotExecutable(f"{self.device_id}: remote control disabled: the deck is in local mode")
        if self.state.disk_present is False:
            raise NotExecutable(f"{self.device_id}: no disk: cannot record")

    async def _stop(self) -> None:
        await self._command_and_read("stop")

    async def _play(self) -> None:
        await self._command_and_read("play")

    async def _command_and_read(self, name: str) -> None:
        before = self.snapshot()
        await self._transport(name)
        await self._read_status()
        self._publish(before)

    # -- wire ------------------------------------------------------------------------------------------------
    async def _transport(self, name: str) -> None:
        self._commanded = name
        await self._ask(codec.transport(name), lambda b: b.is_ack)

    async def _read_status(self) -> None:
        reply = await self._ask(codec.status_sense(0, self.options.status_count), _is(codec.SENSE_RETURN))
        status = codec.DeckStatus.from_block(reply)
        was = self.state.transport
        transport = status.transport if status.transport in TRANSPORTS else "unknown"
        self.state.transport = transport  # type: ignore[assignment]
        self.state.disk_present = not status.no_media
        self.state.remote_enabled = not status.local
        if was == "record" and transport != "record" and self._commanded == "record":
            self._emit(DeviceEventName.RECORDING_STOPPED, transport=transport, disk_present=self.state.disk_present)
            self._commanded = None

    async def _ask(self, block: bytes, accept: Callable[[Block], bool]) -> Block:
        """Send one block and return the deck's answer; DeviceNak (with the NAK bits) when it refuses."""
        async with self._lock:
            gap = self._quiet_until - time.monotonic()
            if gap > 0:
                await asyncio.sleep(gap)
            reply = await self.link.request(block, lambda b: b.is_nak or accept(b))
            assert reply is not None  # an accept predicate was given
            self._heard()
            if reply.is_nak:
                code = reply.data[0]
                if code != 0x01:
                    self._quiet_until = time.monotonic() + self.options.nak_pause_ms / 1000
                raise DeviceNak(
                    f"{self.device_id}: the deck refused {block.hex(' ')}: {codec.nak_reason(code)}", device_code=code
                )
            return reply

    def _publish(self, before: dict[str, object]) -> None:
        if self.snapshot() != before:
            self._changed()


def _is(cmd1: int) -> Callable[[Block], bool]:
    return lambda block: block.cmd1 == cmd1
