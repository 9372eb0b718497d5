"""HyperDeckRecorder: the Recorder device class spoken in the HyperDeck Ethernet protocol over a FramedLink.

Each (re)connection reads the ``500 connection info`` banner (model, protocol version -> firmware), asks for
transport and slot notifications, so a recording stopped by a full disk or a pulled card is known at once, and
reads ``device info`` (unique id, software version, name on protocol 1.11+). Replies are read by the fields
the current manual lists; a field the driver does not know is ignored and one an older firmware lacks stays
unknown. Failure codes map to the project's errors: 104 disk full, 105 no disk and 111 remote control disabled
are NotExecutable; other 1xx are DeviceNak with the code.
"""

from __future__ import annotations

import logging
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import LineUse
from drivers.devices.events import DeviceEventName
from drivers.devices.recorder import Recorder, Transport
from drivers.errors import ConfigError, DecodeError, DeviceNak, NotExecutable
from drivers.hyperdeck import codec
from drivers.hyperdeck.codec import Reply
from drivers.profiles import Profile, parse_options
from drivers.transports.link import FramedLink

log = logging.getLogger(__name__)
TRANSPORTS: frozenset[str] = frozenset(Transport.__args__)  # type: ignore[attr-defined]
NOT_EXECUTABLE = {codec.DISK_FULL, codec.NO_DISK, codec.REMOTE_DISABLED, 150}
Notification = Literal[
    "transport",
    "slot",
    "remote",
    "configuration",
    "dropped frames",
    "display timecode",
    "timeline position",
    "playrange",
    "cache",
    "dynamic range",
    "slate",
    "clips",
    "disk",
    "device info",
]
TIMECODE_KEYS = ("display timecode", "timecode")
DEVICE_FIELDS = {  # device info field -> info.extra key
    "unique id": "unique_id",
    "software version": "software_version",
    "name": "device_name",
    "slot count": "slot_count",
}
TRANSPORT_FIELDS = {
    "video format": "video_format",
    "input video format": "input_video_format",
    "dynamic range": "dynamic_range",
}


class HyperDeckOptions(BaseModel):
    """Profile options of the ``hyperdeck`` family; firmware entries (by protocol version) may override."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notify: tuple[Notification, ...] = ("transport", "slot")  # what the unit is asked to push
    remote_info: bool = True  # read `remote` (210 remote info) at each poll; older firmware lacks it [U]
    slot_id: int | None = Field(None, ge=1, le=16)  # the slot to report; None: the active one
    record_confirm_ms: float = Field(1000, ge=0)  # 0: trust `200 ok`; else read transport info until record
    greeting_timeout_ms: float = Field(2000, gt=0)


class HyperDeckRecorder(Recorder):
    """A HyperDeck on TCP 9993: record with a clip name, stop, play, transport, slot and remote state."""

    def __init__(
        self, device_id: str, profile: Profile, link: FramedLink[Reply], room_options: dict[str, object] | None = None
    ) -> None:
        super().__init__(device_id, profile)
        self.link = link
        self._room_options = dict(room_options or {})
        self.options = self._options(None)
        self._active_slot: int | None = None
        self._use = LineUse(device_id, link)
        self._recording_ours = False
        link.handshake = self._handshake
        link.add_listener(self._notified)

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Connect (banner, notifications), then read transport, slot and remote state."""
        await self._use.connect(None, self.poll)

    async def close(self) -> None:
        await self._use.close()

    async def poll(self) -> None:
        self._use.require()
        before = self.snapshot()
        self._apply_transport(await self._ask(codec.command("transport info"), codec.TRANSPORT_INFO))
        slot_id = self.options.slot_id or self._active_slot
        slot = {"slot_id": slot_id} if slot_id is not None else {}
        self._apply_slot(await self._ask(codec.command("slot info", **slot), codec.SLOT_INFO))
        if self.options.remote_info:
            self._apply_remote(await self._ask(codec.command("remote"), codec.REMOTE_INFO))  # the manual's query
        self._publish(before)

    async def _handshake(self, link: FramedLink[Reply]) -> None:
        banner = await link.receive(self.options.greeting_timeout_ms)
        if banner.code == codec.CONNECTION_REJECTED:
            raise NotExecutable(f"{self.device_id}: connection rejected: another client holds the HyperDeck", 120)
        if banner.code != codec.CONNECTION_INFO:
            raise DecodeError(f"{self.device_id}: expected the 500 banner, got {banner.code} {banner.text}")
        self._identify(banner)
        if self.options.notify:
            await link.send(codec.command("notify", **dict.fromkeys(self.options.notify, True)))
            reply = await link.receive()
            while reply.is_async:
                reply = await link.receive()
            self._check(reply, "notify")
        await link.send(codec.command("device info"))
        reply = await link.receive()
        while reply.is_async:
            reply = await link.receive()
        if reply.code == codec.DEVICE_INFO:
            self._apply_device(reply)
        else:  # a firmware without it: the banner's identity stands
            log.info("%s: device info refused: %s %s", self.device_id, reply.code, reply.text)

    def _options(self, rom: int | None) -> HyperDeckOptions:
        """The profile's options for firmware ``rom`` under the room config's (checked when built)."""
        merged = {**self.profile.options(rom), **self._room_options}
        return parse_options(HyperDeckOptions, merged, f"{self.device_id}: options", ConfigError)

    def _identify(self, banner: Reply) -> None:
        version = banner.params.get("protocol version")
        model = banner.params.get("model")
        self.info.firmware = version
        self.info.extra["model_reported"] = model
        rom = codec.protocol_rom(version)
        entry = self.profile.model.firmware_for(rom) if rom is not None else self.profile.model.firmware[-1]
        self.info.firmware_label = entry.label or None
        self.options = self._options(rom)
        if model and model.lower() != self.info.model.lower():
            log.info("%s: the unit reports model %r (profile %r)", self.device_id, model, self.info.model)

    def _apply_device(self, reply: Reply) -> None:
        for field, key in DEVICE_FIELDS.items():
            value = reply.params.get(field)
            if value:
                self.info.extra[key] = codec.number(value) if key == "slot_count" else value

    async def list_clips(self) -> list[codec.ClipEntry]:
        """The clips on the active disk (``clips get``), e.g. to check a hearing's clip is there."""
        self._use.require()
        return codec.clips(await self._ask(codec.command("clips get"), codec.CLIPS_INFO))

    # -- Recorder primitives ---------------------------------------------------------------------------------
    async def _record(self, clip: str | None) -> None:
        before = self.snapshot()
        try:
            await self._ask(codec.command("record", **({"name": clip} if clip else {})), codec.OK)
        finally:
            self._publish(before)
        self._recording_ours = True
        self.state.clip = clip
        if self.options.record_confirm_ms > 0:
            deadline = time.monotonic() + self.options.record_confirm_ms / 1000
            while True:
                self._apply_transport(await self._ask(codec.command("transport info"), codec.TRANSPORT_INFO))
                if self.state.transport == "record":
                    break
                if time.monotonic() >= deadline:
                    self._publish(before)
                    raise NotExecutable(f"{self.device_id}: the HyperDeck did not start recording (disk full?)")
        else:
            self.state.transport = "record"
        self._publish(before)

    async def _stop(self) -> None:
        await self._transport_command("stop", "stopped")

    async def _play(self) -> None:
        await self._transport_command("play", "play")

    async def _transport_command(self, name: str, state: Transport) -> None:
        before = self.snapshot()
        self._recording_ours = False
        try:
            await self._ask(codec.command(name), codec.OK)
            self.state.transport = state
        finally:
            self._publish(before)

    # -- replies and notifications ---------------------------------------------------------------------------
    async def _ask(self, line: bytes, code: int) -> Reply:
        reply = await self.link.request(line, lambda r: not r.is_async)
        assert reply is not None  # an accept predicate was given
        self._heard()
        self._check(reply, line.decode("ascii").strip())
        if reply.code != code:
            raise DecodeError(f"{self.device_id}: expected {code} for '{line.decode().strip()}', got {reply.code}")
        return reply

    def _check(self, reply: Reply, what: str) -> None:
        if not reply.is_failure:
            return
        reason = codec.FAILURES.get(reply.code, reply.text)
        if reply.code == codec.NO_DISK:
            self.state.disk_present = False
        elif reply.code == codec.DISK_FULL:
            self.state.remaining_s = 0
        elif reply.code == codec.REMOTE_DISABLED:
            self.state.remote_enabled = False
        error = NotExecutable if reply.code in NOT_EXECUTABLE else DeviceNak
        raise error(f"{self.device_id}: '{what}' refused: {reply.code} {reason}", reply.code)

    def _notified(self, reply: Reply) -> None:
        before = self.snapshot()
        if reply.code == codec.TRANSPORT_INFO_ASYNC:
            self._apply_transport(reply)
        elif reply.code == codec.SLOT_INFO_ASYNC:
            self._apply_slot(reply)
        elif reply.code == codec.REMOTE_INFO_ASYNC:
            self._apply_remote(reply)
        else:
            log.debug("%s: unsolicited %s %s", self.device_id, reply.code, reply.text)
        self._publish(before)

    def _apply_transport(self, reply: Reply) -> None:
        status = reply.params.get("status")
        if status is not None:
            transport = status if status in TRANSPORTS else "unknown"
            if self.state.transport == "record" and transport != "record" and self._recording_ours:
                self._recording_ours = False
                self._emit(DeviceEventName.RECORDING_STOPPED, transport=transport, clip=self.state.clip)
            self.state.transport = transport  # type: ignore[assignment]
        if "slot id" in reply.params:
            self._active_slot = codec.number(reply.params["slot id"])
        for key in TIMECODE_KEYS:
            if reply.params.get(key):
                self.state.timecode = reply.params[key]
                break
        for field, key in TRANSPORT_FIELDS.items():
            if reply.params.get(field):
                self.info.extra[key] = reply.params[field]

    def _apply_slot(self, reply: Reply) -> None:
        slot = codec.number(reply.params.get("slot id"))
        wanted = self.options.slot_id or self._active_slot
        if wanted is not None and slot is not None and slot != wanted:
            return  # another slot's news
        status = reply.params.get("status")
        if status is not None:
            self.state.disk_present = status == "mounted"
        remaining = codec.number(reply.params.get("recording time"))
        if remaining is not None:
            self.state.remaining_s = remaining
        elif status is not None and status != "mounted":
            self.state.remaining_s = None

    def _apply_remote(self, reply: Reply) -> None:
        enabled = codec.flag(reply.params.get("enabled"))
        if enabled is not None:
            self.state.remote_enabled = enabled

    def _publish(self, before: dict[str, object]) -> None:
        if self.snapshot() != before:
            self._changed()
