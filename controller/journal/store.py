"""The journal's database: append-only rows in SQLite, each chained to the one before by SHA-256.

Nothing in the code can change or remove a row, and the database refuses it too (triggers); each row carries
the SHA-256 of the row before it, so a walk of the chain names the first row altered outside the program (and
the signed checkpoints, ``checkpoint.py``, catch a chain rebuilt or cut short). WAL; a transaction
written ``full`` (``synchronous=FULL``: fsync before the commit returns) survives a power cut, one written
without it (``NORMAL``) survives the daemon's crash at once and a power cut once ``sync()`` has run. Every
SQLite or decoding error becomes a ``JournalError`` that names the file and what could not be read, never a
traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from controller.journal.ahead import AheadLog, ahead_path
from controller.journal.kinds import Kind, parse_kind
from controller.journal.rows import Entry, JournalError, JournalWriteFailed, Row

GENESIS = "0" * 64
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
CREATE INDEX IF NOT EXISTS journal_kind ON journal (kind, seq);
CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: rows cannot be deleted'); END;
"""
AHEAD_TABLE = "CREATE TABLE IF NOT EXISTS ahead (id INTEGER PRIMARY KEY CHECK (id = 1), applied INTEGER NOT NULL)"
AHEAD_APPLIED = "INSERT INTO ahead (id, applied) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET applied = ?"
COLUMNS = "seq, ts_ms, room_id, hearing_id, kind, actor, data, prev_hash, hash"
INSERT = f"INSERT INTO journal ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


Fields = tuple[int, str, str | None, str, str, str]  # ts_ms, room_id, hearing_id, kind, actor, data (JSON text)


def row_hash(prev_hash: str, fields: Fields) -> str:
    """SHA-256 over the previous hash and this row's fields, in a fixed JSON form."""
    body = json.dumps([prev_hash, *fields], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def data_text(data: dict[str, Any]) -> str:
    """The stored (and hashed) form of a row's data; TypeError/ValueError for what JSON cannot hold."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)


def _entry(row: tuple[Any, ...]) -> Entry:
    data = json.loads(row[6])
    if not isinstance(data, dict):
        raise ValueError(f"row {row[0]}: data is not a JSON object")
    return Entry(row[0], row[1], row[2], row[3], parse_kind(row[4]), row[5], data, row[7], row[8])


class JournalFile:
    """Blocking access to one journal database (one thread at a time); ``Journal`` is the async face."""

    def __init__(self, path: Path, room_id: str, *, create: bool = True, writer: bool = False) -> None:
        """Open the database; rows a stopped writer left in the ahead log are moved into it first. ``writer``:
        this is the journal's one writer, which keeps the ahead log (and its lock) open as ``ahead``."""
        self.path = path
        self.room_id = room_id
        self.commits = 0  # transactions written by this connection (group commit shares them)
        self.syncs = 0  # fsyncs of the write-ahead log apart from the commits
        self._full = True
        self._head: tuple[int, str] | None = None  # (seq, hash) of the last row, once this connection knows it
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.exists():
                raise JournalError(f"journal {path}: no such file")
            self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"journal {path}: cannot open: {exc}") from exc
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            # rows are appended at the end of the table, so a small page cache serves the writer as well as the
            # default 2 MB would; readers go through the OS page cache (keeps the daemon's memory flat, issue 11)
            self.db.execute("PRAGMA cache_size=-256")
            if create:
                self.db.executescript(SCHEMA)
                self.db.execute(AHEAD_TABLE)
            else:
                self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            self.db.close()
            raise JournalError(f"journal {path}: cannot read the database: {exc}") from None
        self.ahead: AheadLog | None = None
        self.ahead_next = 1  # the number of the next line of the ahead log
        try:
            self._take_ahead(writer)
        except JournalError:
            self.db.close()
            raise

    def close(self) -> None:
        if self.ahead is not None:
            self.ahead.close()
            self.ahead = None
        self.db.close()

    def _take_ahead(self, writer: bool) -> None:
        """Move what the ahead log holds beyond what the database has into the database, unless another
        process holds the log (a running daemon: its writer does it)."""
        ahead = AheadLog(ahead_path(self.path))
        if not writer and not ahead.path.exists():
            return
        if not ahead.try_lock():
            if writer:
                raise JournalError(f"journal {self.path}: another process is writing it (it holds {ahead.path})")
            return
        try:
            lines = ahead.read()
            applied = self.ahead_applied()
            todo = [(n, row) for n, row in lines if n > applied]
            if todo:
                self.db.execute(AHEAD_TABLE)  # in a journal opened read-only, or older than the ahead log
                self.append_many([row for _, row in todo], True, ahead_upto=todo[-1][0])
                log.warning("journal %s: %d rows kept in the ahead log moved into the database", self.path, len(todo))
            self.ahead_next = max([applied, *(n for n, _ in lines)]) + 1
            ahead.clear()
        except BaseException:
            ahead.close()
            raise
        if writer:
            self.ahead = ahead
        else:
            ahead.close()

    def ahead_applied(self) -> int:
        """The number of the last ahead-log line the database holds (0: none)."""
        try:
            row = self.db.execute("SELECT applied FROM ahead WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # a journal from before the ahead log
            return 0
        except sqlite3.Error as exc:
            raise self._fail("read its ahead marker", exc) from None
        return int(row[0]) if row else 0

    def _fail(self, what: str, exc: BaseException) -> JournalError:
        return JournalError(f"journal {self.path}: cannot {what}: {exc}")

    # -- writing -------------------------------------------------------------------------------------------
    def append_many(self, rows: list[Row], full: bool = True, ahead_upto: int | None = None) -> list[Entry]:
        """Write rows in order in one transaction, all of them or none; ``full``: fsync before returning;
        ``ahead_upto``: the rows include the ahead log's lines up to this number, remembered in the same
        transaction."""
        written: list[Entry] = []
        try:
            if full != self._full:
                self.db.execute(f"PRAGMA synchronous={'FULL' if full else 'NORMAL'}")
                self._full = full
            self.db.execute("BEGIN IMMEDIATE")
            if self._head is None:  # this connection is the journal's only writer: read the head once
                last = self.db.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
                self._head = (last[0], last[1]) if last else (0, GENESIS)
            seq, prev = self._head
            for row in rows:
                fields = (row.ts_ms, self.room_id, row.hearing_id, row.kind, row.actor, row.text)
                digest = row_hash(prev, fields)
                seq += 1
                self.db.execute(INSERT, (seq, *fields, prev, digest))
                kind = parse_kind(row.kind)
                written.append(
                    Entry(seq, row.ts_ms, self.room_id, row.hearing_id, kind, row.actor, row.data, prev, digest)
                )
                prev = digest
            if ahead_upto is not None:
                self.db.execute(AHEAD_APPLIED, (ahead_upto, ahead_upto))
            self.db.execute("COMMIT")
            self._head = (seq, prev)
            self.commits += 1
        except (sqlite3.Error, OSError) as exc:
            if self.db.in_transaction:
                # the rollback of a failed write on a full disk may fail too; nothing was committed either way
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            kinds = ", ".join(sorted({row.kind for row in rows}))
            raise JournalWriteFailed(f"journal {self.path}: cannot append {kinds}: {exc}") from None
        return written

    def sync(self) -> None:
        """fsync the write-ahead log: every transaction written so far survives a power cut."""
        try:
            fd = os.open(f"{self.path}-wal", os.O_RDONLY)
        except FileNotFoundError:
            return  # nothing since the last checkpoint, which SQLite synced itself
        except OSError as exc:
            raise JournalWriteFailed(f"journal {self.path}: cannot sync: {exc}") from None
        try:
            os.fsync(fd)
            self.syncs += 1
        except OSError as exc:
            raise JournalWriteFailed(f"journal {self.path}: cannot sync: {exc}") from None
        finally:
            os.close(fd)

    # -- reading -------------------------------------------------------------------------------------------
    def _select(self, where: str, args: list[Any], order: str = "seq", limit: int | None = None) -> Iterator[Entry]:
        query = f"SELECT {COLUMNS} FROM journal {where} ORDER BY {order}" + (f" LIMIT {limit}" if limit else "")
        try:
            for row in self.db.execute(query, args):
                yield _entry(row)
        except (sqlite3.Error, ValueError) as exc:
            raise self._fail("read its rows", exc) from None

    def entries(
        self, hearing_id: str | None = None, after_seq: int = 0, upto_seq: int | None = None
    ) -> Iterator[Entry]:
        """Rows after ``after_seq`` (up to ``upto_seq``), of one hearing when given, in order."""
        where = "WHERE seq > ?"
        args: list[Any] = [after_seq]
        if upto_seq is not None:
            where += " AND seq <= ?"
            args.append(upto_seq)
        if hearing_id is not None:
            where += " AND hearing_id = ?"
            args.append(hearing_id)
        return self._select(where, args)

    def last(self, kind: Kind | None = None) -> Entry | None:
        """The newest row (of ``kind``, when given)."""
        where, args = ("WHERE kind = ?", [str(kind)]) if kind is not None else ("", [])
        return next(self._select(where, args, "seq DESC", 1), None)

    def first(self, kind: Kind, hearing_id: str) -> Entry | None:
        """The oldest row of ``kind`` of one hearing."""
        return next(self._select("WHERE kind = ? AND hearing_id = ?", [str(kind), hearing_id], "seq", 1), None)

    def last_before(self, kind: Kind, seq: int) -> Entry | None:
        """The newest row of ``kind`` before row ``seq``."""
        return next(self._select("WHERE kind = ? AND seq < ?", [str(kind), seq], "seq DESC", 1), None)

    def first_after(self, kind: Kind, seq: int) -> Entry | None:
        """The oldest row of ``kind`` after row ``seq``."""
        return next(self._select("WHERE kind = ? AND seq > ?", [str(kind), seq], "seq", 1), None)

    def at(self, seq: int) -> Entry | None:
        """The row numbered ``seq``."""
        return next(self._select("WHERE seq = ?", [seq], "seq", 1), None)

    def hearings(self, case_no: str | None = None) -> list[tuple[str, int, str]]:
        """Every hearing opened in this journal, oldest first: (hearing id, opened ts, case number)."""
        out = []
        for entry in self._select("WHERE kind = ?", [str(Kind.HEARING_OPENED)]):
            case = str(entry.data.get("case_no", ""))
            if entry.hearing_id is not None and (case_no is None or case == case_no):
                out.append((entry.hearing_id, entry.ts_ms, case))
        return out

    def raw_rows(self) -> Iterator[tuple[int, Fields, str, str]]:
        """(seq, hashed fields, prev_hash, hash) of every row in order, as stored: what verification walks."""
        query = f"SELECT {COLUMNS} FROM journal ORDER BY seq"
        try:
            for seq, ts_ms, room_id, hearing_id, kind, actor, data, prev_hash, digest in self.db.execute(query):
                yield seq, (ts_ms, room_id, hearing_id, kind, actor, data), prev_hash, digest
        except sqlite3.Error as exc:
            raise self._fail("read its rows", exc) from None

    def verify(self) -> tuple[int, int | None, str]:
        """Walk the chain: (rows checked, seq of the first bad row or None, what is wrong with it)."""
        prev = GENESIS
        count = 0
        for seq, fields, prev_hash, digest in self.raw_rows():
            if prev_hash != prev:
                return count, seq, "its prev_hash does not match the hash of the row before it (a row was removed)"
            if row_hash(prev_hash, fields) != digest:
                return count, seq, "its content does not match its hash (the row was altered)"
            prev = digest
            count += 1
        return count, None, ""
