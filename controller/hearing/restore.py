"""Bring a hearing back after the daemon restarts: its ledger replayed from the journal, the gap journaled.

``restore()`` runs before the daemon journals its own start: it replays the rows of the last opened hearing
through a fresh ``HearingLedger`` (the same fold the running service and the export use) and hands it to the
service; the newest row tells when the controller went away (``controller_stopping`` when it stopped cleanly;
any other row when it was killed), and ``controller_gap`` says so. What the recorders did meanwhile is read
back from them: their first reports after the restart show whether each recording ran on (same clip, or a
timecode that ran as long as the wall clock did). Once they have answered, ``verify_recording()`` journals a
``fault`` interruption if one that should record does not.
"""

from __future__ import annotations

import asyncio
import logging
import time

from controller.hearing.check import recorder_ids
from controller.hearing.ledger import HearingLedger
from controller.hearing.reactions import SETTLE_S
from controller.hearing.service import HearingService
from controller.journal import Journal, JournalError, Kind
from controller.model import RecorderState, now_ms

log = logging.getLogger(__name__)


async def restore(service: HearingService, journal: Journal) -> bool:
    """Rebuild an open hearing from the journal and journal the controller's gap; True when there was one."""
    opened = await journal.last(Kind.HEARING_OPENED)
    if opened is None or opened.hearing_id is None:
        return False
    rows = await journal.read(lambda f: list(f.entries(after_seq=opened.seq - 1)))
    ledger = HearingLedger()
    for entry in rows:
        try:
            ledger.apply(entry)
        except JournalError as exc:  # the service logs the same for a row it cannot read; the hearing comes back
            log.error("%s", exc)
    if not ledger.is_open:
        return False
    started = max((e.seq for e in rows if e.kind == Kind.DAEMON_STARTED), default=0)
    stopping = next((e for e in reversed(rows) if e.kind == Kind.CONTROLLER_STOPPING and e.seq > started), None)
    last = rows[-1]
    gap_from = stopping.ts_ms if stopping is not None else last.ts_ms
    gap = {
        "from_ts": gap_from,
        "to_ts": now_ms(),
        "gap_s": round((now_ms() - gap_from) / 1000, 1),
        "clean_stop": stopping is not None,
        "last_seq": last.seq,
        "state": ledger.phase,
    }
    service.adopt(ledger)
    service.hold_recovery()  # no recovery before verify_recording() has judged the gap's effect
    try:
        await service.journal_gap(gap)
    except JournalError as exc:  # the journal's own alarm says why; the hearing is back all the same
        log.error("cannot journal the controller's gap: %s", exc)
    log.warning("restored hearing %s (%s), %s", ledger.hearing_id, ledger.case_no, ledger.phase)
    return True


async def verify_recording(service: HearingService, timeout_s: float = 15.0) -> None:
    """After a restore: once every recorder answered (or ``timeout_s``), a recorder that reports it is not
    recording while the hearing expected it means the recording was affected: journal a ``fault`` interruption
    (by the controller, the recorders' reports its evidence)."""
    try:
        await _verify(service, timeout_s)
    finally:
        service.release_recovery(SETTLE_S)


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
    stopped: dict[str, str | None] = {}
    for rec in recorders:
        state = room.state(rec)
        if room.online(rec) and isinstance(state, RecorderState) and state.transport != "record":
            stopped[rec] = state.transport
    if not stopped or service.phase != "in_session":
        return
    reports = ", ".join(f"{rec} reports {transport}" for rec, transport in stopped.items())
    note = f"recording affected while the controller was not running: {reports}"  # the raw line (the appendix)
    words = ("recording_affected", {"recorders": stopped})  # what the record says, in its language
    await service.execute("interrupt", {"reason": "fault", "note": note}, actor="system", note_words=words)
