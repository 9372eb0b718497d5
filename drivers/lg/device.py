"""LgDisplay: the Display device class spoken in LG's RS-232C ASCII protocol, on a shared FramedLink.

Sets on one RS-232 chain share a link; a reply names the answering set ID and the command's second letter,
which is how it finds its request. ``poll()`` reads power (``ka``) and, while the set is on, volume (``kf``),
mute (``ke``) and input (``xb``, or ``kb`` on older monitors). NG becomes DeviceNak with the NG data byte
(NotExecutable for the ``busy_ng_codes``, "wait"). What varies by model is in the options: the mute polarity,
the input command and whether the set keeps silent in standby.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import LineUse
from drivers.devices.display import Display
from drivers.errors import DeviceNak, DeviceTimeout, NotExecutable, ProfileError, Unsupported
from drivers.lg import codec
from drivers.lg.codec import Reply
from drivers.profiles import Profile
from drivers.transports.link import FramedLink

LgLink = FramedLink[Reply]


class LgOptions(BaseModel):
    """Family options of ``lg`` (profile ``options:``, or a room config device's ``options:``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mute_on_code: Literal[0, 1] = 0
    """The ``ke`` data meaning "muted": 00 in LG's manuals ("volume mute on"), reversed on some sets [U]."""
    input_command: Literal["xb", "kb"] = "xb"
    """``xb`` (input select, newer sets) or ``kb`` (older monitors) [U]."""
    silent_in_standby: bool = False
    """The set answers nothing in standby (but wakes on ``ka … 01``) [U]."""
    busy_ng_codes: list[int] = Field(default_factory=lambda: [2])
    """NG data bytes meaning "wait, not now" (NotExecutable) rather than a refusal [U]."""


class LgDisplay(Display):
    """An LG display with set ID ``set_id`` on ``link``.

    ``connect()`` raises TransportLost or DeviceTimeout; operations also raise DeviceOffline before
    ``connect()`` succeeded or after ``close()``, and DeviceNak when the set answers NG.
    With ``silent_in_standby`` a set that does not answer is taken to be in standby unless it was seen on since
    ``connect()`` (then it is a fault, and the reconnect finds it in standby): such a set in standby cannot be
    told from a pulled cable.
    """

    def __init__(
        self, device_id: str, profile: Profile, link: LgLink, set_id: int, options: LgOptions | None = None
    ) -> None:
        super().__init__(device_id, profile)
        self.link = link
        self.set_id = set_id
        self.options = options or LgOptions()
        for name, code in profile.model.inputs.items():
            if len(code) != 2 or any(c not in "0123456789abcdefABCDEF" for c in code):
                raise ProfileError(f"{profile.model.ref}: inputs.{name}: '{code}' is not two hex digits (e.g. '90')")
        self._use = LineUse(device_id, link)
        self._seen_on = False  # since connect(): a set seen on that falls silent is a fault, not standby
        self.info.extra["set_id"] = set_id

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the link and read the state (power first)."""
        await self._use.connect(self._identify, self.poll)

    async def _identify(self) -> None:
        self._seen_on = False
        self.info.firmware_label = self.profile.model.firmware[0].label or None

    async def close(self) -> None:
        """Stop using the link (it closes with its last set); never raises."""
        await self._use.close()

    async def poll(self) -> None:
        """Power, then (while on) volume, mute and input."""
        self._use.require()
        try:
            power = await self._read("ka")
        except DeviceTimeout:
            if not self.options.silent_in_standby or self._seen_on:
                raise
            self._update(power=False, power_state="off")  # silent, and not seen on since connect: standby
            return
        on = self._seen_on = power == 1
        self._update(power=on, power_state="on" if on else "off")
        if not on:
            return
        volume = await self._read("kf")
        mute = await self._read("ke")
        source = await self._read(self.options.input_command)
        self._update(volume=volume, mute=mute == self.options.mute_on_code, input=self.input_name(f"{source:02x}"))

    # -- helpers ---------------------------------------------------------------------------------------------
    def _update(self, **values: object) -> None:
        before = self.snapshot()
        for key, value in values.items():
            setattr(self.state, key, value)
        if self.snapshot() != before:
            self._changed()

    async def _read(self, command: str) -> int:
        reply = await self._ask(command, codec.READ)
        if reply.value is None:
            raise DeviceNak(f"{self.device_id}: '{command}' read answered OK without a value")
        return reply.value

    async def _ask(self, command: str, data: int) -> Reply:
        """Send one request and return its OK reply; DeviceNak / NotExecutable for NG."""
        self._use.require()
        letter = command[1]
        reply = await self.link.request(
            codec.request(command, self.set_id, data),
            lambda r: r.command == letter and r.set_id == self.set_id,
        )
        if reply is None:  # pragma: no cover - request() with a predicate always returns a frame
            raise DeviceNak(f"{self.device_id}: no reply")
        self._heard()
        if not reply.ok:
            code = reply.value
            text = f"{self.device_id}: set {self.set_id} answered NG to '{command} {data:02x}' (code {code})"
            if code is not None and code in self.options.busy_ng_codes:
                raise NotExecutable(text, code)
            raise DeviceNak(text, code)
        return reply

    # -- Display primitives ----------------------------------------------------------------------------------
    async def _power(self, on: bool) -> None:
        await self._ask("ka", 1 if on else 0)
        self._seen_on = on
        self._update(power=on, power_state="on" if on else "off")

    async def _input(self, code: str) -> None:
        await self._ask(self.options.input_command, int(code, 16))
        self._update(input=self.input_name(code))

    async def _volume(self, level: int) -> None:
        await self._ask("kf", level)
        self._update(volume=level)

    async def _mute(self, on: bool) -> None:
        code = self.options.mute_on_code
        await self._ask("ke", code if on else 1 - code)
        self._update(mute=on)

    async def _av_mute(self, on: bool) -> None:
        raise Unsupported(f"{self.info.model}: AV mute is not offered for LG sets")
