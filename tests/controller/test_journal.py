"""The journal: append-only in the database itself, hash-chained, and verify names the first bad row."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest

from controller.journal import GENESIS, Journal, JournalFile


@pytest.fixture
async def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "journal.sqlite", "b2-cr104")
    await j.open()
    yield j  # type: ignore[misc]
    await j.close()


async def test_rows_chain_and_verify(journal: Journal) -> None:
    first = await journal.append("daemon_started", {"devices": ["cam-judge"]})
    second = await journal.append("device_command", {"device": "cam-judge", "action": "home"}, actor="clerk:wang")
    third = await journal.append("mark", {"text": "证人出示合同原件"}, actor="clerk:wang", hearing_id="H1")
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash and third.prev_hash == second.hash
    assert await journal.verify() == (3, None, "")
    rows = await journal.entries(hearing_id="H1")
    assert [(r.kind, r.actor, r.data) for r in rows] == [("mark", "clerk:wang", {"text": "证人出示合同原件"})]


async def test_the_database_refuses_update_and_delete(journal: Journal) -> None:
    await journal.append("daemon_started", {})
    db = sqlite3.connect(str(journal.path))
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE journal SET actor = 'someone else' WHERE seq = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM journal WHERE seq = 1")
    finally:
        db.close()
    assert await journal.verify() == (1, None, "")


def _tamper(path: Path, sql: str) -> None:
    """What someone with the file and sqlite3 could do: drop the guards, then change history."""
    db = sqlite3.connect(str(path))
    db.executescript(f"DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; {sql}")
    db.close()


async def test_verify_names_an_altered_row_and_a_removed_row(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    j = Journal(path, "b2-cr104")
    await j.open()
    for i in range(5):
        await j.append("mark", {"text": f"mark {i}"}, actor="clerk")
    await j.close()

    altered = tmp_path / "altered.sqlite"
    altered.write_bytes(path.read_bytes())
    _tamper(altered, """UPDATE journal SET data = '{"text": "changed"}' WHERE seq = 3;""")
    file = JournalFile(altered, "b2-cr104")
    assert file.verify() == (2, 3, "its content does not match its hash (the row was altered)")
    file.close()

    removed = tmp_path / "removed.sqlite"
    removed.write_bytes(path.read_bytes())
    _tamper(removed, "DELETE FROM journal WHERE seq = 2;")
    file = JournalFile(removed, "b2-cr104")
    count, bad, why = file.verify()
    file.close()
    assert (count, bad) == (1, 3) and "removed" in why

    for target, code, words in ((path, 0, "5 rows, chain intact"), (altered, 1, "row 3: its content")):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "controller.cli", "journal", "verify", str(target), stdout=asyncio.subprocess.PIPE
        )
        out, _ = await proc.communicate()
        assert proc.returncode == code, out
        assert words in out.decode()


def test_a_journal_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(Exception, match="not-a-dir"):
        JournalFile(blocker / "journal.sqlite", "b2-cr104")


async def test_recorded_rows_are_batched_in_order_and_flushed_on_close(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.sqlite", "b2-cr104")
    await j.open()
    await j.append("daemon_started", {})
    for i in range(3):
        j.record("device_command", {"n": i}, actor="clerk")
    assert [e.kind for e in await j.entries()] == ["daemon_started"]  # still held for the batch
    await j.flush()
    rows = await j.entries()
    assert [(e.kind, e.data) for e in rows] == [
        ("daemon_started", {}),
        *[("device_command", {"n": i}) for i in range(3)],
    ]
    assert rows[1].ts_ms <= rows[2].ts_ms <= rows[3].ts_ms
    j.record("device_offline", {"device": "cam-judge"})
    await j.close()  # writes what is pending
    again = JournalFile(tmp_path / "journal.sqlite", "b2-cr104")
    try:
        assert [e.kind for e in again.entries()][-1] == "device_offline"
        assert again.verify() == (5, None, "")
    finally:
        again.close()
