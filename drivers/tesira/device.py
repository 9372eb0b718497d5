"""TesiraDsp: the AudioProcessor device class spoken in the Tesira Text Protocol over telnet or SSH.

Every (re)connection refuses the server's telnet options (none come over SSH), waits for the welcome banner,
reads the unit's identity (``DEVICE get version|hostname|serialNumber``) and, with ``discover``, its instance
tags (``SESSION get aliases``) and each block's ``numChannels`` and labels, so a point on a tag or channel the
design lacks is refused at connect with its name. When the model can subscribe, it subscribes to each
block's ``levels`` and ``mutes`` (one push carries every channel; ``block_subscriptions: false`` subscribes
per point instead, as older firmware needs). Subscriptions live as long as the connection, so they are made
in the link's handshake. Pushed values update the state at once; polls read every point.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.audio import AudioProcessor, PointState
from drivers.devices.base import LineUse
from drivers.errors import ConfigError, DeviceNak, InvalidArgument
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
    identify: bool = True  # read DEVICE version / hostname / serialNumber at each connection
    discover: bool = True  # check the points against SESSION get aliases and each block's numChannels
    block_subscriptions: bool = True  # subscribe whole blocks (levels / mutes) rather than each point


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
        self._block_tokens: dict[str, tuple[str, str]] = {}  # token -> (instance tag, attribute)
        for number, tag in enumerate(sorted({point.tag for point in self.points.values()}), start=1):
            self._block_tokens[f"LB{number}"] = (tag, "level")
            self._block_tokens[f"MB{number}"] = (tag, "mute")

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
        if self.options.identify:
            await self._identify(link)
        if self.options.discover:
            await self._discover(link)
        if "subscribe" not in self.info.capabilities:
            return
        rate = self.options.subscription_rate_ms
        if self.options.block_subscriptions:
            for token, (tag, attribute) in self._block_tokens.items():
                await self._hello(link, codec.subscribe(tag, f"{attribute}s", None, token, rate))
            return
        for token, (name, attribute) in self._tokens.items():
            point = self.points[name]
            await self._hello(link, codec.subscribe(point.tag, attribute, point.index, token, rate))

    async def _hello(self, link: FramedLink[Frame], data: bytes) -> str | None:
        """One request during the handshake; pushes that come first are applied; -ERR raises."""
        await link.send(data)
        while not _answered(frame := await link.receive()):
            self._on_frame(frame)  # a subscription's first value comes as a push before +OK
        if isinstance(frame, Error):
            raise self._refusal(data.decode().strip(), frame)
        assert isinstance(frame, Ok)
        return frame.value

    async def _identify(self, link: FramedLink[Frame]) -> None:
        """The unit's firmware version, host name and serial number, into ``info``."""
        self.info.firmware = codec.parse_string(await self._hello(link, codec.get_attribute("DEVICE", "version")))
        for attribute, key in (("hostname", "hostname"), ("serialNumber", "serial_number")):
            self.info.extra[key] = codec.parse_string(await self._hello(link, codec.get_attribute("DEVICE", attribute)))

    async def _discover(self, link: FramedLink[Frame]) -> None:
        """Every point's tag among the unit's aliases and its index within the block; labels and the block's
        level range per point into ``info`` (a point allowing more than the unit does is logged)."""
        aliases = set(codec.parse_list(await self._hello(link, b"SESSION get aliases\n")))
        missing = sorted({point.tag for point in self.points.values()} - aliases)
        if missing:
            names = ", ".join(name for name, point in self.points.items() if point.tag in missing)
            raise ConfigError(f"{self.device_id}: the unit has no instance tag {', '.join(missing)} (points {names})")
        channels: dict[str, int] = {}
        for tag in sorted({point.tag for point in self.points.values()}):
            channels[tag] = int(codec.parse_level(await self._hello(link, codec.get_attribute(tag, "numChannels"))))
        labels: dict[str, str] = {}
        ranges: dict[str, list[float]] = {}
        for name, point in sorted(self.points.items()):
            if point.index > channels[point.tag]:
                raise InvalidArgument(
                    f"{self.device_id}: point {name}: {point.tag} index {point.index}: Index out of range: "
                    f"the block has {channels[point.tag]} channels"
                )
            labels[name] = codec.parse_string(await self._hello(link, codec.get(point.tag, "label", point.index)))
            low = codec.parse_level(await self._hello(link, codec.get(point.tag, "minLevel", point.index)))
            high = codec.parse_level(await self._hello(link, codec.get(point.tag, "maxLevel", point.index)))
            ranges[name] = [low, high]
            if point.min_db < low or point.max_db > high:
                log.warning(
                    "%s: point %s allows %g..%g dB, the unit's %s channel %d only %g..%g dB (it clamps)",
                    self.device_id,
                    name,
                    point.min_db,
                    point.max_db,
                    point.tag,
                    point.index,
                    low,
                    high,
                )
        self.info.extra["blocks"] = channels
        self.info.extra["labels"] = labels
        self.info.extra["ranges"] = ranges

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
        block = self._block_tokens.get(frame.token)
        if block is not None:
            self._on_block(block[0], block[1], codec.parse_list(frame.value))
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

    def _on_block(self, tag: str, attribute: str, values: list[str]) -> None:
        """A whole-block push: every point on ``tag`` takes its channel's value."""
        for name, point in self.points.items():
            if point.tag != tag or point.index > len(values):
                continue
            text = values[point.index - 1]
            if attribute == "level":
                self.state[name].level_db = codec.parse_level(text)
            else:
                self.state[name].mute = codec.parse_bool(text)
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
