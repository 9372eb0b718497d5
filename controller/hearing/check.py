"""The pre-hearing check: every device the room's role requirements need, and whether it is fit to use."""

from __future__ import annotations

from controller.model import CheckItem, CheckResult, RecorderState, now_ms
from controller.room import Room


def recorder_ids(room: Room) -> list[str]:
    """The recorders a hearing records on: the configured list, or every recorder of the room."""
    configured = room.config.hearing.recorders
    return list(configured) if configured is not None else room.ids_of_kind("recorder")


def recorder_problem(room: Room, device_id: str) -> str | None:
    """Why this recorder cannot record now, or None."""
    if not room.online(device_id):
        return f"offline: {room.availability(device_id).reason or 'no answer'}"
    state = room.state(device_id)
    if isinstance(state, RecorderState):
        if state.disk_present is False:
            return "no disk"
        if state.remaining_s is not None and state.remaining_s < room.config.hearing.disk_headroom_s:
            return f"disk nearly full: {state.remaining_s // 60} min left"
        if state.remote_enabled is False:
            return "remote control disabled on the recorder's panel"
    return None


def _device_item(room: Room, need: str, device_id: str) -> CheckItem:
    if room.online(device_id):
        return CheckItem(need=need, device=device_id, ok=True)
    reason = room.availability(device_id).reason or "no answer"
    return CheckItem(need=need, device=device_id, ok=False, problem=f"offline: {reason}")


def run_check(room: Room) -> CheckResult:
    """Check cameras and microphones per required role and every recorder; nothing is sent to a device."""
    items: list[CheckItem] = []
    seats = room.config.seats
    for role in room.config.hearing.required_roles:
        role_seats = [seat for seat in seats if seat.role == role]
        if not role_seats:
            items.append(CheckItem(need=f"seat for {role}", device=None, ok=False, problem="no seat configured"))
            continue
        cameras = sorted({seat.camera for seat in role_seats if seat.camera is not None})
        if not cameras:
            items.append(CheckItem(need=f"camera for {role}", device=None, ok=False, problem="no camera configured"))
        items.extend(_device_item(room, f"camera for {role}", cam) for cam in cameras)
        if role != "panorama":
            mic_devices = sorted({mic.device for seat in role_seats for mic in seat.mics})
            items.extend(_device_item(room, f"microphone for {role}", mic) for mic in mic_devices)
    recorders = recorder_ids(room)
    if not recorders:
        items.append(CheckItem(need="recorder", device=None, ok=False, problem="the room has no recorder"))
    for rec in recorders:
        problem = recorder_problem(room, rec)
        items.append(CheckItem(need="recorder", device=rec, ok=problem is None, problem=problem))
    return CheckResult(ok=all(item.ok for item in items), ts=now_ms(), items=items)
