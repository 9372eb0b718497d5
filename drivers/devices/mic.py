"""The MicSystem device class: a conference microphone system (DCS 6000, Shure DIS-CCU) as seats that speak.

The state is per seat: which microphones are on ("speaking") and which have asked to speak. Every change the
system reports is also a device event (``mic_on``, ``mic_off``, ``request_on``, ``request_off``, ``all_off``)
so voice-follow can react to the moment it happened. Subclasses call ``_mic(seat, on)`` and
``_request(seat, on)`` from whatever the wire says, and implement the primitives.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from drivers.devices.base import ActionParams, ActionSpec, Device, NoParams
from drivers.devices.events import DeviceEventName
from drivers.devices.events import DeviceEventName as E
from drivers.errors import InvalidArgument


class SeatParams(ActionParams):
    seat: int


class MicSystem(Device):
    """Seats (microphones) numbered as the system numbers them; on/off control where the model allows it."""

    kind: ClassVar[str] = "mic_system"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "mic_on": ActionSpec(SeatParams, "mic_control", "switch a seat's microphone on"),
        "mic_off": ActionSpec(SeatParams, "mic_control", "switch a seat's microphone off"),
        "all_off": ActionSpec(NoParams, "all_off", "switch every microphone off"),
        "refresh": ActionSpec(NoParams, None, "read every seat's state from the system now"),
    }
    events: ClassVar[frozenset[DeviceEventName]] = frozenset(
        {E.MIC_ON, E.MIC_OFF, E.REQUEST_ON, E.REQUEST_OFF, E.ALL_OFF}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.active: set[int] = set()
        self.requests: set[int] = set()

    def snapshot(self) -> dict[str, Any]:
        return {"active": sorted(self.active), "requests": sorted(self.requests)}

    def speaking(self, seat: int) -> bool:
        return seat in self.active

    def check_ranges(self, action: str, params: ActionParams) -> None:
        seats = self.profile.model.seats
        if isinstance(params, SeatParams) and seats is not None and params.seat not in seats:
            raise InvalidArgument(f"seat: {params.seat} is outside {seats.min}..{seats.max} for this model")

    # -- what subclasses call when the system reports a change ---------------------------------------------
    def _mic(self, seat: int, on: bool) -> None:
        """A seat's microphone went on or off: state, then event (only when it changed)."""
        if (seat in self.active) == on:
            return
        (self.active.add if on else self.active.discard)(seat)
        if on:
            self.requests.discard(seat)
        self._changed()
        self._emit(DeviceEventName.MIC_ON if on else DeviceEventName.MIC_OFF, seat=seat)

    def _request(self, seat: int, on: bool) -> None:
        if (seat in self.requests) == on:
            return
        (self.requests.add if on else self.requests.discard)(seat)
        self._changed()
        self._emit(DeviceEventName.REQUEST_ON if on else DeviceEventName.REQUEST_OFF, seat=seat)

    def _all_off(self) -> None:
        if not self.active:
            return
        seats = sorted(self.active)
        self.active.clear()
        self._changed()
        self._emit(DeviceEventName.ALL_OFF, seats=seats)

    def _replace(self, active: set[int], requests: set[int] | None = None) -> None:
        """A full dump (after connect or a poll): one event per seat that differs from what we held."""
        for seat in sorted(self.active - active):
            self._mic(seat, False)
        for seat in sorted(active - self.active):
            self._mic(seat, True)
        if requests is not None:
            for seat in sorted(self.requests - requests):
                self._request(seat, False)
            for seat in sorted(requests - self.requests):
                self._request(seat, True)

    # -- public operations -----------------------------------------------------------------------------------
    async def mic_on(self, seat: int) -> None:
        await self.execute("mic_on", {"seat": seat})

    async def mic_off(self, seat: int) -> None:
        await self.execute("mic_off", {"seat": seat})

    async def _do_mic_on(self, p: SeatParams) -> None:
        await self._set_mic(p.seat, True)

    async def _do_mic_off(self, p: SeatParams) -> None:
        await self._set_mic(p.seat, False)

    async def _do_all_off(self, _: NoParams) -> None:
        await self._set_all_off()

    @abstractmethod
    async def _set_mic(self, seat: int, on: bool) -> None: ...

    async def _set_all_off(self) -> None:
        raise NotImplementedError  # only reached when the profile lists 'all_off' and the family lacks it
