"""What the console shows, built from the room and the hearing: device tiles, snapshots, role filters.

Pure functions over the room's typed payloads, shared by the JSON API and the WebSocket, so a page that loads the
state and a page that follows it live see the same thing.
"""

from __future__ import annotations

import time
import weakref
from typing import Any, Literal

from controller.hearing.service import HearingService
from controller.model import Alarm, Availability, CameraState, DisplayState, HearingEvent, Payload, RecorderState
from controller.room import Room

Level = Literal["ok", "warning", "error", "offline"]

# Device actions the clerk's page offers; a technician may send any action (the raw command).
CLERK_ACTIONS: dict[str, frozenset[str]] = {
    "camera": frozenset(
        {"power", "zoom", "zoom_to", "pan_tilt", "pan_tilt_by", "home", "preset_recall", "preset_set", "refresh"}
    ),
    "display": frozenset({"power", "input", "volume", "mute", "av_mute", "refresh"}),
    "recorder": frozenset({"refresh"}),  # recording follows the hearing; a stop by hand is the technician's
    "mic_system": frozenset({"mic_on", "mic_off", "all_off", "refresh"}),
    "audio_processor": frozenset({"refresh"}),
    "video_input": frozenset({"snapshot", "refresh"}),  # a look at a camera's picture
    "indicator": frozenset({"refresh"}),  # the recording light follows the hearing
    "button": frozenset({"refresh"}),
    "audio_input": frozenset({"refresh"}),
}

# Hearing events a judge's page receives: transitions, marks, alarms and their clearing.
JUDGE_EVENTS = frozenset(
    {
        "hearing_check",
        "hearing_opened",
        "hearing_open_refused",
        "check_override",
        "hearing_interrupted",
        "hearing_resumed",
        "hearing_closed",
        "mark",
    }
)


# The error types of a device's last failure -> the catalogue's problem (controller/texts.py), for a link down.
ERROR_PROBLEMS = {
    "DeviceTimeout": "problem.no_answer",
    "TransportLost": "problem.no_link",
    "DeviceOffline": "problem.no_link",
    "DecodeError": "problem.garbled",
    "DeviceNak": "problem.refused",
    "Busy": "problem.busy",
    "ConfigError": "problem.config",
    "ProfileError": "problem.config",
}

# When each device's link last changed (room -> id -> (online, since ms)): "offline for 12 s" on a tile.
_SINCE: weakref.WeakKeyDictionary[Room, dict[str, tuple[bool, int]]] = weakref.WeakKeyDictionary()


def link_since(room: Room, device_id: str, online: bool) -> int:
    """The time (ms) the device's link went to its present state, as first seen by the console."""
    seen = _SINCE.setdefault(room, {})
    known = seen.get(device_id)
    if known is None or known[0] != online:
        known = (online, int(time.time() * 1000))
        seen[device_id] = known
    return known[1]


def problem_code(availability: Availability, last_error: str | None) -> str | None:
    """The plain-language problem of an offline link: from the type of its last failure, else its reason."""
    reason = availability.reason or ""
    if reason in ("not connected yet", "controller stopped"):
        return None  # the texts' patterns name these
    if last_error:
        return ERROR_PROBLEMS.get(last_error.partition(":")[0])
    return None


def device_health(kind: str, availability: Availability, state: Payload | None, headroom_s: int) -> dict[str, Any]:
    """A tile's level and the reason for it (the raw line), from the link and the device's own state."""
    level: Level = "ok"
    reasons: list[str] = []

    def worse(new: Level, why: str) -> None:
        nonlocal level
        order = ("ok", "warning", "error", "offline")
        if order.index(new) > order.index(level):
            level = new
        reasons.append(why)

    if availability.state != "online":
        return {"level": "offline", "reason": availability.reason or "no answer"}
    if state is None:
        worse("warning", "no state yet")
    elif isinstance(state, DisplayState):
        for part, status in sorted(state.errors.items()):
            if status != "ok":
                worse("error" if status == "error" else "warning", f"{part}: {status}")
    elif isinstance(state, RecorderState):
        if state.disk_present is False:
            worse("error", "no disk")
        elif state.remaining_s is not None and state.remaining_s < headroom_s:
            worse("warning", f"disk nearly full: {state.remaining_s // 60} min left")
        if state.remote_enabled is False:
            worse("warning", "remote control disabled on the panel")
    elif isinstance(state, CameraState) and state.power is False:
        worse("warning", "standby")
    return {"level": level, "reason": "; ".join(reasons) or None}


def device_view(room: Room, device_id: str) -> dict[str, Any]:
    """One device as the console sends it: availability, state and health."""
    availability = room.availability(device_id)
    state = room.state(device_id)
    kind = room.device(device_id).kind
    health = device_health(kind, availability, state, room.config.hearing.disk_headroom_s)
    online = availability.state == "online"
    health["since_ts"] = link_since(room, device_id, online)
    if not online:
        supervisor = room.supervisors.get(device_id)
        health["code"] = problem_code(availability, supervisor.last_error if supervisor is not None else None)
    return {
        "id": device_id,
        "kind": kind,
        "availability": availability.model_dump(),
        "state": state.model_dump() if state is not None else None,
        "health": health,
    }


def room_snapshot(room: Room, hearing: HearingService) -> dict[str, Any]:
    return {
        "devices": {device_id: device_view(room, device_id) for device_id in room.device_ids()},
        "hearing": hearing.state().model_dump(),
        "acks": alarm_acks(hearing),
    }


# Alarms that ring on the clerk's and the judge's pages until a clerk acknowledges them.
SOUNDING = frozenset({"not_recording", "journal_unavailable"})

# The acknowledgements of the sounding alarms (hearing -> alarm id -> who and when), kept while the alarm lasts:
# an alarm raised again later rings again.
_ACKS: weakref.WeakKeyDictionary[HearingService, dict[str, dict[str, Any]]] = weakref.WeakKeyDictionary()


def sounding_alarms(hearing: HearingService) -> list[Alarm]:
    return [a for a in hearing.state().alarms if a.kind in SOUNDING]


def alarm_acks(hearing: HearingService) -> dict[str, dict[str, Any]]:
    """The acknowledgements of the alarms still active: an alarm raised again (a new ``since_ts``) rings again."""
    acks = _ACKS.setdefault(hearing, {})
    active = {a.id: a.since_ts for a in hearing.state().alarms}
    for alarm_id in [i for i, ack in acks.items() if active.get(i) != ack["since_ts"]]:
        del acks[alarm_id]
    return dict(acks)


def acknowledge(hearing: HearingService, alarms: list[Alarm], ack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Note ``ack`` (actor, by, ts) for these alarms; the acknowledgements now in force."""
    acks = _ACKS.setdefault(hearing, {})
    for alarm in alarms:
        acks[alarm.id] = {**ack, "since_ts": alarm.since_ts}
    return alarm_acks(hearing)


def session_info(room: Room) -> dict[str, Any]:
    """What the page needs once: the room, its seats and devices (with what each can do)."""
    config = room.config
    return {
        "room": {"id": config.room.id, "name": config.room.name},
        "devices": [entry.model_dump() for entry in room.device_entries()],
        "seats": [seat.model_dump() for seat in config.seats],
        "recorders": list(hearing_recorders(room)),
        "clerk_actions": {kind: sorted(actions) for kind, actions in CLERK_ACTIONS.items()},
        "preset_counts": _preset_counts(room),
    }


def hearing_recorders(room: Room) -> list[str]:
    configured = room.config.hearing.recorders
    return list(configured) if configured is not None else room.ids_of_kind("recorder")


def _preset_counts(room: Room) -> dict[str, int]:
    counts = {}
    for device_id in room.ids_of_kind("camera"):
        count = getattr(room.device(device_id), "preset_count", None)
        if isinstance(count, int):
            counts[device_id] = count
    return counts


def event_visible(role: str, event: HearingEvent) -> bool:
    """Whether a hearing event goes to a page of this role (a judge sees transitions, marks, alarms)."""
    if role != "judge":
        return True
    return event.event in JUDGE_EVENTS or event.severity != "info" or event.event.startswith("alarm")
