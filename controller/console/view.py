"""What the console shows, built from the room and the hearing: device tiles, snapshots, role filters.

Pure functions over the room's typed payloads, shared by the JSON API and the WebSocket, so a page that loads the
state and a page that follows it live see the same thing.
"""

from __future__ import annotations

from typing import Any, Literal

from controller.hearing.service import HearingService
from controller.model import Availability, CameraState, DisplayState, HearingEvent, Payload, RecorderState
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


def device_health(kind: str, availability: Availability, state: Payload | None, headroom_s: int) -> dict[str, Any]:
    """A tile's level and the reason for it, from the link and the device's own state."""
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
    return {
        "id": device_id,
        "kind": kind,
        "availability": availability.model_dump(),
        "state": state.model_dump() if state is not None else None,
        "health": device_health(kind, availability, state, room.config.hearing.disk_headroom_s),
    }


def room_snapshot(room: Room, hearing: HearingService) -> dict[str, Any]:
    return {
        "devices": {device_id: device_view(room, device_id) for device_id in room.device_ids()},
        "hearing": hearing.state().model_dump(),
    }


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
