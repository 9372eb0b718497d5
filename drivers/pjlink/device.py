"""PjlinkProjector: the Display device class spoken in PJLink class 1 or 2 over one TCP connection.

The connection is kept open between commands; projectors hang up on an idle client (about 30 s [U]), so a
command that finds the connection dropped reconnects once (greeting and login again) before it fails.

A projector that answers ``CLSS ?`` with 2 is also read for its class 2 facts (serial number, software
version, input names, lamp and filter replacement models, filter hours), can freeze the picture, and pushes
its status changes to the control PC's UDP 4352 (drivers/pjlink/status_port.py): power, input, AV mute and
error status then reach the state as they happen, not at the next poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import ActionSpec, LineUse
from drivers.devices.display import Display, MuteParams, PowerState
from drivers.errors import (
    CourtroomError,
    DecodeError,
    DeviceNak,
    DeviceOffline,
    NotExecutable,
    TransportLost,
    Unsupported,
)
from drivers.pjlink import codec
from drivers.pjlink.codec import AuthRefused, Frame, Greeting, Reply
from drivers.pjlink.status_port import resolve, status_port
from drivers.profiles import Profile
from drivers.transports.link import FramedLink

log = logging.getLogger(__name__)

AUTH_FAILED = "PJLink authentication failed"


class PjlinkOptions(BaseModel):
    """Family settings a profile may override (facts protocols.md marks [U] or models vary on)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    av_mute_on: str = Field("31", pattern=r"^[123]1$")  # AVMT code that blanks: 31 picture+sound, 11 picture
    av_mute_off: str = Field("30", pattern=r"^[123]0$")
    greeting_timeout_ms: float = Field(2000, gt=0)  # how long to wait for "PJLINK 0|1" after connecting


class AuthenticationFailed(DeviceOffline):
    """The projector refused the password (``PJLINK ERRA``) or wants one and none is configured."""


CLASS2_FACTS = (  # class 2 query -> info.extra key
    ("SNUM", "serial_number"),
    ("SVER", "software_version"),
    ("RLMP", "lamp_replacement_models"),
    ("RFIL", "filter_replacement_models"),
    ("FILT", "filter_hours"),
)


class PjlinkProjector(Display):
    """A PJLink projector on ``link`` (its own connection, logged in by the link's handshake); ``password``
    None means the projector is expected to ask for none. ``host`` and ``notify_port`` (None: off) say where
    its class 2 status notifications are listened for."""

    actions: ClassVar[dict[str, ActionSpec]] = {
        **Display.actions,
        "freeze": ActionSpec(MuteParams, None, "freeze the projected picture (true) or let it run (false); class 2"),
    }

    def __init__(
        self,
        device_id: str,
        profile: Profile,
        link: FramedLink[Frame],
        *,
        password: str | None,
        options: PjlinkOptions,
        host: str | None = None,
        notify_port: int | None = None,
    ) -> None:
        super().__init__(device_id, profile)
        self.options = options
        self._password = password
        self.link = link
        link.handshake = self._login
        self._use = LineUse(device_id, link)
        self.klass = 1
        self.host = host
        self.notify_port = notify_port
        self._subscribed: str | None = None  # the IP notifications are routed from while subscribed

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Connect and log in, read the projector's identity, then its state."""
        await self._use.connect(self._identify, self.poll)

    async def close(self) -> None:
        """Hang up and stop listening for notifications; never raises."""
        self._unsubscribe()
        await self._use.close()

    async def _login(self, link: FramedLink[Frame]) -> None:
        greeting = await link.receive(self.options.greeting_timeout_ms)
        if not isinstance(greeting, Greeting):
            raise DeviceNak(f"{link.name}: expected a PJLink greeting, got {greeting}")
        if not greeting.secured:
            return
        if self._password is None:
            raise AuthenticationFailed(f"{AUTH_FAILED}: the projector wants a password (set options.password_file)")
        assert greeting.seed is not None
        # The token must be followed by a command in the same write: ask for the power state.
        await link.send(codec.digest(greeting.seed, self._password).encode("ascii") + codec.query("POWR"))
        answer = await link.receive()
        if isinstance(answer, AuthRefused):
            raise AuthenticationFailed(AUTH_FAILED)
        if isinstance(answer, Reply) and answer.body == "POWR" and answer.error is None:
            self._set_power(codec.parse_power(answer.param))

    async def _identify(self) -> None:
        for body, key in (("INF1", "manufacturer"), ("INF2", "product"), ("NAME", "name"), ("CLSS", "class")):
            try:
                self.info.extra[key] = await self._ask(body, "?")
            except DeviceNak as exc:  # optional on some units
                log.debug("%s: %s ? refused: %s", self.device_id, body, exc)
        other = self.info.extra.get("manufacturer"), self.info.extra.get("product")
        log.info("%s: PJLink projector %s", self.device_id, " ".join(str(x) for x in other if x))
        self.klass = 2 if str(self.info.extra.get("class", "1")).strip() == "2" else 1
        if self.klass == 2:
            await self._identify_class2()
            await self._subscribe()

    async def _identify_class2(self) -> None:
        """Serial number, software version, replacement models, filter hours, and each input's own name."""
        for body, key in CLASS2_FACTS:
            try:
                value = await self._ask(body, "?", klass=2)
            except DeviceNak as exc:  # a projector without a filter, say
                log.debug("%s: %%2%s ? refused: %s", self.device_id, body, exc)
                continue
            if body in ("RLMP", "RFIL"):
                self.info.extra[key] = codec.parse_models(value)
            elif body == "FILT":
                self.info.extra[key] = int(value) if value.isdigit() else None
            else:
                self.info.extra[key] = value
        names: dict[str, str] = {}
        for name, code in sorted(self.profile.model.inputs.items()):
            try:
                names[name] = await self._ask("INNM", f"?{code}", klass=2)
            except DeviceNak:
                continue
        self.info.extra["input_names"] = names

    async def _subscribe(self) -> None:
        """Listen for this projector's status notifications (once per connection; a failure only logs)."""
        if self.notify_port is None or self.host is None or self._subscribed is not None:
            return
        try:
            ip = resolve(self.host)
            await status_port(self.notify_port).subscribe(ip, self._notified)
        except CourtroomError as exc:
            log.warning("%s: no status notifications, polling only: %s", self.device_id, exc)
            self.info.extra["notifications"] = False
            return
        self._subscribed = ip
        self.info.extra["notifications"] = True

    def _unsubscribe(self) -> None:
        if self._subscribed is not None and self.notify_port is not None:
            status_port(self.notify_port).unsubscribe(self._subscribed, self._notified)
        self._subscribed = None

    def _notified(self, reply: Reply) -> None:
        """A class 2 status notification: the state changes at once, without a poll."""
        before = self.snapshot()
        try:
            if reply.body == "POWR":
                self._set_power(codec.parse_power(reply.param))
            elif reply.body == "ERST":
                self.state.errors = codec.parse_errors(reply.param)
            elif reply.body == "INPT":
                self.state.input = self.input_name(codec.parse_input(reply.param))
            elif reply.body == "AVMT":
                self.state.av_mute = codec.parse_av_mute(reply.param)[0]
            elif reply.body == "LKUP":
                self.info.extra["mac"] = codec.parse_mac(reply.param)
            else:
                log.debug("%s: notification %s=%s ignored", self.device_id, reply.body, reply.param)
        except DecodeError as exc:
            log.info("%s: notification %s=%s not understood: %s", self.device_id, reply.body, reply.param, exc)
            return
        self._heard()
        if self.snapshot() != before:
            self._changed()

    async def poll(self) -> None:
        """Power, then (when on) input and AV mute, then the error status and lamp hours the model reports."""
        self._use.require()
        before = self.snapshot()
        self._set_power(codec.parse_power(await self._ask("POWR", "?")))
        caps = self.info.capabilities
        try:
            if self.state.power_state == "on" and "input" in caps:
                self.state.input = self.input_name(codec.parse_input(await self._ask("INPT", "?")))
            if self.state.power_state == "on" and "av_mute" in caps:
                self.state.av_mute = codec.parse_av_mute(await self._ask("AVMT", "?"))[0]
        except NotExecutable:  # switched off by its remote since the power query: read again next poll
            pass
        if "error_status" in caps:
            self.state.errors = codec.parse_errors(await self._ask("ERST", "?"))
        if "lamp" in caps:
            self.state.lamp_hours = [hours for hours, _ in codec.parse_lamps(await self._ask("LAMP", "?"))]
        if self.snapshot() != before:
            self._changed()

    # -- requests --------------------------------------------------------------------------------------------
    async def _ask(self, body: str, param: str, klass: int = 1) -> str:
        """Send one command and return its reply's parameter; refusals become typed errors."""
        data = codec.command(body, param, klass)
        accept: Callable[[Frame], bool] = lambda f: isinstance(f, Reply) and f.body == body  # noqa: E731
        try:
            reply = await self.link.request(data, accept)
        except TransportLost as exc:
            # The projector hung up an idle connection (perhaps just as we wrote): reconnect once.
            log.info("%s: connection dropped (%s), reconnecting once", self.device_id, exc)
            reply = await self.link.request(data, accept)
        self._heard()
        assert isinstance(reply, Reply)
        if reply.error is not None:
            await self._refused(body, param, reply.error)
        return reply.param

    async def _refused(self, body: str, param: str, error: str) -> None:
        what = f"{body} {param}: {codec.DEVICE_ERRORS[error]} ({error})"
        code = int(error[3])
        if error == "ERR3":
            if body != "POWR":
                self._set_power(codec.parse_power(await self._ask("POWR", "?")))
                self._changed()
            reason = {
                "warming": "projector is warming up",
                "cooling": "projector is cooling down",
                "off": "projector is in standby",
            }.get(self.state.power_state or "", "projector cannot do this now")
            raise NotExecutable(f"{self.device_id}: {reason}: {what}", code)
        if error == "ERR4":
            raise NotExecutable(f"{self.device_id}: projector failure, check its error status: {what}", code)
        raise DeviceNak(f"{self.device_id}: {what}", code)

    def _set_power(self, state: PowerState) -> None:
        self.state.power_state = state
        self.state.power = state in ("on", "warming")

    # -- Display primitives ----------------------------------------------------------------------------------
    async def _power(self, on: bool) -> None:
        self._require()
        await self._ask("POWR", "1" if on else "0")
        await self.poll()

    async def _input(self, code: str) -> None:
        self._require()
        await self._ask("INPT", code)
        self.state.input = self.input_name(code)
        self._changed()

    async def _av_mute(self, on: bool) -> None:
        self._require()
        await self._ask("AVMT", self.options.av_mute_on if on else self.options.av_mute_off)
        self.state.av_mute = on
        self._changed()

    async def _do_freeze(self, p: MuteParams) -> dict[str, Any]:
        """Freeze the picture (``%2FREZ 1``) or let it run (``0``): class 2 projectors only."""
        self._require()
        if self.klass != 2:
            raise Unsupported(f"{self.device_id}: freeze needs a PJLink class 2 projector (this one is class 1)")
        await self._ask("FREZ", "1" if p.on else "0", klass=2)
        return {"frozen": p.on}

    def _require(self) -> None:
        self._use.require()
