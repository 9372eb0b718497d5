"""The fleet view's model: every room's state, from the messages under ``courtroom/v1/+/#`` on the central broker.

A room is known from its first message. Its tile shows the controller's state, the hearing (phase, case,
recording), offline devices, alarms and when it was last heard from. A room "stops reporting" (its tile turns
grey, with the time it was last seen) when its bridge's notification says the WAN link is down, when its
controller's last will says offline, or when nothing came from it for ``stale_after_s``.

The link's outages: while the bridge notice says ``0`` the tile says since when; after the ``1``, how long the
last outage lasted and how many late events (``replayed`` with ``link_down_ts``, docs/mqtt.md) the room's
queue delivered for it. The times are when the view saw the notices, except an outage's start, which a late
event moves to the room's own ``link_down_ts`` when that is earlier (the central side notices a silent link
only when its keepalive runs out).
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from controller.mqtt.contract import TOPIC_PREFIX

PREFIX = TOPIC_PREFIX + "/"
STALENESS_SAMPLES = 200_000  # publish -> model delays kept for the figures (bench/fleet.py)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class RoomView:
    """What the fleet knows of one room."""

    room_id: str
    name: str = ""
    controller: str = "unknown"  # online | degraded | offline | unknown ($ctl/state)
    session: int = 0
    journal: str = "unknown"
    devices: dict[str, str] = field(default_factory=dict)  # device id -> online | offline (availability)
    device_count: int = 0  # from $ctl/devices
    hearing: str = "unknown"  # the hearing phase (hearing/state)
    case_no: str | None = None
    recording: str = "unknown"
    alarms: list[dict[str, Any]] = field(default_factory=list)
    bridge: str = "unknown"  # connected | disconnected | unknown (the room broker's bridge notification)
    link_down_since_ms: int | None = None  # while disconnected: since when
    last_outage: tuple[int, int] | None = None  # the last outage that ended: (from, to), epoch ms
    late_events: int = 0  # events marked replayed with link_down_ts since the last outage began
    last_seen_ms: int = 0  # when the fleet view last received anything from the room
    messages: int = 0
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=20))

    @property
    def offline_devices(self) -> list[str]:
        return sorted(d for d, s in self.devices.items() if s == "offline")

    def level(self, now: int, stale_after_ms: int) -> str:
        """``stale`` (grey), ``error`` (critical alarm or controller offline), ``warning``, or ``ok``."""
        if self.bridge == "disconnected" or self.controller == "offline" or now - self.last_seen_ms > stale_after_ms:
            return "stale"
        if any(a.get("severity") == "critical" for a in self.alarms):
            return "error"
        if (
            self.controller == "degraded"
            or self.offline_devices
            or self.alarms
            or self.journal not in ("ok", "unknown")
        ):
            return "warning"
        return "ok"

    def summary(self, now: int, stale_after_ms: int) -> dict[str, Any]:
        return {
            "room_id": self.room_id,
            "name": self.name,
            "level": self.level(now, stale_after_ms),
            "controller": self.controller,
            "journal": self.journal,
            "hearing": self.hearing,
            "case_no": self.case_no,
            "recording": self.recording,
            "offline_devices": self.offline_devices,
            "devices": self.device_count or len(self.devices),
            "alarms": [{"severity": a.get("severity"), "message": a.get("message")} for a in self.alarms],
            "bridge": self.bridge,
            "link": self.link(now),
            "last_seen_ms": self.last_seen_ms,
            "events": list(self.events)[-5:],
        }

    def link(self, now: int) -> dict[str, Any]:
        """The room's link to the central cluster: ``state``, ``down_since_ms`` and ``down_s`` while it is down,
        ``last_outage`` (``from_ms``, ``to_ms``, ``s``) once one ended, ``late_events``."""
        out: dict[str, Any] = {"state": {"connected": "up", "disconnected": "down"}.get(self.bridge, "unknown")}
        if self.link_down_since_ms is not None:
            out |= {"down_since_ms": self.link_down_since_ms, "down_s": max(0, now - self.link_down_since_ms) // 1000}
        if self.last_outage is not None:
            start, end = self.last_outage
            out["last_outage"] = {"from_ms": start, "to_ms": end, "s": max(0, end - start) // 1000}
        if self.late_events:
            out["late_events"] = self.late_events
        return out

    def link_notice(self, up: bool, received: int) -> None:
        if up:
            self.last_seen_ms = received
            if self.link_down_since_ms is not None:
                self.last_outage = (self.link_down_since_ms, received)
                self.link_down_since_ms = None
            self.bridge = "connected"
        elif self.bridge != "disconnected":
            self.bridge = "disconnected"
            self.link_down_since_ms = received
            self.late_events = 0

    def late_event(self, link_down_ts: int) -> None:
        """A late event the room's queue delivered: it dates the outage's start from the room's side."""
        self.late_events += 1
        if self.link_down_since_ms is not None:
            self.link_down_since_ms = min(self.link_down_since_ms, link_down_ts)
        elif self.last_outage is not None and link_down_ts < self.last_outage[0]:
            self.last_outage = (link_down_ts, self.last_outage[1])


class FleetModel:
    """Applies messages; never raises on a bad one (it is counted in ``rejected``)."""

    def __init__(self, stale_after_s: float = 300.0) -> None:
        self.rooms: dict[str, RoomView] = {}
        self.stale_after_ms = int(stale_after_s * 1000)
        self.messages = 0
        self.rejected = 0
        self.last_rejected: str | None = None
        self.staleness_ms: deque[int] = deque(maxlen=STALENESS_SAMPLES)

    def room(self, room_id: str) -> RoomView:
        view = self.rooms.get(room_id)
        if view is None:
            view = self.rooms[room_id] = RoomView(room_id)
        return view

    def apply(self, topic: str, payload: bytes, received_ms: int | None = None) -> None:
        received = now_ms() if received_ms is None else received_ms
        parts = topic[len(PREFIX) :].split("/") if topic.startswith(PREFIX) else []
        if len(parts) < 3 or not parts[0]:
            self._reject(topic, "not a room topic")
            return
        room_id, subject, leaf = parts[0], parts[1], parts[2]
        if subject == "$bridge":
            if leaf == "connection" and payload in (b"0", b"1"):
                self.room(room_id).link_notice(payload == b"1", received)
            return
        if leaf in ("cmd", "meter") or (subject == "$ctl" and leaf == "request"):
            return  # commands to the room (the view's own included) and meters say nothing of its state
        try:
            data = json.loads(payload) if payload else None
        except ValueError:
            self._reject(topic, "not JSON")
            return
        if data is None:
            return  # a cleared retained message
        if not isinstance(data, dict):
            self._reject(topic, "not a JSON object")
            return
        view = self.room(room_id)
        self.messages += 1
        view.messages += 1
        view.last_seen_ms = received
        ts = data.get("ts")
        if isinstance(ts, int) and not data.get("replayed"):
            self.staleness_ms.append(received - ts)
        if subject == "$ctl":
            self._controller(view, leaf, data)
        elif subject == "hearing" and leaf == "state":
            view.hearing = str(data.get("state", "unknown"))
            view.case_no = data.get("case_no")
            view.recording = str(data.get("recording", "unknown"))
            alarms = data.get("alarms")
            view.alarms = [a for a in alarms if isinstance(a, dict)] if isinstance(alarms, list) else []
        elif leaf == "availability":
            view.devices[subject] = "online" if data.get("state") == "online" else "offline"
        elif leaf == "event":
            view.events.append({"source": subject, "event": data.get("event"), "ts": ts, **_replayed(data)})
            down_ts = data.get("link_down_ts")
            if data.get("replayed") and isinstance(down_ts, int):
                view.late_event(down_ts)

    def _controller(self, view: RoomView, leaf: str, data: dict[str, Any]) -> None:
        if leaf == "state":
            session = data.get("session")
            session = session if isinstance(session, int) else 0
            state = str(data.get("state", "unknown"))
            if state == "offline" and session < view.session:
                return  # the will of an older connection, after the newer one said online
            view.session = session
            view.controller = state
            view.journal = str(data.get("journal", "unknown"))
            offline = data.get("offline_devices")
            if isinstance(offline, list):  # availability messages say the same, one device at a time
                for device in offline:
                    view.devices[str(device)] = "offline"
        elif leaf == "info":
            view.name = str(data.get("room_name", ""))
        elif leaf == "devices":
            devices = data.get("devices")
            view.device_count = len(devices) if isinstance(devices, list) else 0

    def _reject(self, topic: str, why: str) -> None:
        self.rejected += 1
        self.last_rejected = f"{topic}: {why}"

    def snapshot(self, now: int | None = None) -> list[dict[str, Any]]:
        at = now_ms() if now is None else now
        return [self.rooms[r].summary(at, self.stale_after_ms) for r in sorted(self.rooms)]


def _replayed(data: dict[str, Any]) -> dict[str, bool]:
    return {"replayed": True} if data.get("replayed") else {}
