"""The journal: append-only in the database itself, hash-chained, group-committed, signed at checkpoints; verify
names the first bad row, catches a chain rebuilt after a change and a journal cut short, and a damaged file is
one line of error, not a traceback."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from controller.journal import GENESIS, Entry, Journal, JournalError, JournalFile, Kind, row_hash
from controller.journal.checkpoint import Checkpoint, Checkpointer, checkpoint_message, verify_journal
from controller.signing import RoomKey


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite", "b2-cr104")
    await j.open()
    yield j
    await j.close()


async def test_rows_chain_and_verify(journal: Journal) -> None:
    first = await journal.append(Kind.DAEMON_STARTED, {"devices": ["cam-judge"]})
    second = await journal.append(Kind.DEVICE_COMMAND, {"device": "cam-judge", "action": "home"}, actor="clerk:wang")
    third = await journal.append(Kind.MARK, {"text": "证人出示合同原件"}, actor="clerk:wang", hearing_id="H1")
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash and third.prev_hash == second.hash
    assert await journal.verify() == (3, None, "")
    rows = await journal.entries(hearing_id="H1")
    assert [(r.kind, r.actor, r.data) for r in rows] == [(Kind.MARK, "clerk:wang", {"text": "证人出示合同原件"})]


async def test_the_database_refuses_update_and_delete(journal: Journal) -> None:
    await journal.append(Kind.DAEMON_STARTED, {})
    db = sqlite3.connect(str(journal.path))
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE journal SET actor = 'someone else' WHERE seq = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM journal WHERE seq = 1")
    finally:
        db.close()
    assert await journal.verify() == (1, None, "")


async def test_a_burst_shares_transactions_and_keeps_its_order(journal: Journal) -> None:
    seen: list[Entry] = []
    journal.written.append(seen.extend)
    before = journal.commits
    entries = await asyncio.gather(
        *(journal.append(Kind.DEVICE_COMMAND, {"n": n}, actor="clerk") for n in range(200))
    )
    assert [e.data["n"] for e in entries] == list(range(200))  # numbered in the order asked for
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)
    commits = journal.commits - before
    assert commits < 20, f"200 appends took {commits} transactions: group commit is not grouping"
    assert [e.seq for e in seen] == [e.seq for e in entries]  # listeners heard every row, in order, before return
    assert await journal.verify() == (200, None, "")


async def test_a_command_row_is_in_the_file_at_once_and_fsynced_right_after(journal: Journal) -> None:
    syncs = journal.syncs
    entry = await journal.append(Kind.DEVICE_COMMAND, {"device": "cam-judge"}, actor="clerk", full=False)
    other = sqlite3.connect(str(journal.path))  # what a process started after a kill -9 would read
    try:
        assert other.execute("SELECT kind FROM journal WHERE seq = ?", (entry.seq,)).fetchone() == ("device_command",)
    finally:
        other.close()
    await journal.flush()  # waits for the fsync that follows
    assert journal.syncs == syncs + 1
    await journal.append(Kind.MARK, {"text": "x"}, actor="clerk")  # full: fsynced by its commit, no extra sync
    await journal.flush()
    assert journal.syncs == syncs + 1


async def test_a_row_that_cannot_be_stored_is_refused_and_nothing_written(journal: Journal) -> None:
    await journal.append(Kind.DAEMON_STARTED, {})
    with pytest.raises(JournalError, match="mark row cannot be stored"):
        await journal.append(Kind.MARK, {"offset_s": float("nan")})
    assert [e.kind for e in await journal.entries()] == [Kind.DAEMON_STARTED]


async def test_recorded_rows_are_batched_in_order_and_flushed_on_close(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.sqlite", "b2-cr104")
    await j.open()
    await j.append(Kind.DAEMON_STARTED, {})
    for i in range(3):
        j.record(Kind.DEVICE_COMMAND_OUTCOME, {"n": i}, actor="clerk")
    assert [e.kind for e in await j.entries()] == [Kind.DAEMON_STARTED]  # still held for the batch
    await j.flush()
    rows = await j.entries()
    assert [(e.kind, e.data) for e in rows] == [
        (Kind.DAEMON_STARTED, {}),
        *[(Kind.DEVICE_COMMAND_OUTCOME, {"n": i}) for i in range(3)],
    ]
    assert rows[1].ts_ms <= rows[2].ts_ms <= rows[3].ts_ms
    j.record(Kind.DEVICE_OFFLINE, {"device": "cam-judge"})
    await j.close()  # writes what is pending
    again = JournalFile(tmp_path / "journal.sqlite", "b2-cr104")
    try:
        assert [e.kind for e in again.entries()][-1] == Kind.DEVICE_OFFLINE
        assert again.verify() == (5, None, "")
    finally:
        again.close()


def test_a_journal_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(JournalError, match="not-a-dir"):
        JournalFile(blocker / "journal.sqlite", "b2-cr104")


# -- checkpoints and verification ---------------------------------------------------------------------------
async def _signed_journal(path: Path, key: RoomKey, rows: int = 60) -> None:
    """A journal with a hearing's worth of rows and a checkpoint after every tenth (as transitions would)."""
    j = Journal(path, "b2-cr104")
    await j.open()
    checkpoints = Checkpointer(j, key)
    await checkpoints.start()
    for n in range(rows):
        await j.append(Kind.MARK, {"text": f"mark {n}", "padding": "x" * 300}, actor="clerk", hearing_id="H1")
        if n % 10 == 9:
            await checkpoints.sign_now()
    await checkpoints.stop()
    await j.close()


def _tamper(path: Path, sql: str) -> None:
    """What someone with the file and sqlite3 could do: drop the guards, then change history."""
    db = sqlite3.connect(str(path))
    db.executescript(f"DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; {sql}")
    db.close()


def _rechain(path: Path, changed_seq: int, key: RoomKey | None = None) -> None:
    """Change one row, then rebuild every hash after it (and, with the key, re-sign the checkpoints)."""
    _tamper(path, f"""UPDATE journal SET data = '{{"text": "changed"}}' WHERE seq = {changed_seq};""")
    db = sqlite3.connect(str(path))
    rows = db.execute("SELECT seq, ts_ms, room_id, hearing_id, kind, actor, data FROM journal ORDER BY seq").fetchall()
    prev, hashes = GENESIS, {}
    for seq, ts_ms, room_id, hearing_id, kind, actor, stored in rows:
        data = stored
        if kind == Kind.CHECKPOINT and key is not None:
            old = json.loads(stored)
            signed = hashes[old["seq"]]
            old["hash"] = signed
            old["signature"] = key.sign(checkpoint_message(room_id, old["seq"], signed, old["signed_ts"]))
            data = json.dumps(old, ensure_ascii=False, sort_keys=True)
        digest = row_hash(prev, (ts_ms, room_id, hearing_id, kind, actor, data))
        db.execute("UPDATE journal SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?", (data, prev, digest, seq))
        hashes[seq], prev = digest, digest
    db.commit()
    db.close()


async def _verify_cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", "journal", "verify", "--lang", "en", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_verify_catches_alteration_rechaining_and_truncation(tmp_path: Path) -> None:
    key = RoomKey.load_or_create(tmp_path / "keys" / "signing-key.pem")
    path = tmp_path / "journal.sqlite"
    await _signed_journal(path, key)
    file = JournalFile(path, "b2-cr104")
    report = verify_journal(file, key.public)
    file.close()
    assert report.ok and report.checkpoints == 6 and report.rows == 66, report
    assert report.last_checkpoint is not None
    anchor = f"{report.last_checkpoint.seq}:{report.last_checkpoint.hash}"
    code, out, _ = await _verify_cli(str(path), "--public-key", key.public_text, "--anchor", anchor)
    assert code == 0 and "66 rows, chain intact" in out and "6 signed checkpoints valid" in out, out
    code, out, _ = await _verify_cli(str(path), "--public-key", key.public_text, "--anchor", anchor, "--lang", "zh")
    assert code == 0 and "共 66 行，哈希链完整；6 个签名检查点有效" in out and "与锚点" in out, out
    english = [w for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"\S*journal\.sqlite|[0-9a-f]{16,}|key \S+", "", out))]
    assert english == [], out  # in Chinese but for the file's path, the hashes and the key's fingerprint

    def copy(name: str) -> Path:
        target = tmp_path / f"{name}.sqlite"
        target.write_bytes(path.read_bytes())
        return target

    altered = copy("altered")
    _tamper(altered, """UPDATE journal SET data = '{"text": "changed"}' WHERE seq = 3;""")
    code, out, _ = await _verify_cli(str(altered), "--public-key", key.public_text)
    assert code == 1 and "row 3: its content does not match its hash" in out, out
    code, out, _ = await _verify_cli(str(altered), "--public-key", key.public_text, "--lang", "zh")
    assert code == 1 and "第 3 行：该行内容与其哈希不符（该行被改动）" in out, out

    rechained = copy("rechained")  # the chain rebuilt after a change: it verifies, the signatures do not
    _rechain(rechained, 25)
    code, out, _ = await _verify_cli(str(rechained), "--public-key", key.public_text)
    assert code == 1 and "row 22: the chain was rebuilt" in out and "in rows 22..32" in out, out

    resigned = copy("resigned")  # rebuilt and re-signed with the room's own key: only the anchor catches it
    _rechain(resigned, 25, key)
    code, out, _ = await _verify_cli(str(resigned), "--public-key", key.public_text)
    assert code == 0, out
    code, out, _ = await _verify_cli(str(resigned), "--public-key", key.public_text, "--anchor", anchor)
    assert code == 1 and "does not match the anchor" in out, out

    cut = copy("cut")  # the last rows deleted: the chain still verifies, the anchor is no longer reached
    _tamper(cut, "DELETE FROM journal WHERE seq > 16;")
    code, out, _ = await _verify_cli(str(cut), "--public-key", key.public_text)
    assert code == 0, out
    code, out, _ = await _verify_cli(str(cut), "--public-key", key.public_text, "--anchor", anchor)
    assert code == 1 and "row 17: missing" in out and f"rows 17..{report.last_checkpoint.seq} were cut off" in out

    other = RoomKey.load_or_create(tmp_path / "other" / "key.pem")
    code, out, _ = await _verify_cli(str(path), "--public-key", other.public_text)
    assert code == 1 and "row 11:" in out and "not the room's key" in out, out


async def test_a_damaged_database_is_one_line_of_error(tmp_path: Path) -> None:
    key = RoomKey.load_or_create(tmp_path / "keys" / "signing-key.pem")
    path = tmp_path / "journal.sqlite"
    await _signed_journal(path, key, rows=120)
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096, "the test needs a journal of several pages"
    page = data.index(b'"mark 60"') // 4096  # a page of the table itself, holding rows in the middle
    data[page * 4096 : (page + 1) * 4096] = bytes([0xA5]) * 4096
    path.write_bytes(bytes(data))
    code, out, err = await _verify_cli(str(path), "--public-key", key.public_text)
    assert code == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "journal" in err and str(path) in err and "malformed" in err, err
    assert out == ""


def test_a_checkpoint_names_what_it_signs(tmp_path: Path) -> None:
    key = RoomKey.load_or_create(tmp_path / "key.pem")
    data = {"seq": 5, "hash": "ab" * 32, "signed_ts": 1, "key": key.fingerprint, "signature": "x"}
    checkpoint = Checkpoint.from_data("b2-cr104", data, 6)
    assert checkpoint.message() == b'["courtroom-journal-checkpoint/1","b2-cr104",5,"' + b"ab" * 32 + b'",1]'
    with pytest.raises(JournalError, match="checkpoint row 7: malformed"):
        Checkpoint.from_data("b2-cr104", {"seq": 5}, 7)


# -- checkpoints signed without being asked -----------------------------------------------------------------
def _checkpoint_rows(rows: list[Entry]) -> list[Entry]:
    return [e for e in rows if e.kind == Kind.CHECKPOINT]


async def _next_checkpoint(checkpoints: Checkpointer, timeout_s: float = 10.0) -> Checkpoint:
    """Wait for the next checkpoint written (a generous bound: this waits for the timer, it does not time it)."""
    written: asyncio.Future[Checkpoint] = asyncio.get_running_loop().create_future()

    def heard(checkpoint: Checkpoint) -> None:
        if not written.done():
            written.set_result(checkpoint)

    checkpoints.listeners.append(heard)
    try:
        async with asyncio.timeout(timeout_s):
            return await written
    finally:
        checkpoints.listeners.remove(heard)


async def test_the_timer_signs_new_rows_on_its_own_and_nothing_when_nothing_is_new(tmp_path: Path) -> None:
    key = RoomKey.load_or_create(tmp_path / "keys" / "signing-key.pem")
    j = Journal(tmp_path / "journal.sqlite", "b2-cr104")
    await j.open()
    checkpoints = Checkpointer(j, key, interval_s=0.2)  # the daemon's journal.checkpoint_interval_s (60 s)
    try:
        await checkpoints.start()
        coming = asyncio.ensure_future(_next_checkpoint(checkpoints))
        for n in range(3):  # no transition among them: only the timer can sign them
            last = await j.append(Kind.MARK, {"text": f"mark {n}"}, actor="clerk", hearing_id="H1")
        first = await coming
        assert (first.seq, first.hash) == (last.seq, last.hash)  # the head when the timer fired
        assert first.checkpoint_seq == last.seq + 1 and key.verify(first.message(), first.signature)

        await asyncio.sleep(1.0)  # five ticks with nothing new journaled
        await j.flush()
        rows = await j.entries()
        assert [e.seq for e in _checkpoint_rows(rows)] == [first.checkpoint_seq]  # no checkpoint of a checkpoint
        assert rows[-1].seq == first.checkpoint_seq

        coming = asyncio.ensure_future(_next_checkpoint(checkpoints))
        later = await j.append(Kind.DEVICE_COMMAND, {"device": "cam-judge", "action": "home"}, actor="clerk")
        second = await coming  # the timer still runs and signs what is new
        assert (second.seq, second.hash) == (later.seq, later.hash)
        assert len(_checkpoint_rows(await j.entries())) == 2
    finally:
        await checkpoints.stop()
        await j.close()


async def test_a_transition_written_behind_an_older_checkpoint_is_still_signed(tmp_path: Path) -> None:
    # the timer's checkpoint of an older head can land in the same batch as a transition, after it; the
    # transition must still get a checkpoint of its own (the head is then that older checkpoint's row)
    key = RoomKey.load_or_create(tmp_path / "keys" / "signing-key.pem")
    j = Journal(tmp_path / "journal.sqlite", "b2-cr104")
    await j.open()
    checkpoints = Checkpointer(j, key, interval_s=3600)  # the timer stays out of it
    try:
        await checkpoints.start()
        before = await j.append(Kind.MARK, {"text": "before"}, actor="clerk", hearing_id="H1")
        j.record(Kind.HEARING_INTERRUPTED, {"reason": "recess"}, actor="clerk", hearing_id="H1")
        checkpoints.sign_soon()  # as the timer would, now: it signs ``before``, its row after the transition's
        await j.flush()
        await j.flush()  # the transition's own checkpoint, asked for once that batch was on disk
        rows = await j.entries()
        transition = next(e for e in rows if e.kind == Kind.HEARING_INTERRUPTED)
        signed = [Checkpoint.from_entry(e) for e in _checkpoint_rows(rows)]
        assert [(c.checkpoint_seq, c.seq) for c in signed] == [
            (transition.seq + 1, before.seq),  # the older head's, in the transition's batch
            (transition.seq + 2, transition.seq + 1),  # the transition's, covering it
        ]
    finally:
        await checkpoints.stop()
        await j.close()
