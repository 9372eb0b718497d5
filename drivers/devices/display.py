"""The Display device class: flat panels and projectors (Samsung MDC, LG, PJLink), whatever the wire.

Clients name inputs by the profile's names (``hdmi1``, ``evidence``...); the model profile maps each name to
the family's wire code, so a new model with other codes is one YAML file. Subclasses implement the underscored
primitives and keep ``self.state`` up to date (calling ``_changed()``).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from drivers.devices.base import ActionParams, ActionSpec, Device, NoParams
from drivers.errors import InvalidArgument

PowerState = Literal["off", "on", "warming", "cooling"]
ErrorLevel = Literal["ok", "warning", "error"]


class PowerParams(ActionParams):
    on: bool


class InputParams(ActionParams):
    input: str


class VolumeParams(ActionParams):
    level: int


class MuteParams(ActionParams):
    on: bool


@dataclass
class DisplayState:
    """What the display last reported; None until known."""

    power: bool | None = None  # True while on or warming up
    power_state: PowerState | None = None
    input: str | None = None  # the profile's input name; the raw code when the profile has no name for it
    volume: int | None = None
    mute: bool | None = None
    av_mute: bool | None = None
    errors: dict[str, ErrorLevel] = field(default_factory=dict)  # e.g. lamp, fan, temperature (PJLink ERST)
    lamp_hours: list[int] | None = None


class Display(Device):
    """A display or projector: power, input, volume, mute, AV mute, error status and lamp hours."""

    kind: ClassVar[str] = "display"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "power": ActionSpec(PowerParams, "power", "power on (true) or standby (false)"),
        "input": ActionSpec(InputParams, "input", "select an input by its profile name"),
        "volume": ActionSpec(VolumeParams, "volume", "set the volume within the model's range"),
        "mute": ActionSpec(MuteParams, "mute", "mute (true) or unmute (false) the audio"),
        "av_mute": ActionSpec(MuteParams, "av_mute", "blank picture and sound (true) or show them (false)"),
        "refresh": ActionSpec(NoParams, None, "read the state from the display now"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = DisplayState()
        self.info.extra["inputs"] = sorted(self.profile.model.inputs)

    def snapshot(self) -> dict[str, Any]:
        snap = dict(vars(self.state))
        snap["errors"] = dict(self.state.errors)
        snap["lamp_hours"] = None if self.state.lamp_hours is None else list(self.state.lamp_hours)
        return snap

    # -- inputs ----------------------------------------------------------------------------------------------
    def input_code(self, name: str) -> str:
        """The wire code of an input name; InvalidArgument names the inputs this model has."""
        try:
            return self.profile.model.inputs[name]
        except KeyError:
            known = ", ".join(sorted(self.profile.model.inputs))
            raise InvalidArgument(f"input: '{name}' is not an input of {self.info.model} (inputs: {known})") from None

    def input_name(self, code: str) -> str:
        """The profile's name of a wire code (case-insensitive), or the code itself when it has none."""
        for name, known in self.profile.model.inputs.items():
            if known.lower() == code.lower():
                return name
        return code

    def check_ranges(self, action: str, params: ActionParams) -> None:
        if isinstance(params, InputParams):
            self.input_code(params.input)
        elif isinstance(params, VolumeParams):
            allowed = self.profile.model.volume
            if allowed is not None and params.level not in allowed:
                raise InvalidArgument(f"level: {params.level} is outside {allowed.min}..{allowed.max} for this model")

    # -- public typed operations -----------------------------------------------------------------------------
    async def power(self, on: bool) -> None:
        await self.execute("power", {"on": on})

    async def select_input(self, name: str) -> None:
        await self.execute("input", {"input": name})

    async def set_volume(self, level: int) -> None:
        await self.execute("volume", {"level": level})

    async def set_mute(self, on: bool) -> None:
        await self.execute("mute", {"on": on})

    # -- dispatch --------------------------------------------------------------------------------------------
    async def _do_power(self, p: PowerParams) -> None:
        await self._power(p.on)

    async def _do_input(self, p: InputParams) -> None:
        await self._input(self.input_code(p.input))

    async def _do_volume(self, p: VolumeParams) -> None:
        await self._volume(p.level)

    async def _do_mute(self, p: MuteParams) -> None:
        await self._mute(p.on)

    async def _do_av_mute(self, p: MuteParams) -> None:
        await self._av_mute(p.on)

    # -- protocol primitives: arguments are already validated ------------------------------------------------
    @abstractmethod
    async def _power(self, on: bool) -> None: ...

    @abstractmethod
    async def _input(self, code: str) -> None:
        """Select the input with this wire code (from the profile)."""

    async def _volume(self, level: int) -> None:
        raise NotImplementedError  # only reached when the profile lists 'volume' and the family lacks it

    async def _mute(self, on: bool) -> None:
        raise NotImplementedError

    async def _av_mute(self, on: bool) -> None:
        raise NotImplementedError
