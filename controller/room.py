"""The room model: the configured devices, their supervisors, and the operations clients may ask for.

The MQTT bridge, the command line and the console all go through ``Room.execute``, so a command behaves the
same whoever sends it: checked, refused by the room's ``command_policy`` (the hearing's recording rule) if it
must not run now, journaled durably, then sent, its outcome journaled after.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from controller.config import RoomConfig
from controller.events import AvailabilityChanged, DeviceEventRaised, EventBus, MetersRead, StateChanged
from controller.journal import Actor, Journal, Kind
from controller.model import Availability, DeviceEntry, DeviceEvent, Payload, device_state
from controller.nodewatch import NodeWatcher
from controller.supervisor import Backoff, DeviceSupervisor
from drivers.devices.base import Device
from drivers.errors import CourtroomError, DeviceOffline
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class CommandRequest:
    """A device operation as the room's policy sees it: who asks, why (``cause``: a hearing step such as
    ``hearing:interrupt:recess``, None for a client's command) and the written reason of an override."""

    device_id: str
    action: str
    params: Mapping[str, Any]
    actor: Actor
    cause: str | None = None
    override_reason: str | None = None


CommandPolicy = Callable[[CommandRequest], None]
"""Raises a CourtroomError (naming the rule) for a command that must not run now."""


class UnknownDevice(CourtroomError):
    """A request named a device the room does not have."""

    code = "NOT_FOUND"


class Room:
    """Every device of one courtroom, each under its own supervisor."""

    def __init__(
        self,
        config: RoomConfig,
        library: ProfileLibrary,
        backoff: Backoff | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.config = config
        self.journal = journal
        self.library = library
        self.started_ms = int(time.time() * 1000)
        self._run = f"{self.started_ms:x}"  # this run of the daemon: with a count, names each device command
        self._commands = 0
        self.bus = EventBus()  # what changes in the room, told to the bridge, the hearing, the console...
        self.command_policy: CommandPolicy | None = None  # the hearing's recording rule
        self._availability: dict[str, Availability] = {}
        self._offline: dict[str, None] = {}  # kept up to date, so the offline list costs what it lists
        self._configs = {dev.id: dev for dev in config.devices}
        self._order = {dev.id: i for i, dev in enumerate(config.devices)}
        self._states: dict[str, Payload] = {}
        factory = DeviceFactory(library, state_dir=config.state_dir)
        self.supervisors: dict[str, DeviceSupervisor] = {}
        self._nodes = NodeWatcher()  # serial nodes that vanished, watched until they come back
        for dev in config.devices:
            device = factory.build(
                dev.id, dev.profile, dev.transport.port, dev.address, dev.transport, options=dev.options
            )
            device.add_event_listener(self._event_hook(dev.id))
            device.add_meter_listener(self._meter_hook(dev.id))
            self.supervisors[dev.id] = DeviceSupervisor(
                device,
                self._availability_changed,
                self._state_changed,
                backoff or Backoff(),
                dev.command_queue,
                node=dev.transport.port if dev.transport.port.startswith("/") else None,  # a device path
                watcher=self._nodes,
            )
            self._availability[dev.id] = Availability(state="offline", reason="not connected yet")
            self._offline[dev.id] = None
        factory.link_all()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def room_id(self) -> str:
        return self.config.room.id

    # -- supervisor callbacks --------------------------------------------------------------------------------
    def _availability_changed(self, device_id: str, online: bool, reason: str | None) -> None:
        self._availability[device_id] = Availability(state="online" if online else "offline", reason=reason)
        if online:
            self._offline.pop(device_id, None)
        else:
            self._offline[device_id] = None
        self._record(Kind.DEVICE_ONLINE if online else Kind.DEVICE_OFFLINE, {"device": device_id, "reason": reason})
        self.bus.publish(AvailabilityChanged(device_id, self._availability[device_id]))

    def _event_hook(self, device_id: str) -> Callable[[str, dict[str, Any]], None]:
        def hook(event: str, data: dict[str, Any]) -> None:
            self.bus.publish(DeviceEventRaised(device_id, DeviceEvent(event=event, data=data)))

        return hook

    def _meter_hook(self, device_id: str) -> Callable[[dict[str, Any]], None]:
        def hook(levels: dict[str, Any]) -> None:
            self.bus.publish(MetersRead(device_id, levels))

        return hook

    def _state_changed(self, device_id: str, snapshot: dict[str, Any]) -> None:
        self._states[device_id] = device_state(self.supervisors[device_id].device.kind, snapshot)
        self.bus.publish(StateChanged(device_id))

    # -- what clients read -----------------------------------------------------------------------------------
    def device_ids(self) -> list[str]:
        return list(self.supervisors)

    def availability(self, device_id: str) -> Availability:
        return self._availability[device_id]

    def state(self, device_id: str) -> Payload | None:
        return self._states.get(device_id)

    def offline_devices(self) -> list[str]:
        """The devices offline now, in config order."""
        if len(self._offline) == len(self._availability):
            return list(self._availability)
        order = self._order
        return sorted(self._offline, key=order.__getitem__)

    def device_entries(self) -> list[DeviceEntry]:
        return [self.device_entry(dev.id) for dev in self.config.devices]

    def device_entry(self, device_id: str) -> DeviceEntry:
        """One device as ``$ctl/devices`` lists it (what it is, and what its identification found)."""
        dev = self._configs[device_id]
        device = self.supervisors[device_id].device
        return DeviceEntry(
            id=dev.id,
            kind=device.kind,
            role=dev.role,
            name=dev.name,
            vendor=device.info.vendor,
            model=device.info.model,
            profile=device.info.profile,
            firmware=device.info.firmware,
            firmware_label=device.info.firmware_label,
            capabilities=list(device.info.capabilities),
            actions=sorted(device.actions),
            events=sorted(device.events),
            details=dict(device.info.extra),
        )

    def device(self, device_id: str) -> Device:
        """The driver object of a device (NOT_FOUND when the room has none)."""
        supervisor = self.supervisors.get(device_id)
        if supervisor is None:
            raise UnknownDevice(f"no device '{device_id}' in room {self.room_id}")
        return supervisor.device

    def ids_of_kind(self, kind: str) -> list[str]:
        return [dev.id for dev in self.config.devices if dev.kind == kind]

    def online(self, device_id: str) -> bool:
        return self._availability[device_id].state == "online"

    def diagnostics(self) -> dict[str, Any]:
        return {dev_id: sup.diagnostics() for dev_id, sup in self.supervisors.items()}

    # -- operations ------------------------------------------------------------------------------------------
    async def execute(
        self,
        device_id: str,
        action: str,
        params: Mapping[str, Any],
        actor: Actor | str = "unknown",
        *,
        ref: str | None = None,
        cause: str | None = None,
        override_reason: str | None = None,
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """Run one device operation for ``actor``; raises a CourtroomError subclass naming what was wrong.

        Journal first, then act: a command that passes its checks is on disk (``device_command``, with ``ref``,
        the sender's request id) before a byte goes to the device, and is refused untouched when the journal
        cannot write it. A command refused by its checks or by a full device queue (``BUSY``) is journaled in the
        background (``device_command_refused``), the outcome of one that ran likewise (``device_command_outcome``,
        also ``SUPERSEDED`` or ``EXPIRED`` for one that waited in the queue and never reached the device).
        ``deadline`` (``time.time()``) is when a waiting command is no longer worth sending.
        """
        who = Actor.of(actor)
        record: dict[str, Any] = {"device": device_id, "action": action, "params": dict(params)}
        if ref is not None:
            record["ref"] = ref
        if cause is not None:
            record["cause"] = cause
        if override_reason is not None:
            record["override_reason"] = override_reason
        supervisor = self.supervisors.get(device_id)
        try:
            if supervisor is None:
                raise UnknownDevice(f"no device '{device_id}' in room {self.room_id}")
            supervisor.device.validate(action, params)
            if self.command_policy is not None:
                self.command_policy(CommandRequest(device_id, action, params, who, cause, override_reason))
            if not supervisor.online:
                raise DeviceOffline(f"{device_id} is offline: {supervisor.reason}")
            spec = supervisor.device.actions[action]
            # a hearing's own step is never refused for lack of room, replaced or expired: it waits its turn
            place = supervisor.queue.admit(
                action, coalesce=spec.coalesce, protected=cause is not None, deadline=None if cause else deadline
            )
        except CourtroomError as exc:
            self._record(Kind.DEVICE_COMMAND_REFUSED, {**record, "outcome": exc.code, "message": str(exc)}, who)
            raise
        try:
            self._commands += 1
            command = record["command"] = f"{self._run}.{self._commands}"  # what its outcome row names
            ahead: int | None = None
            if self.journal is not None:
                if self.config.journal.command_sync == "full":
                    await self.journal.append(Kind.DEVICE_COMMAND, record, actor=who)
                else:  # in the journal's ahead log at once: no wait for a transaction, and a crash cannot lose it
                    ahead = self.journal.log_ahead(Kind.DEVICE_COMMAND, record, actor=who)
            outcome: dict[str, Any] = {"command": command, "device": device_id, "action": action}
            supervisor.queue.ready(place)
            try:
                await supervisor.queue.wait_turn(place)  # Superseded or Expired while it waited: never sent
                result = await supervisor.execute(action, params)
            except CourtroomError as exc:
                self._record(Kind.DEVICE_COMMAND_OUTCOME, {**outcome, "outcome": exc.code, "message": str(exc)}, who)
                raise
        finally:
            supervisor.queue.release(place)
        self._record(Kind.DEVICE_COMMAND_OUTCOME, {**outcome, "outcome": "ok"}, who)
        if ahead is not None and self.journal is not None:
            await self.journal.durable(ahead)  # fsynced while the command was on the wire, as a rule: no wait
        return result

    def _record(self, kind: Kind, data: dict[str, Any], actor: Actor | str = "system") -> None:
        """Journal in the background (written with the journal's next transaction; nobody waits for it)."""
        if self.journal is not None:
            self.journal.record(kind, data, actor=actor)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        for dev_id, sup in self.supervisors.items():
            self._tasks.append(asyncio.create_task(sup.run(), name=f"supervise:{dev_id}"))

    async def stop(self) -> None:
        """Stop every supervisor; each closes its device and reports it offline."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._nodes.close()
        if self.journal is not None:
            await self.journal.flush()
