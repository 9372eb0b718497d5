"""The room's link to the court's central cluster, as the room broker's bridge reports it.

The room's mosquitto bridges its topics to the central cluster (``controller/fleet/bridge.py``) and publishes
the bridge's connection state, retained, on its local side: ``courtroom/v1/<room>/$bridge/connection`` ``1``
(connected) or ``0`` (not). While the link is down the room broker queues what goes out and sends it, in order,
when a central node answers again: the central platform gets those messages late. The daemon watches the
notice on its own broker and marks each event it publishes while the link is down ``replayed`` with
``link_down_ts`` (when the daemon learned the link was down), so the central side knows the event did not
arrive live. A client in the room got the same message live; for it the mark only says that the centre got it
late.

Link states: ``up``, ``down``, and ``unknown`` until a notice has been seen on the present connection to the
room broker (a room without a bridge stays ``unknown``, which marks nothing). A loss the bridge has not noticed
yet (a silent WAN is found by its keepalive, up to 1.5 ``keepalive_interval``) is not marked either: the
event's ``ts`` against its arrival still shows the delay.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import aiomqtt

from controller.model import DeviceEvent, HearingEvent, now_ms
from controller.mqtt.contract import Topics

log = logging.getLogger(__name__)

LinkState = Literal["up", "down", "unknown"]
NOTICE_SUFFIX = "$bridge/connection"
Event = DeviceEvent | HearingEvent


def notice_topic(topics: Topics) -> str:
    """The room broker's retained bridge notice for a room (the bridge's name is the room id)."""
    return f"{topics.root}/{NOTICE_SUFFIX}"


class CentralLink:
    """The last bridge notice the daemon saw, and the mark it puts on events published while the link is down."""

    def __init__(self, topics: Topics) -> None:
        self.topic = notice_topic(topics)
        self.state: LinkState = "unknown"
        self.since_ms: int | None = None  # when the daemon saw the present state begin (None while unknown)
        self.outages = 0  # times the link was seen going down
        self._before: tuple[LinkState, int | None] | None = None  # the state before a reconnect to the room broker

    async def watch(self, client: aiomqtt.Client) -> None:
        """Subscribe on a new connection to the room broker; the state is unknown until the retained notice
        (which, when it says what it said before, continues the same state: an outage is counted once)."""
        if self.state != "unknown":
            self._before = (self.state, self.since_ms)
        self.state, self.since_ms = "unknown", None
        await client.subscribe(self.topic, qos=1)

    def take(self, message: aiomqtt.Message) -> bool:
        """Apply ``message`` if it is the bridge notice (True: it was, and nothing else must serve it)."""
        if message.topic.value != self.topic:
            return False
        self.apply(message.payload if isinstance(message.payload, bytes) else b"")
        return True

    def apply(self, payload: bytes) -> None:
        """``1`` up, ``0`` down; anything else is logged and leaves the state as it was."""
        if payload not in (b"0", b"1"):
            log.warning(
                "bridge notice %s: expected 0 or 1, got %.40r; link state stays %s", self.topic, payload, self.state
            )
            return
        state: LinkState = "up" if payload == b"1" else "down"
        if state == self.state:
            return
        before, self._before = self._before, None
        if self.state == "unknown" and before is not None and before[0] == state:
            self.state, self.since_ms = before
            return
        if state == "down":
            self.outages += 1
            log.warning("the room's link to the central cluster is down: events are marked replayed until it is back")
        elif self.state == "down":
            log.info(
                "the room's link to the central cluster is back after %.1f s", (now_ms() - (self.since_ms or 0)) / 1000
            )
        self.state, self.since_ms = state, now_ms()

    def mark(self, event: Event) -> Event:
        """``event`` as published now: marked ``replayed`` with ``link_down_ts`` while the link is down."""
        if self.state != "down":
            return event
        return event.model_copy(update={"replayed": True, "link_down_ts": self.since_ms})

    def diagnostics(self) -> dict[str, Any]:
        return {"state": self.state, "since_ts": self.since_ms, "outages": self.outages}
