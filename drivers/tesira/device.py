"""TesiraDsp: the AudioProcessor device class spoken in the Tesira Text Protocol over telnet.

Every (re)connection refuses the server's telnet options, waits for the welcome banner and, when the model
can subscribe, subscribes to each point's level and mute: subscriptions live as long as the connection, so
they are made in the link's handshake. Pushed values update the state at once; polls read every point.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.audio import AudioProcessor, PointState
from drivers.devices.base import LineUse
from drivers.errors import DeviceNak, InvalidArgument
from drivers.profiles import AudioPoint, Profile
from drivers.tesira import codec
from drivers.tesira.codec import Error, Frame, Negotiation, Ok, Push, Text
from drivers.transports.link import FramedLink

log = logging.getLogger(__name__)


class TesiraOptions(BaseModel):
    """Family settings a profile may override."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    welcome_timeout_ms: float = Field(3000, gt=0)  # telnet negotiation plus the banner
    welcome_text: str = "Welcome"  # how the banner line starts [U]
    subscription_rate_ms: int = Field(100, ge=0)  # at most one push per point and attribute this often


def _answered(frame: Frame) -> bool:
    return isinstance(frame, Ok | Error)


class TesiraDsp(AudioProcessor):
    """A Tesira DSP on ``link`` (one telnet connection); points name instance tags and channel indexes."""

    def __init__(
        self,
        device_id: str,
        profile: Profile,
        link: FramedLink[Frame],
        *,
        options: TesiraOptions,
        points: dict[str, AudioPoint] | None = None,
    ) -> None:
        super().__init__(device_id, profile, points=points)
        self.options = options
        self.link = link
        link.handshake = self._handshake
        link.add_listener(self._on_frame)
        self._use = LineUse(device_id, link)
        self._tokens: dict[str, tuple[str, str]] = {}  # token -> (point name, attribute)
        for number, name in enumerate(sorted(self.points), start=1):
            self._tokens[f"L{number}"] = (name, "level")
            self._tokens[f"M{number}"] = (name, "mute")

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Connect (telnet refusal, banner, subscriptions), then read every point."""
        await self._use.connect(None, self.poll)

    async def close(self) -> None:
        """Hang up; never raises."""
        await self._use.close()

    async def _handshake(self, link: FramedLink[Frame]) -> None:
        timeout = self.options.welcome_timeout_ms
        while True:
            frame = await link.receive(timeout)
            if isinstance(frame, Negotiation):
                if refusal := codec.refuse(frame):
                    await link.send(refusal)
            elif isinstance(frame, Text) and frame.text.startswith(self.options.welcome_text):
                break
        if "subscribe" not in self.info.capabilities:
            return
        for token, (name, attribute) in self._tokens.items():
            point = self.points[name]
            await link.send(
                codec.subscribe(point.tag, attribute, point.index, token, self.options.subscription_rate_ms)
            )
            while not _answered(frame := await link.receive()):
                self._on_frame(frame)  # the first value comes as a push before +OK
            if isinstance(frame, Error):
                raise self._refusal(f"{point.tag} subscribe {attribute} {point.index}", frame)

    async def poll(self) -> None:
        """Read the level and mute of every point."""
        self._require()
        before = self.snapshot()
        caps = self.info.capabilities
        for name, point in self.points.items():
            state = self.state[name]
            if "level" in caps:
                state.level_db = codec.parse_level(await self._ask(codec.get(point.tag, "level", point.index)))
            if "mute" in caps:
                state.mute = codec.parse_bool(await self._ask(codec.get(point.tag, "mute", point.index)))
        if self.snapshot() != before:
            self._changed()

    # -- requests and pushes ---------------------------------------------------------------------------------
    async def _ask(self, data: bytes) -> str | None:
        reply = await self.link.request(data, _answered)
        self._heard()
        if isinstance(reply, Error):
            raise self._refusal(data.decode().strip(), reply)
        assert isinstance(reply, Ok)
        return reply.value

    def _refusal(self, command: str, error: Error) -> DeviceNak | InvalidArgument:
        text = f"{self.device_id}: {command}: -{error.kind} {error.message}".rstrip()
        message = error.message.lower()
        if error.kind == "ERR" and ("invalid_parameter" in message or "out of range" in message):
            return InvalidArgument(text)
        return DeviceNak(text)

    def _on_frame(self, frame: Frame) -> None:
        if not isinstance(frame, Push):
            return
        target = self._tokens.get(frame.token)
        if target is None:
            log.debug("%s: push for unknown token %r", self.device_id, frame.token)
            return
        name, attribute = target
        state: PointState = self.state[name]
        if attribute == "level":
            state.level_db = codec.parse_level(frame.value)
        else:
            state.mute = codec.parse_bool(frame.value)
        self._heard()
        self._changed()

    def _require(self) -> None:
        self._use.require()

    # -- AudioProcessor primitives ---------------------------------------------------------------------------
    async def _set_level(self, point: AudioPoint, level_db: float) -> None:
        self._require()
        await self._ask(codec.set_value(point.tag, "level", point.index, level_db))
        self._store(point, level_db=level_db)

    async def _set_mute(self, point: AudioPoint, on: bool) -> None:
        self._require()
        await self._ask(codec.set_value(point.tag, "mute", point.index, on))
        self._store(point, mute=on)

    def _store(self, point: AudioPoint, *, level_db: float | None = None, mute: bool | None = None) -> None:
        for name, known in self.points.items():
            if known == point:
                if level_db is not None:
                    self.state[name].level_db = level_db
                if mute is not None:
                    self.state[name].mute = mute
        self._changed()
