"""Every hearing transition driven through the hearing service gets a signed checkpoint of the journal's head
of that moment, written without anyone asking for it (the daemon's Checkpointer, as ``run_daemon`` wires it)."""

from __future__ import annotations

from pathlib import Path

from controller.journal import TRANSITIONS, Actor, Entry, JournalFile, Kind
from controller.journal.checkpoint import Checkpoint, Checkpointer, verify_journal
from controller.mqtt.contract import RecorderState
from controller.signing import RoomKey
from tests.hearing.conftest import Court

CLERK = Actor("console:wang", name="王书记员", role="clerk")


def _recording(court: Court) -> bool:
    states = [court.room.state(rec) for rec in ("rec-main", "rec-backup")]
    return all(isinstance(s, RecorderState) and s.transport == "record" for s in states)


async def test_each_hearing_transition_signs_the_head_of_its_moment(court: Court, tmp_path: Path) -> None:
    key = RoomKey.load_or_create(tmp_path / "keys" / "signing-key.pem")
    heads: dict[int, Entry] = {}  # a transition row's seq -> the journal's head once its batch was on disk

    def seen(entries: list[Entry]) -> None:
        head = court.journal.head
        assert head is not None
        for entry in entries:
            if entry.kind in TRANSITIONS:
                heads[entry.seq] = head

    court.journal.written.append(seen)
    checkpoints = Checkpointer(court.journal, key, interval_s=3600)  # the timer stays out of it: a transition signs
    hearing = court.hearing
    try:
        await checkpoints.start()
        await hearing.execute("open", {"case_no": "(2026)京0105民初9号"}, CLERK)
        await court.until(lambda: _recording(court), 5, "recording")
        await hearing.execute("mark", {"text": "举证开始"}, CLERK)
        await hearing.execute("interrupt", {"reason": "recess", "note": "休庭十分钟"}, CLERK)
        await hearing.execute("resume", {}, CLERK)
        await court.until(lambda: _recording(court), 5, "recording again")
        await hearing.execute("close", {}, CLERK)
        await court.journal.flush()
        await court.journal.flush()  # the close's checkpoint, asked for once the close's batch was on disk
    finally:
        await checkpoints.stop()
        court.journal.written.remove(seen)

    rows = await court.journal.entries()
    transitions = [e for e in rows if e.kind in TRANSITIONS]
    assert [e.kind for e in transitions] == [
        Kind.HEARING_OPENED,
        Kind.HEARING_INTERRUPTED,
        Kind.HEARING_RESUMED,
        Kind.HEARING_CLOSED,
    ]
    signed = [Checkpoint.from_entry(e) for e in rows if e.kind == Kind.CHECKPOINT]
    for transition in transitions:
        head = heads[transition.seq]
        # the first checkpoint after the transition signs the head of the moment the transition was on disk
        after = [c for c in signed if c.checkpoint_seq is not None and c.checkpoint_seq > transition.seq]
        assert after, f"no checkpoint after {transition.kind} (row {transition.seq})"
        checkpoint = after[0]
        assert (checkpoint.seq, checkpoint.hash) == (head.seq, head.hash), transition.kind
        assert key.verify(checkpoint.message(), checkpoint.signature)
    assert len(signed) == len(transitions)  # one per transition, no more: the timer never fired
    assert checkpoints.latest == signed[-1]

    file = JournalFile(court.journal.path, court.room.room_id)
    try:
        report = verify_journal(file, key.public)
    finally:
        file.close()
    assert report.ok and report.checkpoints == 4 and report.last_checkpoint == signed[-1], report
