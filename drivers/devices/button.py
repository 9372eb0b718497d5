"""The Button device class: a clerk's foot switch or an alarm button, whatever it is wired through.

Drivers call ``_pressed(bool)`` with what the button reports; each change emits a ``pressed`` or ``released``
event and every press is counted. The state is ``{pressed, presses}`` (pressed is None until first read).
"""

from __future__ import annotations

from typing import Any, ClassVar

from drivers.devices.base import ActionSpec, Device, NoParams
from drivers.devices.events import DeviceEventName


class Button(Device):
    """A push button (or several, each a device): press events and a press count."""

    kind: ClassVar[str] = "button"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "refresh": ActionSpec(NoParams, None, "check the button is there and read its state"),
    }
    events: ClassVar[frozenset[DeviceEventName]] = frozenset({DeviceEventName.PRESSED, DeviceEventName.RELEASED})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pressed: bool | None = None
        self.presses = 0

    def snapshot(self) -> dict[str, Any]:
        return {"pressed": self.pressed, "presses": self.presses}

    def _pressed(self, pressed: bool) -> None:
        """What the button reports now: a change emits ``pressed`` / ``released`` and updates the state."""
        if pressed == self.pressed:
            return
        first = self.pressed is None
        self.pressed = pressed
        if pressed:
            self.presses += 1
            self._emit(DeviceEventName.PRESSED, presses=self.presses)
        elif not first:
            self._emit(DeviceEventName.RELEASED, presses=self.presses)
        self._changed()
