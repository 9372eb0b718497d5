"""Simulated rooms for the fleet: each speaks the room contract (docs/mqtt.md) without devices behind it.

A ``LoadRoom`` has ``devices`` cameras and displays, each with its retained ``state`` and ``availability``, the
controller's ``$ctl/state``, ``$ctl/info`` and ``$ctl/devices``, and ``hearing/state``. While it runs it changes
a device's state now and then, sends device and hearing events (numbered: ``data.seq``), meters when asked, and
answers ``$ctl/request/republish`` with its retained set. Every payload has ``ts`` (epoch ms) from the moment it
is handed to the client, so a receiver measures how stale it is.

Used by the fleet's cluster tests (rooms beside a real daemon), ``bench/fleet.py`` (hundreds of rooms through one
client) and ``courtroom fleet simulate`` (more rooms for the demo).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import aiomqtt

from controller.fleet.model import now_ms
from controller.mqtt import NO_DELAY
from controller.mqtt.contract import TOPIC_PREFIX

PHASES = ("idle", "ready", "in_session", "interrupted", "closed")


@dataclass
class LoadRoom:
    room_id: str
    devices: int = 30
    name: str = ""
    seed: int = 0
    session: int = 1
    phase: str = "idle"
    event_seq: int = 0
    offline: set[str] = field(default_factory=set)
    rng: random.Random = field(init=False)
    zoom: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.room_id}:{self.seed}")
        self.name = self.name or f"模拟法庭 {self.room_id}"

    @property
    def root(self) -> str:
        return f"{TOPIC_PREFIX}/{self.room_id}"

    def device_ids(self) -> list[str]:
        return [f"{'cam' if i % 3 else 'disp'}-{i:02d}" for i in range(self.devices)]

    def _msg(self, leaf: str, data: dict[str, Any]) -> tuple[str, bytes]:
        return f"{self.root}/{leaf}", json.dumps({**data, "ts": now_ms()}, ensure_ascii=False).encode()

    def controller_state(self) -> tuple[str, bytes]:
        state = "degraded" if self.offline else "online"
        return self._msg(
            "$ctl/state",
            {"state": state, "session": self.session, "offline_devices": sorted(self.offline), "journal": "ok"},
        )

    def will(self) -> tuple[str, bytes]:
        return self._msg(
            "$ctl/state", {"state": "offline", "session": self.session, "offline_devices": [], "journal": "ok"}
        )

    def device_state(self, device: str) -> tuple[str, bytes]:
        if device.startswith("cam"):
            data: dict[str, Any] = {
                "power": True,
                "zoom": self.zoom.get(device, 0),
                "pan": 0,
                "tilt": 0,
                "moving": False,
                "preset": None,
            }
        else:
            data = {
                "power": True,
                "power_state": "on",
                "input": "hdmi1",
                "volume": 10,
                "mute": False,
                "av_mute": False,
                "errors": {},
                "lamp_hours": [],
            }
        return self._msg(f"{device}/state", data)

    def availability(self, device: str) -> tuple[str, bytes]:
        offline = device in self.offline
        return self._msg(
            f"{device}/availability",
            {"state": "offline" if offline else "online", "reason": "no reply (simulated)" if offline else None},
        )

    def hearing_state(self) -> tuple[str, bytes]:
        recording = "recording" if self.phase == "in_session" else "not_recording"
        return self._msg(
            "hearing/state",
            {
                "state": self.phase,
                "hearing_id": None,
                "case_no": f"(2026)模{self.room_id[-3:]}号" if self.phase != "idle" else None,
                "title": None,
                "parties": [],
                "opened_ts": None,
                "since_ts": now_ms(),
                "recording": recording,
                "recorders": {},
                "recorded_s": 0.0,
                "interruption": None,
                "alarms": [],
                "check": None,
                "voice_follow": {"enabled": False},
                "marks": 0,
            },
        )

    def retained_set(self) -> list[tuple[str, bytes]]:
        """Everything a room keeps retained, in the order a daemon publishes it after a connect."""
        out = [
            self.controller_state(),
            self._msg(
                "$ctl/info",
                {
                    "room_id": self.room_id,
                    "room_name": self.name,
                    "daemon_version": "loadgen",
                    "contract_version": "1.0",
                    "started_ts": now_ms(),
                    "profiles": [],
                },
            ),
            self._msg(
                "$ctl/devices",
                {
                    "devices": [
                        {"id": d, "kind": "camera" if d.startswith("cam") else "display"} for d in self.device_ids()
                    ]
                },
            ),
        ]
        for device in self.device_ids():
            out.append(self.availability(device))
            out.append(self.device_state(device))
        out.append(self.hearing_state())
        return out

    def change(self) -> tuple[str, bytes]:
        """One device's state changes (a zoom moved)."""
        device = self.rng.choice([d for d in self.device_ids() if d.startswith("cam")] or self.device_ids())
        self.zoom[device] = self.rng.randrange(0, 16384)
        return self.device_state(device)

    def hearing_event(self, event: str = "mark") -> tuple[str, bytes]:
        self.event_seq += 1
        return self._msg(
            "hearing/event",
            {
                "event": event,
                "hearing_id": None,
                "severity": "info",
                "data": {"seq": self.event_seq},
                "replayed": False,  # a generated room does not watch its link (controller/mqtt/link.py does)
                "link_down_ts": None,
            },
        )

    def meter(self, device: str) -> tuple[str, bytes]:
        return self._msg(f"{device}/meter", {"levels": {"1": round(self.rng.uniform(-60, 0), 1)}})


RETAINED_LEAVES = ("state", "availability", "info", "devices")


def is_retained(topic: str) -> bool:
    return topic.rsplit("/", 1)[1] in RETAINED_LEAVES


async def publish(client: aiomqtt.Client, messages: Iterable[tuple[str, bytes]]) -> None:
    """QoS 1, retained where the contract says; pipelined (the PUBACKs are awaited together)."""
    await asyncio.gather(*(client.publish(t, p, qos=1, retain=is_retained(t)) for t, p in messages))


async def serve_rooms(
    client: aiomqtt.Client,
    rooms: list[LoadRoom],
    change_every_s: float = 10.0,
    event_every_s: float = 30.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Publish each room's retained set, then changes and events at the given mean interval per room, and
    answer republish requests, until ``stop`` is set (or cancelled)."""
    by_id = {room.room_id: room for room in rooms}
    for room in rooms:
        await publish(client, room.retained_set())
    await client.subscribe(f"{TOPIC_PREFIX}/+/$ctl/request/#", qos=1)

    async def answer() -> None:
        async for message in client.messages:
            room = by_id.get(str(message.topic.value).split("/")[2])
            if room is not None and "/$ctl/request/republish" in message.topic.value:
                await publish(client, room.retained_set())

    answering = asyncio.create_task(answer())
    rate = len(rooms) / change_every_s + len(rooms) / event_every_s
    rng = random.Random(len(rooms))
    try:
        while stop is None or not stop.is_set():
            # one message at a time at the combined rate, as many rooms acting independently would
            await asyncio.sleep(rng.expovariate(rate) if rate > 0 else 1.0)
            room = rng.choice(rooms)
            if rng.random() < (1 / change_every_s) / ((1 / change_every_s) + (1 / event_every_s)):
                topic, payload = room.change()
            else:
                topic, payload = room.hearing_event()
            await client.publish(topic, payload, qos=1, retain=is_retained(topic))
    finally:
        answering.cancel()
        await asyncio.gather(answering, return_exceptions=True)


def room_client(host: str, port: int, room: LoadRoom | None = None, **kwargs: Any) -> aiomqtt.Client:
    """A client for simulated rooms; with ``room``, its will is that room's ``$ctl/state`` offline."""
    will = None
    if room is not None:
        topic, payload = room.will()
        will = aiomqtt.Will(topic, payload, 1, True)
    client = aiomqtt.Client(host, port, will=will, socket_options=NO_DELAY, **kwargs)
    client.pending_calls_threshold = 1_000_000  # a room's whole retained set is in flight at once
    return client
