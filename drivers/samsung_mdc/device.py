"""MdcDisplay: the Display device class spoken in Samsung MDC, on a FramedLink that several displays may share.

Displays on one RS-232 daisy chain (or behind one TCP 1515 master) share a link; each reply names the display
ID it comes from and the command it answers, which is how a reply finds its request. ``poll()`` is one status
GET (command 00). A NAK becomes DeviceNak carrying the display's error byte (NotExecutable for the bytes the
profile's ``busy_nak_codes`` lists). A display in secured mode (``MDCSTART<<TLS>>``, TLS + PIN) is spoken to
through drivers/samsung_mdc/secure.py when the room gives its ``pin_file``; without one it is refused with
Unsupported, saying so.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from drivers.devices.base import LineUse
from drivers.devices.display import Display
from drivers.errors import DeviceNak, NotExecutable, ProfileError, Unsupported
from drivers.profiles import Profile
from drivers.samsung_mdc import codec
from drivers.samsung_mdc.codec import Frame, Reply, ReplySplitter, TlsBanner
from drivers.transports.link import FramedLink

MdcLink = FramedLink[Frame]


class MdcOptions(BaseModel):
    """Family options of ``samsung_mdc`` (profile ``options:``, or a room config device's ``options:``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    busy_nak_codes: list[int] = Field(default_factory=list)
    """NAK error bytes meaning "not now" (NotExecutable) rather than a refusal; undocumented by Samsung [U]."""
    pin_file: Path | None = None
    """Secured MDC (TCP only): a file holding the display's PIN; kept out of the room config."""
    certificate_sha256: str | None = Field(None, pattern=r"^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$")
    """Secured MDC: the display's certificate fingerprint; when set, another certificate is refused."""
    login_timeout_ms: float = Field(3000, gt=0)
    """Secured MDC: the banner, the TLS handshake and the PIN's answer must come within this time."""


def tls_refusal(model: str) -> Unsupported:
    """The error for a display that greets with ``MDCSTART<<TLS>>`` when no PIN is configured."""
    return Unsupported(
        f"{model}: the display speaks secured MDC (it sent MDCSTART<<TLS>>): give its PIN in a file with the "
        "device's options.pin_file, or turn secured MDC off on the display"
    )


class MdcDisplay(Display):
    """A Samsung display with MDC ID ``display_id`` (0..0xFE) on ``link``.

    ``connect()`` raises TransportLost, DeviceTimeout or Unsupported (TLS mode); operations also raise
    DeviceOffline before ``connect()`` succeeded or after ``close()``, and DeviceNak when the display refuses.
    """

    def __init__(
        self, device_id: str, profile: Profile, link: MdcLink, display_id: int, options: MdcOptions | None = None
    ) -> None:
        super().__init__(device_id, profile)
        self.link = link
        self.display_id = display_id
        self.options = options or MdcOptions()
        self._codes = _input_codes(profile)
        self._use = LineUse(device_id, link)
        self.info.extra["display_id"] = display_id

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the link, then read the status (the identification MDC offers)."""
        await self._use.connect(self._identify, self.poll)

    async def _identify(self) -> None:
        self.info.firmware_label = self.profile.model.firmware[0].label or None

    async def close(self) -> None:
        """Stop using the link (it closes with its last display); never raises."""
        await self._use.close()

    async def poll(self) -> None:
        """One status GET: power, volume, mute and input."""
        self._use.require()
        status = codec.parse_status(await self._ask(codec.STATUS))
        self._update(
            power=status.power,
            power_state="on" if status.power else "off",
            volume=status.volume,
            mute=status.mute,
            input=self.input_name(f"{status.input:02x}"),
        )

    # -- helpers ---------------------------------------------------------------------------------------------
    def _update(self, **values: object) -> None:
        before = self.snapshot()
        for key, value in values.items():
            setattr(self.state, key, value)
        if self.snapshot() != before:
            self._changed()

    def _mine(self, command: int, frame: Frame) -> bool:
        if isinstance(frame, TlsBanner):
            return True
        return frame.display_id == self.display_id and frame.command == command

    async def _ask(self, command: int, data: bytes = b"") -> Reply:
        """Send one request and return its ACK; DeviceNak / NotExecutable for a NAK."""
        self._use.require()
        splitter = self.link.splitter
        if isinstance(splitter, ReplySplitter) and splitter.tls_seen:
            raise tls_refusal(self.info.model)
        frame = await self.link.request(codec.request(command, self.display_id, data), lambda f: self._mine(command, f))
        if isinstance(frame, TlsBanner):
            raise tls_refusal(self.info.model)
        if frame is None:  # pragma: no cover - request() with a predicate always returns a frame
            raise DeviceNak(f"{self.device_id}: no reply")
        self._heard()
        if not frame.ack:
            code = frame.error_code
            text = f"{self.device_id}: display {self.display_id} refused command {command:02x} (error {code})"
            if code is not None and code in self.options.busy_nak_codes:
                raise NotExecutable(text, code)
            raise DeviceNak(text, code)
        return frame

    # -- Display primitives ----------------------------------------------------------------------------------
    async def _power(self, on: bool) -> None:
        await self._ask(codec.POWER, bytes([codec.POWER_ON if on else codec.POWER_OFF]))
        self._update(power=on, power_state="on" if on else "off")

    async def _input(self, code: str) -> None:
        await self._ask(codec.INPUT, bytes([self._codes[code]]))
        self._update(input=self.input_name(code))

    async def _volume(self, level: int) -> None:
        await self._ask(codec.VOLUME, bytes([level]))
        self._update(volume=level)

    async def _mute(self, on: bool) -> None:
        await self._ask(codec.MUTE, bytes([1 if on else 0]))
        self._update(mute=on)

    async def _av_mute(self, on: bool) -> None:
        raise Unsupported(f"{self.info.model}: MDC has no AV mute in this driver")


def _input_codes(profile: Profile) -> dict[str, int]:
    """The profile's input codes (two hex digits each) as bytes; ProfileError names a bad one."""
    codes: dict[str, int] = {}
    for name, code in profile.model.inputs.items():
        try:
            value = int(code, 16)
        except ValueError:
            value = -1
        if len(code) != 2 or not 0 <= value <= 0xFF:
            raise ProfileError(f"{profile.model.ref}: inputs.{name}: '{code}' is not two hex digits (e.g. '21')")
        codes[code] = value
    return codes
