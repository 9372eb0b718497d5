"""The room's event bus: what changed in the room and in its hearing, told to whoever subscribed.

One bus per room (``Room.bus``). The room publishes a device's availability and state changes, its one-off
events and its level meters; the hearing publishes its state and its events. The MQTT bridge, the console,
the hearing and the recording unit subscribe by owner and event type; no hook slots to chain, and no order in
which they must start. Handlers run synchronously, in the order they subscribed, on the event loop: they must
be quick (schedule a task for anything slow). One subscriber's failure is logged and does not keep the event
from the others. ``unsubscribe(owner)`` drops every handler of an owner (at its stop).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from controller.model import Availability, DeviceEvent, HearingEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AvailabilityChanged:
    """A device came online or went offline (``availability`` says which, and why)."""

    device_id: str
    availability: Availability


@dataclass(frozen=True)
class StateChanged:
    """A device's state changed (``Room.state(device_id)`` holds the new one)."""

    device_id: str


@dataclass(frozen=True)
class DeviceEventRaised:
    """A device reported something that happened once (a mic switched on, a button pressed)."""

    device_id: str
    event: DeviceEvent


@dataclass(frozen=True)
class MetersRead:
    """An audio input's levels, as its driver reports them (by seat name, dBFS)."""

    device_id: str
    levels: dict[str, Any]


@dataclass(frozen=True)
class HearingChanged:
    """The hearing's state changed (``HearingService.state()`` holds the new one)."""


@dataclass(frozen=True)
class HearingEventRaised:
    """A transition, a mark, an alarm raised or cleared, a macro step that failed."""

    event: HearingEvent


E = TypeVar("E")


class EventBus:
    """Typed publish/subscribe within one process."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[tuple[str, Callable[[Any], None]]]] = {}

    def subscribe(self, owner: str, kind: type[E], handler: Callable[[E], None]) -> None:
        """Call ``handler`` with every event of type ``kind`` published from now on."""
        self._handlers.setdefault(kind, []).append((owner, handler))

    def unsubscribe(self, owner: str) -> None:
        """Drop every handler ``owner`` subscribed."""
        for kind, handlers in list(self._handlers.items()):
            self._handlers[kind] = [(o, h) for o, h in handlers if o != owner]

    def owners(self, kind: type) -> list[str]:
        """Who listens to ``kind``, in the order they are told."""
        return [owner for owner, _ in self._handlers.get(kind, [])]

    def publish(self, event: object) -> None:
        """Tell every subscriber of the event's type; a subscriber that fails is logged and skipped."""
        for owner, handler in list(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:
                log.exception("%s failed on %s", owner, type(event).__name__)
