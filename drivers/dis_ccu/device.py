"""DisCcuMicSystem: a Shure DIS-CCU (DCS-LAN, MXC) spoken to over its TCP 3142 external control protocol.

The state is read with ``mic_status``: the CCU answers with ``seat_state`` lines for its seats, ``mic_on`` for
each active microphone and ``mic_request_on`` for each queued request (the simulator's reading; the real
answer's exact lines are [U]). There is no end marker, so the answer is complete when no line came for
``dump_quiet_ms`` [U]; no line at all within ``ack_timeout_ms`` means the CCU is gone (the liveness check).
``mic_on`` / ``mic_off`` wait for the CCU's confirming line or ``command_error`` (DeviceNak).
"""

from __future__ import annotations

import asyncio
import logging

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import LineUse
from drivers.devices.mic import MicSystem
from drivers.dis_ccu import codec
from drivers.dis_ccu.codec import CommandError, Line, MicEvent, SeatState
from drivers.errors import DeviceNak, DeviceTimeout, TransportLost
from drivers.profiles import Profile
from drivers.transports.link import FramedLink

log = logging.getLogger(__name__)


class DisCcuOptions(BaseModel):
    """Family options (protocol, model, firmware entry, then the room config's device options)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dump_quiet_ms: float = Field(150, gt=0)  # silence that ends a mic_status answer [U]
    dump_limit_ms: float = Field(5000, gt=0)  # longest a mic_status answer may take


class _Dump:
    """A ``mic_status`` answer being collected; every line that arrives meanwhile counts."""

    def __init__(self) -> None:
        self.active: set[int] = set()
        self.requests: set[int] = set()
        self.error: str | None = None
        self.tick = asyncio.Event()

    def take(self, line: Line) -> None:
        self.tick.set()
        if isinstance(line, MicEvent):
            target = self.active if line.kind in ("mic_on", "mic_off") else self.requests
            (target.add if line.kind.endswith("_on") else target.discard)(line.seat)
            if line.kind == "mic_on":
                self.requests.discard(line.seat)
        elif isinstance(line, CommandError):
            self.error = line.text


class DisCcuMicSystem(MicSystem):
    """One DIS-CCU reached over ``link`` (a TCP connection of its own)."""

    def __init__(self, device_id: str, profile: Profile, link: FramedLink[Line], options: DisCcuOptions) -> None:
        super().__init__(device_id, profile)
        self.link = link
        self.options = options
        self.seat_states: dict[int, SeatState] = {}
        self.errors: list[str] = []  # command_error lines nothing waited for
        self._dump: _Dump | None = None
        self._use = LineUse(device_id, link)
        link.add_listener(self._on_line)

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Connect and read every seat's state."""
        self.info.firmware_label = self.profile.model.firmware[0].label or None
        await self._use.connect(None, self.poll)

    async def poll(self) -> None:
        """``mic_status``: the full state, and the liveness check."""
        dump = _Dump()
        self._dump = dump
        try:
            first = await self.link.request(codec.MIC_STATUS, lambda line: True)
            if first is not None:
                self._apply(first)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.options.dump_limit_ms / 1000
            while loop.time() < deadline:
                dump.tick.clear()
                try:
                    async with asyncio.timeout(self.options.dump_quiet_ms / 1000):
                        await dump.tick.wait()
                except TimeoutError:
                    break
            if not self.link.is_open:
                raise TransportLost(f"{self.link.name}: lost during mic_status")
        finally:
            self._dump = None
        if dump.error is not None:
            raise DeviceNak(f"{self.device_id}: mic_status refused: {dump.error}")
        self._heard()
        self._replace(dump.active, dump.requests)

    async def close(self) -> None:
        """Let go of the connection (it closes with its last user); never raises."""
        await self._use.close()

    # -- lines from the CCU ----------------------------------------------------------------------------------
    def _on_line(self, line: Line) -> None:
        self._apply(line)

    def _apply(self, line: Line) -> None:
        self._heard()
        if self._dump is not None:
            self._dump.take(line)
        if isinstance(line, MicEvent):
            if line.kind in ("mic_on", "mic_off"):
                self._mic(line.seat, line.kind == "mic_on")
            else:
                self._request(line.seat, line.kind == "mic_request_on")
        elif isinstance(line, SeatState):
            self.seat_states[line.seat] = line
        elif isinstance(line, CommandError) and self._dump is None:
            self.errors.append(line.text)
            log.warning("%s: command_error %s", self.device_id, line.text)

    # -- primitives ------------------------------------------------------------------------------------------
    def _require(self) -> None:
        self._use.require()

    async def _set_mic(self, seat: int, on: bool) -> None:
        self._require()
        kind: codec.MicKind = "mic_on" if on else "mic_off"

        def answers(line: Line) -> bool:
            return isinstance(line, CommandError) or line == MicEvent(kind, seat)

        try:
            reply = await self.link.request(codec.mic(on, seat), answers)
        except DeviceTimeout:
            if self.speaking(seat) == on:
                return  # already so: a CCU need not confirm a change that is no change [U]
            raise
        if isinstance(reply, CommandError):
            raise DeviceNak(f"{self.device_id}: {kind} {seat} refused: {reply.text}")
        if reply is not None:
            self._apply(reply)

    async def _set_all_off(self) -> None:
        self._require()
        await self.link.request(codec.ALL_OFF, None)
