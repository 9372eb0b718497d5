"""The ahead log: a device command's row is kept the moment it is asked for, and the next opener of the journal
moves what a dead writer left there into the database, once, in order."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from controller.journal import Journal, JournalError, JournalFile, Kind
from controller.journal.ahead import AheadLog, ahead_path
from controller.journal.store import Row
from controller.journal.writer import BATCH_DELAY_S

ROOM = "b2-cr104"

# A daemon that keeps 50 command rows and dies (os._exit: no close, no flush) while the database is locked by
# another connection, so that none of them can have reached the database: they are in the ahead log only.
CHILD = textwrap.dedent(
    """
    import asyncio, os, sys
    from pathlib import Path
    from controller.journal import Journal, Kind

    async def main() -> None:
        journal = Journal(Path(sys.argv[1]), "b2-cr104")
        await journal.open()
        for n in range(50):
            journal.log_ahead(Kind.DEVICE_COMMAND, {"device": "cam-judge", "ref": f"r{n}"}, actor="mqtt:platform")
        print("kept", flush=True)
        os._exit(0)

    asyncio.run(main())
    """
)


def _refs(path: Path) -> list[str]:
    file = JournalFile(path, ROOM)
    try:
        return [str(e.data.get("ref")) for e in file.entries() if e.kind == Kind.DEVICE_COMMAND]
    finally:
        file.close()


async def _started(path: Path) -> None:
    journal = Journal(path, ROOM)
    await journal.open()
    await journal.close()


def test_rows_of_a_writer_that_died_before_its_transaction_are_moved_in_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    asyncio.run(_started(path))  # the database exists, with its ahead marker
    blocker = sqlite3.connect(str(path), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the dying writer cannot commit anything
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=60, check=False
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert out.returncode == 0 and "kept" in out.stdout, out.stderr
    assert len(ahead_path(path).read_bytes().splitlines()) == 50  # nothing of it reached the database
    assert _refs(path) == [f"r{n}" for n in range(50)]  # the next opener moved them in, in order
    assert ahead_path(path).read_bytes() == b""
    assert _refs(path) == [f"r{n}" for n in range(50)]  # and only once
    asyncio.run(_started(path))
    assert len(_refs(path)) == 50
    file = JournalFile(path, ROOM)
    try:
        assert file.verify()[1] is None  # the chain holds across the move
    finally:
        file.close()


async def test_a_running_journal_keeps_rows_ahead_then_in_the_database_and_numbers_on(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    for round_ in range(2):
        journal = Journal(path, ROOM)
        await journal.open()
        for n in range(30):
            journal.log_ahead(Kind.DEVICE_COMMAND, {"device": "rec-main", "ref": f"{round_}-{n}"})
        await journal.flush()
        assert ahead_path(path).read_bytes() == b""  # emptied once the database held every line
        await journal.close()
    assert _refs(path) == [f"{r}-{n}" for r in range(2) for n in range(30)]


async def test_a_command_row_joins_the_next_batch_with_its_outcome_instead_of_a_transaction_of_its_own(
    tmp_path: Path,
) -> None:
    """No transaction runs in the writer thread while the command is on the wire: its row is on disk in the
    ahead log (fdatasynced by the syncer thread), and the database takes it with its outcome, in one batch."""
    path = tmp_path / "journal.sqlite"
    journal = Journal(path, ROOM)
    await journal.open()
    try:
        await journal.flush()
        commits = journal.commits
        journal.log_ahead(Kind.DEVICE_COMMAND, {"device": "cam-judge", "ref": "a1", "command": "1.1"})
        await asyncio.sleep(0)
        journal.record(Kind.DEVICE_COMMAND_OUTCOME, {"device": "cam-judge", "command": "1.1", "outcome": "ok"})
        assert journal.commits == commits  # nothing written to the database while the command ran
        assert len(ahead_path(path).read_bytes().splitlines()) == 1  # but its row is kept
        await asyncio.sleep(BATCH_DELAY_S * 4)
        assert journal.commits == commits + 1  # the row and its outcome: one transaction
        await journal.flush()
        assert ahead_path(path).read_bytes() == b""  # emptied once the database kept both on disk
    finally:
        await journal.close()
    assert _refs(path) == ["a1"]


async def test_a_second_writer_is_refused_while_the_first_holds_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    first = Journal(path, ROOM)
    await first.open()
    try:
        with pytest.raises(JournalError, match="another process is writing it"):
            await Journal(path, ROOM).open()
        reader = JournalFile(path, ROOM, create=False)  # readers never take the log from the writer
        reader.close()
    finally:
        await first.close()


def _write_lines(path: Path, rows: list[Row]) -> AheadLog:
    log = AheadLog(ahead_path(path))
    assert log.try_lock()
    for n, row in enumerate(rows, 1):
        log.write(n, row)
    return log


def test_a_torn_last_line_is_dropped_and_a_damaged_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    asyncio.run(_started(path))
    rows = [
        Row("device_command", "system", {"ref": f"t{n}"}, f'{{"ref": "t{n}"}}', None, 1_700_000_000_000 + n)
        for n in range(3)
    ]
    log = _write_lines(path, rows)
    log.close()
    with ahead_path(path).open("ab") as f:
        f.write(b'[4, "device_command", "sys')  # the crash cut this write short: it was never acknowledged
    assert _refs(path) == ["t0", "t1", "t2"]

    log = _write_lines(path, rows)  # a damaged line that is not the last is not a torn write: it is named
    log.close()
    lines = ahead_path(path).read_bytes().splitlines(keepends=True)
    lines[1] = b"not json\n"
    ahead_path(path).write_bytes(b"".join(lines))
    with pytest.raises(JournalError, match=r"journal\.sqlite-ahead: line 2 cannot be read"):
        JournalFile(path, ROOM)


async def test_a_commands_row_is_durable_before_its_ok_and_waits_for_nobody_once_synced(tmp_path: Path) -> None:
    """``durable()`` (what a device command's ok waits for) returns only after the fdatasync that covers its
    line: here the syncer thread is held, so the row is written but not known on disk, and the ok must wait."""
    journal = Journal(tmp_path / "journal.sqlite", ROOM)
    await journal.open()
    gate = threading.Event()
    held = asyncio.get_running_loop().run_in_executor(journal._syncer, gate.wait)  # the disk flush cannot run
    try:
        number = journal.log_ahead(Kind.DEVICE_COMMAND, {"device": "cam-judge", "ref": "d1"}, actor="mqtt")
        waiting = asyncio.create_task(journal.durable(number))
        await asyncio.sleep(BATCH_DELAY_S * 4)  # the batch's transaction is written meanwhile, without fsync
        assert not waiting.done(), "durable() returned before any fsync of the row"
    finally:
        gate.set()
    await asyncio.wait_for(waiting, 5)
    await held
    # synced on the next loop turn, as a command's row is while the command is on the wire: no wait at all
    later = journal.log_ahead(Kind.DEVICE_COMMAND, {"device": "cam-judge", "ref": "d2"}, actor="mqtt")
    await asyncio.sleep(0.3)  # longer than any fdatasync seen here: the wire time of a serial command
    task = asyncio.create_task(journal.durable(later))
    await asyncio.sleep(0)  # one step: a line already on disk does not make the ok wait for anything
    assert task.done() and task.exception() is None
    await journal.close()
    assert _refs(tmp_path / "journal.sqlite") == ["d1", "d2"]
