"""What the hearing's recorders report, as the journal keeps it, and the hearing's recording status.

The record's segments and unseen stretches come from these reports, never from what the recorders were told:
``RecorderReports.changed()`` writes a ``recorder_reported`` row when a recorder's reachability, transport or
clip changes (read from the driver itself, which is fresh after a reconnection while the room's published
state is not yet). ``recording_status()`` and ``journal_alarm()`` make the ``recording`` and ``alarms`` of
``hearing/state``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from controller.hearing.check import recorder_ids
from controller.journal import Journal
from controller.model import Alarm, AlarmKind, HearingPhase, RecordingStatus, now_ms
from controller.room import Room
from drivers.errors import CourtroomError

READ_BACK_S = 1.5  # at a clean stop, how long a recorder gets to report its state

log = logging.getLogger(__name__)

ViewKey = tuple[bool, str | None, str | None]


def view_key(view: dict[str, Any]) -> ViewKey:
    """What makes a recorder's report worth a row: reachability, transport and clip (not the timecode)."""
    return bool(view.get("reachable")), view.get("transport"), view.get("clip")


class RecorderReports:
    """The recorders of the hearing as last journaled; ``report(row)`` journals one that changed."""

    def __init__(self, room: Room, report: Callable[[dict[str, Any]], None]) -> None:
        self.room = room
        self.report = report
        self._reported: dict[str, ViewKey] = {}

    def view(self, rec: str) -> dict[str, Any] | None:
        """What a recorder reports now; None while it is online without a transport yet."""
        if not self.room.online(rec):
            return {"reachable": False, "reason": self.room.availability(rec).reason}
        snapshot = self.room.device(rec).snapshot()
        if snapshot.get("transport") is None:
            return None
        return {"reachable": True, **{k: snapshot.get(k) for k in ("transport", "clip", "timecode")}}

    def views(self) -> dict[str, dict[str, Any]]:
        found = {}
        for rec in recorder_ids(self.room):
            view = self.view(rec)
            if view is not None:
                found[rec] = view
        return found

    def reset(self, journaled: dict[str, dict[str, Any]] | None = None) -> None:
        """Forget what was journaled (a restart), or take ``journaled`` as what was (the open's snapshot)."""
        self._reported = {rec: view_key(view) for rec, view in (journaled or {}).items()}

    def changed(self, device_id: str) -> None:
        if device_id not in recorder_ids(self.room):
            return
        view = self.view(device_id)
        if view is None or self._reported.get(device_id) == view_key(view):
            return
        self._reported[device_id] = view_key(view)
        self.report({"device": device_id, **view})

    async def read_back(self) -> None:
        """Ask every reachable recorder for its state now (a read: it changes nothing on the device)."""
        await asyncio.gather(*(self._read_back(rec) for rec in recorder_ids(self.room)))

    async def _read_back(self, rec: str) -> None:
        if not self.room.online(rec):
            return
        try:
            await asyncio.wait_for(self.room.supervisors[rec].execute("refresh", {}), READ_BACK_S)
        except (CourtroomError, TimeoutError) as exc:
            log.warning("%s: no read-back at the stop: %s", rec, exc)


def recording_status(
    phase: HearingPhase, expect_recording: bool, recorders: dict[str, str | None], alarms: list[Alarm]
) -> RecordingStatus:
    """``not_recording`` when a recorder says so (or a software recording stalls) while the hearing expects
    recording; ``unknown`` when one cannot be reached and none says it is not recording."""
    any_recording = any(t == "record" for t in recorders.values())
    if expect_recording:
        if not recorders or any(t is not None and t != "record" for t in recorders.values()):
            return "not_recording"
        if any(a.kind == "not_recording" for a in alarms):
            return "not_recording"
        return "unknown" if any(t is None for t in recorders.values()) else "recording"
    if phase == "interrupted":
        return "recording" if any_recording else "paused"
    return "recording" if any_recording else "stopped"


def journal_alarm(journal: Journal | None) -> Alarm | None:
    """The journal's own alarm while it cannot write (critical) or is low on space (warning)."""
    if journal is None or journal.status == "ok":
        return None
    kind: AlarmKind = "journal_unavailable" if journal.status == "unavailable" else "journal_space_low"
    return Alarm.model_validate(
        {
            "id": kind,
            "kind": kind,
            "severity": "critical" if journal.status == "unavailable" else "warning",
            "device": None,
            "message": journal.problem or kind,
            "since_ts": journal.head.ts_ms if journal.head is not None else now_ms(),
        }
    )
