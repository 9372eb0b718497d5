"""Bring a hearing back after the daemon restarts: from the journal, with the gap and its effect journaled.

``restore()`` runs before the daemon journals its own start, so the newest row tells when the controller went
away (``daemon_stopped`` when it stopped cleanly; any other row when it was killed). Once the recorders have
answered, ``verify_recording()`` journals a ``fault`` interruption if a recording was affected.
"""

from __future__ import annotations

import asyncio
import logging
import time

from controller.hearing.check import recorder_ids
from controller.hearing.service import SETTLE_S, HearingService
from controller.journal import Journal
from controller.mqtt.contract import Interruption, RecorderState, now_ms
from controller.settings import REASON_LABELS

log = logging.getLogger(__name__)


async def restore(service: HearingService, journal: Journal) -> bool:
    """Rebuild an open hearing from the journal; True when there was one."""
    opened = await journal.last("hearing_opened")
    if opened is None or opened.hearing_id is None:
        return False
    closed = await journal.last("hearing_closed")
    if closed is not None and closed.seq > opened.seq:
        return False
    last = await journal.last()
    s = service
    s.hearing_id = opened.hearing_id
    s.case_no = str(opened.data.get("case_no", ""))
    s.title = str(opened.data.get("title", ""))
    parties = opened.data.get("parties")
    s.parties = [str(p) for p in parties] if isinstance(parties, list) else []
    s.opened_ms, s.part, s.marks = opened.ts_ms, 1, 0
    s.phase, s.since_ms, s._recorded_ms, s._recording_since = "in_session", opened.ts_ms, 0, opened.ts_ms
    for entry in await journal.entries(opened.hearing_id):
        if entry.kind == "hearing_interrupted":
            reason = str(entry.data.get("reason"))
            label = REASON_LABELS.get(reason, (reason,))[0]
            s.interruption = Interruption.model_validate(
                {"reason": reason, "label": label, "since_ts": entry.ts_ms, "note": entry.data.get("note", "")}
            )
            s.phase, s.since_ms = "interrupted", entry.ts_ms
            if reason != "fault" and s._recording_since is not None:
                s._recorded_ms += entry.ts_ms - s._recording_since
                s._recording_since = None
        elif entry.kind == "hearing_resumed":
            s.interruption, s.phase, s.since_ms = None, "in_session", entry.ts_ms
            s.part += 1
            if s._recording_since is None:
                s._recording_since = entry.ts_ms
        elif entry.kind == "mark":
            s.marks += 1
    gap_from = last.ts_ms if last is not None else now_ms()
    clean = last is not None and last.kind == "daemon_stopped"
    gap = {
        "from_ts": gap_from,
        "to_ts": now_ms(),
        "gap_s": round((now_ms() - gap_from) / 1000, 1),
        "clean_stop": clean,
        "state": s.phase,
    }
    await s._journal("controller_gap", gap, "system", "critical")
    s._settling_until = float("inf")  # no recovery before verify_recording() has judged the gap's effect
    log.warning("restored hearing %s (%s), %s", s.hearing_id, s.case_no, s.phase)
    s._changed()
    return True


async def verify_recording(service: HearingService, timeout_s: float = 15.0) -> None:
    """After a restore: once every recorder answered (or ``timeout_s``), a recorder that is not recording
    while the hearing expected it means the recording was affected: journal a ``fault`` interruption."""
    try:
        await _verify(service, timeout_s)
    finally:
        service._settling_until = time.monotonic() + SETTLE_S


async def _verify(service: HearingService, timeout_s: float) -> None:
    if not service.expect_recording or service.phase != "in_session":
        return
    room = service.room
    recorders = recorder_ids(room)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(room.online(r) and isinstance(room.state(r), RecorderState) for r in recorders):
            break
        await asyncio.sleep(0.2)
    stopped = []
    for rec in recorders:
        state = room.state(rec)
        if not room.online(rec) or not isinstance(state, RecorderState) or state.transport != "record":
            stopped.append(rec)
    if not stopped or service.phase != "in_session":
        return
    note = f"recording affected while the controller was not running: {', '.join(stopped)} not recording"
    await service.execute("interrupt", {"reason": "fault", "note": note}, actor="system")
