"""The journal: the hearing record and audit trail, append-only in SQLite, each row chained to the one before.

Every transition, interruption, mark, alarm, device fault and operator action becomes one row. Nothing in the
code can change or remove a row, and the database refuses it too (triggers); each row carries the SHA-256 of
the row before it, so ``verify()`` names the first row that was altered outside the program. Writes go
through one worker thread (SQLite calls block), with WAL and ``synchronous=FULL`` so a row reported as
written survives a power cut.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.errors import CourtroomError

GENESIS = "0" * 64
BATCH_DELAY_S = 0.05  # how long record() holds rows before writing them together

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq        INTEGER PRIMARY KEY,
    ts_ms      INTEGER NOT NULL,
    room_id    TEXT    NOT NULL,
    hearing_id TEXT,
    kind       TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_hearing ON journal (hearing_id, seq);
CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: rows cannot be deleted'); END;
"""


class JournalError(CourtroomError):
    """The journal cannot be opened or written, or a row does not verify."""

    code = "JOURNAL_ERROR"


@dataclass(frozen=True)
class Entry:
    """One journal row."""

    seq: int
    ts_ms: int
    room_id: str
    hearing_id: str | None
    kind: str
    actor: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


Fields = tuple[int, str, str | None, str, str, str]  # ts_ms, room_id, hearing_id, kind, actor, data (JSON text)


@dataclass(frozen=True)
class Row:
    """A row not yet written: what the caller says, stamped with its time when it was said."""

    kind: str
    actor: str
    data: dict[str, Any]
    hearing_id: str | None
    ts_ms: int


def row_hash(prev_hash: str, fields: Fields) -> str:
    """SHA-256 over the previous hash and this row's fields, in a fixed JSON form."""
    body = json.dumps([prev_hash, *fields], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class JournalFile:
    """Blocking access to one journal database; use ``Journal`` from async code."""

    def __init__(self, path: Path, room_id: str) -> None:
        self.path = path
        self.room_id = room_id
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"journal {path}: cannot open: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def append(self, kind: str, actor: str, data: dict[str, Any], *, hearing_id: str | None, ts_ms: int) -> Entry:
        return self.append_many([Row(kind, actor, data, hearing_id, ts_ms)])[0]

    def append_many(self, rows: list[Row]) -> list[Entry]:
        """Write rows in order in one transaction (one fsync); all of them or none."""
        written: list[Entry] = []
        try:
            self.db.execute("BEGIN IMMEDIATE")
            last = self.db.execute("SELECT hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
            prev = last[0] if last else GENESIS
            for row in rows:
                text = json.dumps(row.data, ensure_ascii=False, sort_keys=True)
                fields = (row.ts_ms, self.room_id, row.hearing_id, row.kind, row.actor, text)
                digest = row_hash(prev, fields)
                cur = self.db.execute(
                    "INSERT INTO journal (ts_ms, room_id, hearing_id, kind, actor, data, prev_hash, hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*fields, prev, digest),
                )
                assert cur.lastrowid is not None
                written.append(
                    Entry(
                        cur.lastrowid,
                        row.ts_ms,
                        self.room_id,
                        row.hearing_id,
                        row.kind,
                        row.actor,
                        row.data,
                        prev,
                        digest,
                    )
                )
                prev = digest
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            kinds = ", ".join(row.kind for row in rows)
            raise JournalError(f"journal {self.path}: cannot append {kinds}: {exc}") from exc
        return written

    def entries(self, hearing_id: str | None = None, after_seq: int = 0) -> Iterator[Entry]:
        query = "SELECT seq, ts_ms, room_id, hearing_id, kind, actor, data, prev_hash, hash FROM journal WHERE seq > ?"
        args: list[Any] = [after_seq]
        if hearing_id is not None:
            query += " AND hearing_id = ?"
            args.append(hearing_id)
        for row in self.db.execute(query + " ORDER BY seq", args):
            yield Entry(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7], row[8])

    def last(self, kind: str | None = None) -> Entry | None:
        """The newest row (of ``kind``, when given)."""
        query = "SELECT seq, ts_ms, room_id, hearing_id, kind, actor, data, prev_hash, hash FROM journal"
        args: list[Any] = []
        if kind is not None:
            query += " WHERE kind = ?"
            args.append(kind)
        row = self.db.execute(query + " ORDER BY seq DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        return Entry(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7], row[8])

    def hearings(self, case_no: str | None = None) -> list[tuple[str, int, str]]:
        """Every hearing opened in this journal, oldest first: (hearing id, opened ts, case number)."""
        out = []
        for hearing_id, ts_ms, data in self.db.execute(
            "SELECT hearing_id, ts_ms, data FROM journal WHERE kind = 'hearing_opened' ORDER BY seq"
        ):
            case = json.loads(data).get("case_no", "")
            if case_no is None or case == case_no:
                out.append((hearing_id, ts_ms, case))
        return out

    def verify(self) -> tuple[int, int | None, str]:
        """Walk the chain: (rows checked, seq of the first bad row or None, what is wrong with it)."""
        prev = GENESIS
        count = 0
        query = "SELECT seq, ts_ms, room_id, hearing_id, kind, actor, data, prev_hash, hash FROM journal ORDER BY seq"
        for seq, ts_ms, room_id, hearing_id, kind, actor, data, prev_hash, digest in self.db.execute(query):
            if prev_hash != prev:
                return count, seq, "its prev_hash does not match the hash of the row before it (a row was removed)"
            if row_hash(prev_hash, (ts_ms, room_id, hearing_id, kind, actor, data)) != digest:
                return count, seq, "its content does not match its hash (the row was altered)"
            prev = digest
            count += 1
        return count, None, ""


class Journal:
    """The async face of the journal: every call runs in the journal's one worker thread, in order."""

    def __init__(self, path: Path, room_id: str) -> None:
        self.path = path
        self.room_id = room_id
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self._file: JournalFile | None = None
        self._batch: list[Row] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flushing: set[asyncio.Future[list[Entry]]] = set()

    async def open(self) -> None:
        self._file = await self._run(JournalFile, self.path, self.room_id)

    async def close(self) -> None:
        await self.flush()
        if self._file is not None:
            await self._run(self._file.close)
            self._file = None
        self._pool.shutdown(wait=True)

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _open_file(self) -> JournalFile:
        if self._file is None:
            raise JournalError(f"journal {self.path} is not open")
        return self._file

    async def append(
        self, kind: str, data: dict[str, Any], *, actor: str = "system", hearing_id: str | None = None
    ) -> Entry:
        """Write one row and return it once it is on disk (after the rows ``record()`` still holds, so the
        journal's order is the order things happened)."""
        file = self._open_file()
        if self._batch:
            if self._flush_handle is not None:
                self._flush_handle.cancel()
            self._flush_soon()  # the worker thread runs jobs in order: these rows are written first
        write = functools.partial(file.append, hearing_id=hearing_id, ts_ms=int(time.time() * 1000))
        entry: Entry = await self._run(write, kind, actor, data)
        return entry

    def record(self, kind: str, data: dict[str, Any], *, actor: str = "system", hearing_id: str | None = None) -> None:
        """Journal in the background, for the audit trail of routine events (device commands, link changes).

        Rows are stamped now and written in order, together, ``BATCH_DELAY_S`` later in one transaction: one
        fsync for a burst, and none competing with the reply a command is sending. ``append()`` is for what
        must be on disk before the caller goes on (hearing transitions). ``close()`` writes what is pending.
        """
        self._open_file()
        self._batch.append(Row(kind, actor, data, hearing_id, int(time.time() * 1000)))
        if self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_later(BATCH_DELAY_S, self._flush_soon)

    def _flush_soon(self) -> None:
        self._flush_handle = None
        rows, self._batch = self._batch, []
        if not rows:
            return
        future = asyncio.ensure_future(self._run(self._open_file().append_many, rows))
        self._flushing.add(future)
        future.add_done_callback(self._flushed)

    def _flushed(self, future: asyncio.Future[list[Entry]]) -> None:
        self._flushing.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("journal: %s", future.exception())

    async def flush(self) -> None:
        """Write every row ``record()`` still holds, and wait for rows being written."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        self._flush_soon()
        await asyncio.gather(*self._flushing, return_exceptions=True)

    async def entries(self, hearing_id: str | None = None, after_seq: int = 0) -> list[Entry]:
        file = self._open_file()
        result: list[Entry] = await self._run(lambda: list(file.entries(hearing_id, after_seq)))
        return result

    async def last(self, kind: str | None = None) -> Entry | None:
        file = self._open_file()
        result: Entry | None = await self._run(file.last, kind)
        return result

    async def verify(self) -> tuple[int, int | None, str]:
        file = self._open_file()
        result: tuple[int, int | None, str] = await self._run(file.verify)
        return result
