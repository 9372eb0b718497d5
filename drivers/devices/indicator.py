"""The Indicator device class: a light the room switches (the "recording" light), whatever drives it.

``set`` switches it on or off, in a colour when the model has the ``color`` capability and blinking when it has
``blink``. The state is ``{on, color}``: what the light shows, as last set (most lights cannot be read back).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from drivers.devices.base import ActionParams, ActionSpec, Device, NoParams
from drivers.errors import InvalidArgument, Unsupported


class SetParams(ActionParams):
    on: bool
    color: str | None = None
    blink: bool = False


class Indicator(Device):
    """A light: on/off, colour, blink."""

    kind: ClassVar[str] = "indicator"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "set": ActionSpec(SetParams, "light", "switch the light on or off (optional colour, blink)"),
        "refresh": ActionSpec(NoParams, None, "check the light is there and read its state"),
    }

    def __init__(self, *args: Any, colors: list[str] | None = None, default_color: str | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.colors = list(colors or [])
        self.default_color = default_color if default_color is not None else next(iter(self.colors), None)
        self.on: bool | None = None
        self.color: str | None = None
        self.blink = False
        self.info.extra["colors"] = list(self.colors)

    def snapshot(self) -> dict[str, Any]:
        return {"on": self.on, "color": self.color}

    def check_ranges(self, action: str, params: ActionParams) -> None:
        if not isinstance(params, SetParams):
            return
        if params.color is not None:
            if "color" not in self.info.capabilities:
                raise Unsupported(f"{self.info.model} has no 'color' capability")
            if params.color not in self.colors:
                known = ", ".join(self.colors) or "none"
                raise InvalidArgument(f"color: '{params.color}' is not a colour of this light (colours: {known})")
        if params.blink and "blink" not in self.info.capabilities:
            raise Unsupported(f"{self.info.model} has no 'blink' capability")

    async def set(self, on: bool, color: str | None = None, blink: bool = False) -> None:
        await self.execute("set", {"on": on, "color": color, "blink": blink})

    async def _do_set(self, p: SetParams) -> None:
        color = p.color if p.color is not None else (self.color or self.default_color)
        await self._set(p.on, color, p.blink)
        self.on, self.color, self.blink = p.on, color, p.blink
        self._changed()

    @abstractmethod
    async def _set(self, on: bool, color: str | None, blink: bool) -> None:
        """Show ``on`` in ``color`` (None for a one-colour light), blinking or steady."""
