"""What every device offers the supervisor and the MQTT bridge, whatever its class or wire protocol."""

from __future__ import annotations

import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from drivers.devices.events import DeviceEventName
from drivers.errors import DeviceOffline, InvalidArgument, Unsupported
from drivers.profiles import Profile
from drivers.validation import validation_lines

Listener = Callable[[], None]
MeterListener = Callable[[dict[str, Any]], None]
"""``listener(levels)``: high-rate measurements (audio levels), published at QoS 0 and rate-limited."""
EventListener = Callable[[str, dict[str, Any]], None]
"""``listener(event, data)``: a momentary happening (a mic button, a fault, a tally), not a state."""


class ActionParams(BaseModel):
    """Base of every action's parameter model: unknown keys are refused, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NoParams(ActionParams):
    """The parameters of an action that takes none (``refresh``, ``home``...): any key is refused."""


@dataclass(frozen=True)
class ActionSpec:
    """One operation a client may ask for by name: its parameters and the capability it needs."""

    params: type[ActionParams]
    capability: str | None
    doc: str
    coalesce: bool = False  # a newer one replaces a waiting one (an absolute move): the newest wins


@dataclass
class DeviceInfo:
    """Identity of a device as published in ``$ctl/devices``."""

    vendor: str
    model: str
    profile: str
    capabilities: list[str]
    firmware: str | None = None
    firmware_label: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def describe_validation(err: ValidationError, root: type[BaseModel] | None = None) -> str:
    """The problems of a command's parameters on one line, each naming the parameter: ``preset: must be <= 5``
    (drivers/validation.py's formatter; ``root``, the parameters' model, for a "did you mean")."""
    return "; ".join(validation_lines(err, root=root))


class Device(ABC):
    """A device the daemon supervises.

    The life of a device: ``connect()`` opens its link and identifies it (it may raise any CourtroomError);
    ``poll()`` refreshes the state and raises DeviceTimeout / TransportLost when the device is gone;
    ``close()`` releases the link and never raises. Operations go through ``execute(action, params)``, which
    validates everything before a byte reaches the wire.
    """

    kind: ClassVar[str]
    actions: ClassVar[Mapping[str, ActionSpec]]
    events: ClassVar[frozenset[DeviceEventName]] = frozenset()  # what it may report as having happened once

    def __init__(self, device_id: str, profile: Profile) -> None:
        self.device_id = device_id
        self.profile = profile
        self.info = DeviceInfo(
            vendor=profile.model.vendor,
            model=profile.model.model,
            profile=profile.model.ref,
            capabilities=list(profile.model.capabilities),
        )
        self._listeners: list[Listener] = []
        self._event_listeners: list[EventListener] = []
        self._meter_listeners: list[MeterListener] = []
        self.last_heard = 0.0  # time.monotonic() of the device's last good answer

    def _heard(self) -> None:
        """Note a good answer: a device heard from recently needs no liveness poll."""
        self.last_heard = time.monotonic()

    def link_devices(self) -> None:
        """Called once every device of the room is built: find the devices this one uses (a software recorder's
        cameras); ConfigError names a missing one. Most devices use none."""

    # -- lifecycle -------------------------------------------------------------------------------------------
    @abstractmethod
    async def connect(self) -> None:
        """Open the link, identify the device, read its state."""

    @abstractmethod
    async def poll(self) -> None:
        """Refresh the state from the device."""

    @abstractmethod
    async def close(self) -> None:
        """Release the link; never raises."""

    @property
    def poll_interval_s(self) -> float:
        return self.profile.protocol.timing.poll_interval_s

    # -- state -----------------------------------------------------------------------------------------------
    @abstractmethod
    def snapshot(self) -> dict[str, Any]:
        """JSON-ready state, without ``ts``; equal snapshots mean nothing changed."""

    def add_listener(self, listener: Listener) -> None:
        """``listener()`` is called (on the event loop) whenever the state may have changed."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def add_event_listener(self, listener: EventListener) -> None:
        """``listener(event, data)`` is called (on the event loop) for every device event."""
        self._event_listeners.append(listener)

    def add_meter_listener(self, listener: MeterListener) -> None:
        """``listener(levels)`` for each measurement (on the event loop)."""
        self._meter_listeners.append(listener)

    def _meter(self, levels: dict[str, Any]) -> None:
        """Hand a measurement (JSON-ready) to the listeners; call from the event loop."""
        for listener in list(self._meter_listeners):
            listener(levels)

    def _emit(self, event: DeviceEventName, **data: Any) -> None:
        """Tell the listeners about a momentary event its class declared; ``data`` must be JSON-ready."""
        if event not in self.events:
            raise ValueError(f"{type(self).__name__} does not declare the device event '{event}'")
        for listener in list(self._event_listeners):
            listener(event, data)

    # -- operations ------------------------------------------------------------------------------------------
    def validate(self, action: str, params: Mapping[str, Any]) -> ActionParams:
        """Check an action's name, capability and parameters; raise InvalidArgument / Unsupported."""
        spec = self.actions.get(action)
        if spec is None:
            known = ", ".join(sorted(self.actions))
            raise InvalidArgument(f"unknown action '{action}' for a {self.kind} (known: {known})")
        if spec.capability is not None and spec.capability not in self.info.capabilities:
            raise Unsupported(f"{self.info.model} has no '{spec.capability}' capability for '{action}'")
        try:
            parsed = spec.params.model_validate(dict(params))
        except ValidationError as exc:
            raise InvalidArgument(describe_validation(exc, spec.params)) from None
        self.check_ranges(action, parsed)
        return parsed

    def check_ranges(self, action: str, params: ActionParams) -> None:
        """Refuse values outside the profile's ranges (InvalidArgument); subclasses add their checks."""

    async def execute(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Validate, then run one operation; returns JSON-ready data for the reply."""
        return await self.run(action, self.validate(action, params))

    async def _do_refresh(self, _: ActionParams) -> dict[str, Any]:
        """Every class's ``refresh`` action: read the state from the device now and return it."""
        await self.poll()
        return self.snapshot()

    async def run(self, action: str, params: ActionParams) -> dict[str, Any]:
        """Run an operation whose parameters ``validate()`` already returned."""
        handler: Callable[[ActionParams], Awaitable[dict[str, Any] | None]] = getattr(self, f"_do_{action}")
        result = await handler(params)
        return result or {}


class Attachable(Protocol):
    """What a device needs of a line it may share with others."""

    def acquire(self) -> None:
        """Count one more user."""

    async def release(self) -> None:
        """Count one user less; never raises."""

    async def ensure_open(self) -> None:
        """Open the line when it is closed."""


class LineUse:
    """One device's use of a shared line: attach once, open, identify, poll; let go on failure or close."""

    def __init__(self, device_id: str, line: Attachable) -> None:
        self.device_id = device_id
        self.line = line
        self.connected = False
        self._attached = False

    async def connect(
        self, identify: Callable[[], Awaitable[None]] | None, poll: Callable[[], Awaitable[None]]
    ) -> None:
        """Open the line, then ``identify()`` (when the device has something to identify); ``connected`` from
        then on, and ``poll()`` reads the state."""
        if not self._attached:
            self.line.acquire()
            self._attached = True
        try:
            await self.line.ensure_open()
            if identify is not None:
                await identify()
            self.connected = True
            await poll()
        except BaseException:
            self.connected = False
            await self._detach()
            raise

    async def close(self) -> None:
        """Stop using the line (it closes with its last user); never raises."""
        self.connected = False
        with contextlib.suppress(Exception):
            await self._detach()

    async def _detach(self) -> None:
        if self._attached:
            self._attached = False
            await self.line.release()

    def require(self) -> None:
        """DeviceOffline unless connected: operations are refused before connect() and after close()."""
        if not self.connected:
            raise DeviceOffline(f"{self.device_id} is not connected")
