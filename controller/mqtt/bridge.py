"""The MQTT bridge: the room's one connection to the broker, implementing docs/mqtt.md.

Lifecycle: connect with a last will (``$ctl/state`` offline, retained), publish the whole retained set,
serve commands and requests, republish everything after every reconnect. The room never waits for MQTT:
while the broker is away, state changes only update the room model, and the next connect publishes it.

Who sent a command: MQTT does not tell the receiver the publisher's user name, so a sender that wants to be
known publishes under its own name, ``<device>/cmd/<action>/<user>``, which the broker's ACL (``pattern write
.../cmd/+/%u``) lets only that user do. The journal names it ``mqtt:<user>`` (with the name and role the room
config gives it under ``broker.operators``); the payload's ``actor`` is kept as the person the sender acts for.
A command on the bare topic is served, journaled as ``mqtt`` and marked unverified.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from controller import __version__
from controller.config import BrokerConfig
from controller.eventloop import cancel_and_wait
from controller.events import (
    AvailabilityChanged,
    DeviceEventRaised,
    HearingChanged,
    HearingEventRaised,
    MetersRead,
    StateChanged,
)
from controller.hearing.service import HearingService
from controller.journal import Actor
from controller.journal.checkpoint import Checkpoint, Checkpointer
from controller.mqtt import NO_DELAY
from controller.mqtt.contract import (
    Command,
    ControllerInfo,
    ControllerState,
    DeviceEntry,
    DeviceEvent,
    DeviceList,
    ErrorBody,
    HearingEvent,
    JournalCheckpoint,
    Meter,
    Payload,
    Reply,
    Topics,
)
from controller.mqtt.inbound import (
    MAX_TOPIC_CHARS,
    MAX_WAITING,
    DuplicateMemory,
    RequestError,
    StampedQueue,
    parse,
    peek_id,
    received_at,
    reply_topic,
)
from controller.mqtt.link import CentralLink
from controller.mqtt.memory import BurstTrimmer
from controller.mqtt.outbox import Outbound, Outbox, write_soon
from controller.mqtt.session import SessionCounter
from controller.room import Room
from controller.supervisor import STOPPED, Backoff
from drivers.errors import CourtroomError, ErrorCode, InvalidArgument, Unsupported

log = logging.getLogger(__name__)

MAX_HANDLERS = 256  # inbound messages served at once; the next ones wait, stamped, in arrival order
METER_MAX_HZ = 10.0
MAX_INFLIGHT = 200  # QoS 1 publishes awaiting their PUBACK (paho's default, 20, throttles a burst of replies)
MISSED_MEMORY = 1000  # events kept while the broker is unreachable
PUBLISH_WINDOW = 100  # messages awaiting their PUBACK at once (paho scans them all at every PUBACK)
SUMMARY_DELAY_S = 0.05  # availability changes within this long share one $ctl/state (and $ctl/devices)


class RoomService(Protocol):
    """A room service beside the hearing (the case system's schedule, the live stream)."""

    state_listeners: list[Callable[[], None]]

    def state(self) -> Payload: ...

    async def execute(self, action: str, params: Mapping[str, Any], actor: Actor | str = ...) -> dict[str, Any]: ...


class MqttBridge:
    """Publishes the room and serves its inbound topics; reconnects forever until stopped."""

    def __init__(
        self,
        room: Room,
        broker: BrokerConfig,
        session: SessionCounter,
        hearing: HearingService | None = None,
        checkpoints: Checkpointer | None = None,
    ) -> None:
        self.room = room
        self.hearing = hearing
        self._missed: deque[tuple[str, Payload]] = deque(maxlen=MISSED_MEMORY)  # events while disconnected
        self.broker = broker
        self.topics = Topics(room.room_id)
        self.link = CentralLink(self.topics)  # the room broker's bridge notice: events marked while it is down
        self.session = session
        self.connected = asyncio.Event()
        self.connects = 0
        self._client: aiomqtt.Client | None = None
        self._outbox = Outbox(PUBLISH_WINDOW)
        self._seen = DuplicateMemory()
        self._handlers: set[asyncio.Task[None]] = set()
        self._slot_free = asyncio.Event()  # set when a handler ends
        self._queued = 0  # inbound messages of this connection in the client's queue or about to be served from it
        self._trimmer = BurstTrimmer()  # the C heap's free pages back to the system after a burst
        self._stopping = False
        self._entries: dict[str, DeviceEntry] = {d: room.device_entry(d) for d in room.device_ids()}  # as published
        self._devices_dirty = False
        self._summary_timer: asyncio.TimerHandle | None = None
        bus = room.bus
        bus.subscribe("mqtt", AvailabilityChanged, lambda e: self._availability_changed(e.device_id))
        bus.subscribe("mqtt", StateChanged, lambda e: self._state_changed(e.device_id))
        bus.subscribe("mqtt", DeviceEventRaised, lambda e: self._device_event(e.device_id, e.event))
        bus.subscribe("mqtt", MetersRead, lambda e: self._device_meter(e.device_id, e.levels))
        bus.subscribe("mqtt", HearingChanged, lambda _e: self._hearing_changed())
        bus.subscribe("mqtt", HearingEventRaised, lambda e: self._hearing_event(e.event))
        self._last_meter: dict[str, float] = {}
        if hearing is not None and hearing.journal is not None:
            hearing.journal.status_listeners.append(self._journal_status)
        self.checkpoints = checkpoints
        if checkpoints is not None:
            checkpoints.listeners.append(self._checkpoint)
        self.services: dict[str, RoomService] = {}  # cases, stream: `<name>/cmd/<action>` and `<name>/state`

    def add_service(self, name: str, service: RoomService) -> None:
        """Serve a room service's commands on ``<name>/cmd/<action>``, its state retained on ``<name>/state``."""
        self.services[name] = service
        topic = self.topics.service_state(name)
        service.state_listeners.append(lambda: self._send(topic, service.state(), retain=True))

    # -- outbound --------------------------------------------------------------------------------------------
    def _send(
        self,
        topic: str,
        payload: Payload,
        qos: int = 1,
        retain: bool = False,
        props: Properties | None = None,
        *,
        now: bool = False,
    ) -> None:
        """Publish without waiting, in call order (``outbox.py``): handed to the MQTT client at once when the
        window of messages awaiting their PUBACK has room. Nothing is sent while disconnected: the whole
        retained set goes out again on the next connect."""
        if self._client is None or not self.connected.is_set():
            return
        self._outbox.send(Outbound(topic, payload.encode(), qos, retain, props), now=now)

    def _controller_state(self, state: str | None = None) -> ControllerState:
        offline = self.room.offline_devices()
        journal = self.hearing.journal if self.hearing is not None else None
        status = journal.status if journal is not None else "ok"
        if state is None:
            state = "degraded" if offline or status == "unavailable" else "online"
        return ControllerState(state=state, session=self.session.value, offline_devices=offline, journal=status)

    def _journal_status(self) -> None:
        self._send(self.topics.ctl_state, self._controller_state(), retain=True)

    def _checkpoint(self, checkpoint: Checkpoint) -> None:
        """Publish a signed checkpoint retained on ``$ctl/journal``: the platform keeps it as an anchor."""
        payload = JournalCheckpoint(
            room_id=checkpoint.room_id,
            seq=checkpoint.seq,
            hash=checkpoint.hash,
            signed_ts=checkpoint.signed_ts,
            key_fingerprint=checkpoint.key,
            signature=checkpoint.signature,
            checkpoint_seq=checkpoint.checkpoint_seq,
        )
        self._send(self.topics.ctl_journal, payload, retain=True)

    def _availability_changed(self, device_id: str) -> None:
        """The device's availability at once; ``$ctl/state`` (its offline list) and ``$ctl/devices`` (when this
        device's entry changed, e.g. its identification found the firmware) for a whole burst of changes at
        the end of it: a change costs the same with 14 devices or 1000, not a rebuild of every list."""
        self._send(self.topics.availability(device_id), self.room.availability(device_id), retain=True)
        entry = self.room.device_entry(device_id)
        if self._entries.get(device_id) != entry:
            self._entries[device_id] = entry
            self._summary_soon(devices=True)
        else:
            self._summary_soon()

    def _summary_soon(self, devices: bool = False) -> None:
        self._devices_dirty = self._devices_dirty or devices
        if self._summary_timer is None and not self._stopping:
            self._summary_timer = asyncio.get_running_loop().call_later(SUMMARY_DELAY_S, self._publish_summary)

    def _publish_summary(self) -> None:
        self._summary_timer = None
        if self._devices_dirty:
            self._devices_dirty = False
            self._send(self.topics.ctl_devices, DeviceList(devices=list(self._entries.values())), retain=True)
        self._send(self.topics.ctl_state, self._controller_state(), retain=True)

    def _state_changed(self, device_id: str) -> None:
        state = self.room.state(device_id)
        if state is not None:
            self._send(self.topics.device_state(device_id), state, retain=True)

    def _device_event(self, device_id: str, event: DeviceEvent) -> None:
        self._send_event(self.topics.event(device_id), event)

    def _device_meter(self, device_id: str, levels: dict[str, Any]) -> None:
        """Levels at QoS 0, at most METER_MAX_HZ per device; dropped while disconnected (they are momentary)."""
        now = time.monotonic()
        if now - self._last_meter.get(device_id, float("-inf")) < 1 / METER_MAX_HZ:
            return
        self._last_meter[device_id] = now
        self._send(self.topics.meter(device_id), Meter(seats=levels.get("seats", levels)), qos=0)

    def _hearing_changed(self) -> None:
        if self.hearing is not None:
            self._send(self.topics.hearing_state, self.hearing.state(), retain=True)

    def _hearing_event(self, event: HearingEvent) -> None:
        self._send_event(self.topics.hearing_event, event)

    def _send_event(self, topic: str, event: DeviceEvent | HearingEvent) -> None:
        """Events are momentary, so they are not in the retained set: those that happen while the broker is
        away are kept (the last MISSED_MEMORY) and sent after the reconnect, marked ``replayed``; so are those
        published while the room's link to the central cluster is down (``link.py``)."""
        event = self.link.mark(event)
        if self._client is None or not self.connected.is_set():
            self._missed.append((topic, event.model_copy(update={"replayed": True})))
            return
        self._send(topic, event)

    def publish_all(self) -> None:
        """Queue the whole retained set: controller state, info, devices, each availability and state."""
        self._send(self.topics.ctl_state, self._controller_state(), retain=True)
        info = ControllerInfo(
            room_id=self.room.room_id,
            room_name=self.room.config.room.name,
            daemon_version=__version__,
            started_ts=self.room.started_ms,
            profiles=sorted(self.room.library.models),
        )
        self._send(self.topics.ctl_info, info, retain=True)
        self._entries = {entry.id: entry for entry in self.room.device_entries()}
        self._send(self.topics.ctl_devices, DeviceList(devices=list(self._entries.values())), retain=True)
        for device_id in self.room.device_ids():
            self._send(self.topics.availability(device_id), self.room.availability(device_id), retain=True)
            self._state_changed(device_id)
        self._hearing_changed()
        for name, service in self.services.items():
            self._send(self.topics.service_state(name), service.state(), retain=True)
        if self.checkpoints is not None and self.checkpoints.latest is not None:
            self._checkpoint(self.checkpoints.latest)

    # -- connection ------------------------------------------------------------------------------------------
    def _make_client(self, session: int) -> aiomqtt.Client:
        """A client whose last will carries ``session``, the number this connection gets when it succeeds."""
        will = aiomqtt.Will(
            self.topics.ctl_state,
            ControllerState(state="offline", session=session).encode(),
            1,
            True,
        )
        tls: ssl.SSLContext | None = None
        if self.broker.tls:
            tls = ssl.create_default_context(cafile=str(self.broker.ca_file) if self.broker.ca_file else None)
        client = aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            username=self.broker.username,
            password=self.broker.password(),
            identifier=f"courtroom-{self.room.room_id}",
            protocol=aiomqtt.ProtocolVersion.V5,
            will=will,
            clean_start=True,  # commands queued while we were away must not fire late
            keepalive=self.broker.keepalive_s,
            tls_context=tls,
            timeout=10,
            socket_options=NO_DELAY,
            queue_type=self._inbound_queue(),  # each inbound message notes when it was read
            max_inflight_messages=MAX_INFLIGHT,
        )
        # Publishes are pipelined (see _send): the whole retained set is in flight at once after a connect.
        client.pending_calls_threshold = 1000
        write_soon(client)
        return client

    def _inbound_queue(self) -> type[StampedQueue]:
        bridge = self

        class Inbound(StampedQueue):
            def put_nowait(self, item: Any) -> None:
                bridge._trimmer.note()
                super().put_nowait(item)

            def overflow(self, item: Any) -> bool:
                return bridge._refuse_overflow(item)

            def take(self, item: Any) -> bool:
                return bridge._take(item)

            def queued(self, item: Any) -> None:
                bridge._queued += 1

        return Inbound

    def _take(self, message: aiomqtt.Message) -> bool:
        """Serve a message the moment it is read, when nothing waits before it and a handler is free (True):
        the client's own iterator costs a task, an ``asyncio.wait`` and three loop turns per message. Else it
        is queued (False) and served in arrival order by the connection loop (``_serve_one``). The room
        broker's bridge notice is the link's (``link.py``), whichever way it comes."""
        if self.link.take(message):
            return True
        if self._queued or len(self._handlers) >= MAX_HANDLERS:
            return False
        self._start_handler(message)
        return True

    def _refuse_overflow(self, message: aiomqtt.Message) -> bool:
        """A message that found MAX_WAITING others waiting: BUSY at once, on its default reply topic; a hearing
        operation is never refused for it: it waits (True: refused)."""
        topic = message.topic.value
        if topic.startswith(f"{self.topics.root}/hearing/cmd/") or topic == self.link.topic:
            return False
        reply = _error_reply(
            peek_id(message.payload), "BUSY", f"{MAX_WAITING} requests are waiting to be served; try again shortly"
        )
        self._send(self.topics.reply_to(topic), reply)
        return True

    async def run(self) -> None:
        """Connect, serve, and reconnect until cancelled: a refused connect costs little, so the broker is tried
        again every second or so (jittered, see ``Backoff``) and the room is back within about a second of it."""
        delays = Backoff().delays()
        failures = 0
        while not self._stopping:
            client = self._make_client(self.session.value + 1)
            try:
                async with client:
                    self.session.next()  # a session is a connection the broker accepted, not an attempt
                    self._client = client
                    self._outbox.attach(client)
                    delays = Backoff().delays()  # connected: a later loss starts again from the short first wait
                    failures = 0
                    await self._serve(client)
            except aiomqtt.MqttError as exc:
                failures += 1  # said once a minute while the broker stays away, not every second
                level = logging.WARNING if failures % 60 == 1 else logging.DEBUG
                log.log(level, "MQTT: %s; reconnecting (attempt %d)", exc, failures)
            finally:
                self._client = None
                self._outbox.attach(None)
                self.connected.clear()
            await asyncio.sleep(delays())

    async def _serve(self, client: aiomqtt.Client) -> None:
        self.connects += 1
        self.connected.set()
        self.publish_all()
        while self._missed:
            topic, event = self._missed.popleft()
            self._send(topic, event)
        self._queued = 0  # a new client, a new (empty) queue
        for topic_filter in self.topics.inbound_filters:
            # retain-as-published: a command published retained is seen as such even when delivered live
            await client.subscribe(topic_filter, options=SubscribeOptions(qos=1, retainAsPublished=True))
        await self.link.watch(client)
        log.info("MQTT: connected to %s:%d, session %d", self.broker.host, self.broker.port, self.session.value)
        async for message in client.messages:
            if not self.link.take(message):
                await self._serve_one(message)

    async def stop(self, run_task: asyncio.Task[None]) -> None:
        """Clean shutdown: every device offline, then ``$ctl/state`` offline, then disconnect."""
        self._stopping = True
        self.room.bus.unsubscribe("mqtt")  # a change from now on is not published after the offline set below
        self._trimmer.close()
        if self._summary_timer is not None:  # the final $ctl/state below says it all
            self._summary_timer.cancel()
            self._summary_timer = None
        for task in list(self._handlers):
            task.cancel()
        client = self._client
        if client is not None and self.connected.is_set():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._outbox.drain(), 5)
                # devices the room's stop has not already published offline (all of them when the room still
                # runs): every PUBACK awaited together, not one round trip after the other
                for device_id in self.room.device_ids():
                    if (availability := self.room.availability(device_id)).reason != STOPPED:
                        offline = availability.model_copy(update={"state": "offline", "reason": STOPPED})
                        self._outbox.send(Outbound(self.topics.availability(device_id), offline.encode(), 1, True))
                await asyncio.wait_for(self._outbox.drain(), 5)
                await client.publish(
                    self.topics.ctl_state, self._controller_state("offline").encode(), qos=1, retain=True
                )
        # bounded: a stop must end even if the connection loop is stuck inside the MQTT client (SIGTERM exits);
        # the cancel is sent again while it lives (a cancel swallowed by the client's subscribe: eventloop.py)
        if await cancel_and_wait([run_task]):
            log.warning("MQTT: the connection loop did not end within 5 s of the stop; leaving it")
        elif not run_task.cancelled() and run_task.exception() is not None:
            log.warning("MQTT: the connection loop ended with %r", run_task.exception())

    # -- inbound ---------------------------------------------------------------------------------------------
    async def _serve_one(self, message: aiomqtt.Message) -> None:
        """Serve a queued inbound message in a task of its own, at most MAX_HANDLERS at once: under a flood the
        rest wait in the client's queue (stamped when read, so a device command that waited too long expires
        there) instead of as thousands of tasks. Messages that find nothing queued start at once (``_take``)."""
        try:
            while len(self._handlers) >= MAX_HANDLERS:
                self._slot_free.clear()
                await self._slot_free.wait()
            self._start_handler(message)
        finally:
            self._queued = max(0, self._queued - 1)

    def _start_handler(self, message: aiomqtt.Message) -> None:
        task = asyncio.create_task(self._handle(message))
        self._handlers.add(task)
        task.add_done_callback(self._handler_done)

    def _handler_done(self, task: asyncio.Task[None]) -> None:
        self._handlers.discard(task)
        self._slot_free.set()

    async def _handle(self, message: aiomqtt.Message) -> None:
        """Answer one inbound message. Nothing escapes: a payload beyond the limits is refused naming the limit,
        a bug becomes an ``INTERNAL`` reply and a log line."""
        topic = message.topic.value
        props = message.properties
        reply_props: Properties | None = None
        correlation = getattr(props, "CorrelationData", None)
        if correlation is not None:
            reply_props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            reply_props.CorrelationData = correlation
        to = self.topics.reply_to(topic)
        request_id: Any = None
        try:
            to, refusal = reply_topic(self.topics, topic, getattr(props, "ResponseTopic", None))
            if len(topic) > MAX_TOPIC_CHARS:
                raise RequestError("INVALID_ARGUMENT", f"topic of {len(topic)} characters; at most {MAX_TOPIC_CHARS}")
            command = parse(
                message.payload,
                retain=bool(message.retain),
                max_age_s=self.broker.command_max_age_s,
                max_skew_s=self.broker.clock_skew_s,
            )
            request_id = command.id
            if refusal is not None:
                raise refusal
            reply = await self._dedupe(topic, command, self._deadline(command, props, received_at(message)))
        except RequestError as exc:
            reply = _error_reply(request_id if request_id is not None else peek_id(message.payload), exc.code, str(exc))
        except Exception as exc:
            log.exception("inbound message on %.200s", topic)
            reply = _error_reply(request_id, "INTERNAL", f"{type(exc).__name__}: {exc}"[:400])
        try:
            self._send(to, reply, props=reply_props, now=True)  # on the wire before anything else of this turn
        except Exception as exc:  # a reply that cannot be encoded (a lone surrogate in its id): answer without it
            log.warning("reply on %.200s cannot be sent: %s", to, exc)
            self._send(to, _error_reply(None, "BAD_REQUEST", "the request's id cannot be echoed"), props=reply_props)

    def _deadline(self, command: Command, props: Properties | None, received: float | None = None) -> float:
        """When a device command still waiting is no longer worth sending (``time.time()``): its ``ts`` (or its
        arrival) plus ``command_max_age_s``; sooner, its MQTT v5 message expiry; and at the latest
        ``command_max_wait_s`` after the daemon read it from the broker (``received``, ``time.monotonic()``),
        so a flood the daemon cannot keep up with is answered EXPIRED instead of moving cameras late."""
        now = time.time()
        deadline = (command.ts / 1000 if command.ts is not None else now) + self.broker.command_max_age_s
        expiry = getattr(props, "MessageExpiryInterval", None)
        if isinstance(expiry, int) and expiry > 0:
            deadline = min(deadline, now + expiry)
        if received is not None:
            deadline = min(deadline, now - (time.monotonic() - received) + self.broker.command_max_wait_s)
        return deadline

    async def _dedupe(self, topic: str, command: Command, deadline: float | None = None) -> Reply:
        """Answer a repeated id from memory (QoS 1 may deliver twice) without acting again."""
        key = json.dumps(command.id)
        earlier = self._seen.get(topic, key)
        if earlier is not None:
            return await asyncio.shield(earlier)
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._seen.put(topic, key, future)
        try:
            reply = await self._dispatch(topic, command, deadline)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here; a repeat re-raises it
            raise
        future.set_result(reply)
        return reply

    def _actor(self, topic: str, command: Command) -> Actor:
        """Who sent a command: the MQTT user its topic names (the ACL lets only that user publish there), or an
        unverified ``mqtt`` for the bare topic; the payload's ``actor`` is whom the sender acts for."""
        user = self.topics.sender(topic)
        on_behalf = command.actor or ""
        if user is None:
            return Actor("mqtt", verified=False, on_behalf=on_behalf)
        operator = self.broker.operators.get(user)
        name, role = (operator.name, operator.role) if operator is not None else ("", "")
        return Actor(f"mqtt:{user}", name=name, role=role, on_behalf=on_behalf)

    async def _dispatch(self, topic: str, command: Command, deadline: float | None = None) -> Reply:
        rest = topic[len(self.topics.root) + 1 :].split("/")
        actor = self._actor(topic, command)
        try:
            if rest[0] == "$ctl":
                data = await self._request(rest[2], command)
            elif rest[0] == "hearing":
                if self.hearing is None:
                    raise Unsupported("this daemon runs no hearing service")
                data = await self.hearing.execute(rest[2], command.params(), actor=actor)
            elif rest[0] in self.services:
                data = await self.services[rest[0]].execute(rest[2], command.params(), actor=actor)
            else:
                params = command.params()
                reason = params.pop("override_reason", None)
                if reason is not None and (not isinstance(reason, str) or not 4 <= len(reason.strip()) <= 500):
                    raise InvalidArgument("override_reason: a written reason of 4 to 500 characters")
                data = await self.room.execute(
                    rest[0],
                    rest[2],
                    params,
                    actor=actor,
                    ref=str(command.id),
                    override_reason=reason,
                    deadline=deadline,
                )
        except CourtroomError as exc:
            return _error_reply(command.id, exc.code, str(exc))
        except Exception as exc:
            log.exception("command on %s failed", topic)
            return _error_reply(command.id, "INTERNAL", f"{type(exc).__name__}: {exc}")
        return Reply(id=command.id, status="ok", data=data)

    async def _request(self, op: str, command: Command) -> dict[str, Any]:
        if op == "republish":
            self.publish_all()
            return {"republished": True}
        if op == "diagnostics":
            return {
                "session": self.session.value,
                "mqtt_connects": self.connects,
                "started_ts": self.room.started_ms,
                "devices": self.room.diagnostics(),
                "mqtt": {
                    "remembered_ids": len(self._seen),
                    "serving": len(self._handlers),
                    "publishing": len(self._outbox),
                    "missed_events": len(self._missed),
                    "central_link": self.link.diagnostics(),
                    "memory_trims": self._trimmer.trims,
                },
            }
        if op == "reload":
            raise Unsupported("reload is not implemented yet: restart the service to load a new config")
        raise RequestError("NOT_FOUND", f"unknown request '{op}' (known: republish, diagnostics, reload)")


def _error_reply(request_id: Any, code: ErrorCode, message: str) -> Reply:
    return Reply(id=request_id, status="error", error=ErrorBody(code=code, message=message))
