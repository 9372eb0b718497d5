"""The async face of the journal: group commit in one writer thread, reads in another, and the space guard.

``append()`` returns once its row is written; rows asked for while a transaction is being written wait for
the next one, so a burst of commands in the same millisecond shares one transaction (and one fsync). With
``full`` (the default: hearing operations) the transaction is fsynced before ``append()`` returns; without
it (device commands, unless ``journal.command_sync: full``) the row is in the journal file before the caller
goes on, so the daemon's crash (kill -9) cannot lose it, and the writer fsyncs it right after, while the
command is on the wire: no command waits for a disk flush before it is sent (on this project's machines an
fsync takes 0.3-10 ms), and its ``ok`` waits for ``durable()``, so no reply says ok for a row a power cut
could still take.
``log_ahead()`` (device commands) does not wait for the writer at all: the row is one line in the ahead log
(``ahead.py``) when it returns, fdatasynced on the next loop turn, and joins the next batch (``BATCH_DELAY_S``
later, with the command's outcome); ``durable(number)`` returns once that line (or the database holding it)
is on disk.
``record()`` is for what nobody waits for (link changes, command outcomes): such rows join the next
transaction, or are written together ``BATCH_DELAY_S`` later. Rows are numbered in the order they were
asked for. Listeners (``written``) are told of every row once it is on disk and before its ``append()``
returns, in order: the hearing's ledger applies them there.

When the journal cannot write (``space.py``), ``append()`` raises ``JournalError`` and the operation that
asked must not happen; the ``journal_unavailable`` row is written from the reserve, the status listeners hear
``unavailable``, rows nobody waits for are kept (up to ``HELD_MAX``) until the journal can write again, and a
probe tries every ``PROBE_UNAVAILABLE_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from controller.journal.ahead import AheadLog
from controller.journal.kinds import Actor, Kind
from controller.journal.rows import Entry, JournalError, JournalWriteFailed, Row
from controller.journal.space import MiB, SpaceGuard, SpaceLimits, SpaceState
from controller.journal.store import JournalFile, data_text

BATCH_DELAY_S = 0.05  # how long rows nobody waits for are held to be written together
PROBE_OK_S = 10.0  # how often the free space is looked at while all is well
PROBE_UNAVAILABLE_S = 1.0  # how often a journal that cannot write tries again
HELD_MAX = 20_000  # rows nobody waits for, kept while the journal cannot write

T = TypeVar("T")
log = logging.getLogger(__name__)

WrittenListener = Callable[[list[Entry]], None]
StatusListener = Callable[[], None]


@dataclass
class _Pending:
    row: Row
    waiter: asyncio.Future[Entry] | None
    full: bool = False
    ahead: int | None = None  # its line in the ahead log


class _WriteFailed(Exception):
    """From the writer thread: the batch was not written; ``alarm`` is what could be written instead."""

    def __init__(self, error: JournalError, alarm: list[Entry]) -> None:
        super().__init__(str(error))
        self.error = error
        self.alarm = alarm


def make_row(kind: Kind, data: dict[str, Any], actor: Actor | str, hearing_id: str | None) -> Row:
    """A row stamped now, with the actor's name and role (if known) under ``by`` in its data."""
    who = Actor.of(actor)
    extra = who.as_data()
    if extra is not None:
        data = {**data, "by": extra}
    try:
        text = data_text(data)
    except (TypeError, ValueError) as exc:
        raise JournalError(f"journal: a {kind} row cannot be stored: {exc}") from None
    return Row(str(kind), who.id, data, text, hearing_id, int(time.time() * 1000))


def _bounded(pending: list[_Pending]) -> list[_Pending]:
    """Rows held while the journal cannot write, at most HELD_MAX: the oldest background rows go first; a row
    already in the ahead log is never dropped (a later line written would mark it as in the database)."""
    excess = len(pending) - HELD_MAX
    if excess <= 0:
        return pending
    kept: list[_Pending] = []
    for p in pending:
        if excess > 0 and p.ahead is None and p.waiter is None:
            excess -= 1
            continue
        kept.append(p)
    return kept


class Journal:
    """One room's journal: ``await open()``, then ``append`` / ``record``; ``await close()`` writes what is held."""

    def __init__(self, path: Path, room_id: str, limits: SpaceLimits | None = None) -> None:
        self.path = path
        self.room_id = room_id
        self.space = SpaceGuard(path.parent, limits or SpaceLimits())
        self.written: list[WrittenListener] = []  # told of rows once on disk, in order
        self.status_listeners: list[StatusListener] = []  # told when ``status`` changes
        self.status: SpaceState = "ok"
        self.problem: str | None = None  # why the journal cannot write (or is low on space)
        self.head: Entry | None = None  # the newest row on disk
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-read")
        self._syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-sync")  # never delays a write
        self._file: JournalFile | None = None
        self._read_file: JournalFile | None = None
        self._pending: list[_Pending] = []
        self._ahead: AheadLog | None = None  # the ahead log, held while the journal is open
        self._ahead_next = 1
        self._ahead_unsynced = False  # lines written to the ahead log and not fdatasynced since
        self._sync_due = False  # a sync of the ahead log is asked for on the next loop turn
        self._ahead_in_db = 0  # the last ahead line the database holds (committed)
        self._ahead_kept = 0  # the last ahead line the database holds on disk (committed and synced)
        self._ahead_synced = 0  # the last ahead line fdatasynced in the ahead log itself
        self._durable_waiters: list[tuple[int, asyncio.Future[None]]] = []  # durable(): line number, waiter
        self._ahead_lines = False  # the ahead log holds lines (it is emptied once the database keeps them all)
        self._writing = False
        self._idle = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._unsynced = False  # rows written without fsync and not synced since
        self._syncing = False
        self._probe: asyncio.Task[None] | None = None
        self._status_changed = asyncio.Event()

    # -- life ----------------------------------------------------------------------------------------------
    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._file = await loop.run_in_executor(
            self._writer, functools.partial(JournalFile, self.path, self.room_id, writer=True)
        )
        self._ahead, self._ahead_next = self._file.ahead, self._file.ahead_next
        self.head = await loop.run_in_executor(self._writer, self._file.last)
        try:
            await loop.run_in_executor(self._writer, self.space.allocate)
        except OSError as exc:  # no room even for the reserve: start, say so, refuse what must be kept
            self.space.released = True
            self._set_status("unavailable", f"journal reserve {self.space.reserve_path}: cannot allocate: {exc}")
        self._idle.set()
        self._probe = asyncio.create_task(self._probe_loop(), name="journal-space")

    async def close(self) -> None:
        await self.flush()
        self._wake_durable(everyone=True)
        if self._pending:  # the journal could not write them, and the process is ending: say what is lost
            log.error("journal: %d rows could not be written before the stop", len(self._pending))
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
            self._probe = None
        loop = asyncio.get_running_loop()
        if self._file is not None:
            await loop.run_in_executor(self._writer, self._file.close)
            self._file = None
        if self._read_file is not None:
            await loop.run_in_executor(self._reader, self._read_file.close)
            self._read_file = None
        self._writer.shutdown(wait=True)
        self._reader.shutdown(wait=True)
        self._syncer.shutdown(wait=True)

    @property
    def commits(self) -> int:
        """Transactions written so far (what group commit saves is rows minus commits)."""
        return self._file.commits if self._file is not None else 0

    @property
    def syncs(self) -> int:
        """fsyncs made after rows written without one (device commands)."""
        return self._file.syncs if self._file is not None else 0

    @property
    def available(self) -> bool:
        return self.status != "unavailable"

    # -- writing -------------------------------------------------------------------------------------------
    async def append(
        self,
        kind: Kind,
        data: dict[str, Any],
        *,
        actor: Actor | str = "system",
        hearing_id: str | None = None,
        full: bool = True,
    ) -> Entry:
        """Write one row and return it once it is in the journal file (and fsynced, with ``full``);
        JournalError when it cannot be written: do not go on with what it records."""
        if self._file is None:
            raise JournalError(f"journal {self.path} is not open")
        waiter: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(make_row(kind, data, actor, hearing_id), waiter, full))
        self._kick(now=True)
        return await waiter

    def record(
        self,
        kind: Kind,
        data: dict[str, Any],
        *,
        actor: Actor | str = "system",
        hearing_id: str | None = None,
        soon: bool = False,
    ) -> None:
        """Journal in the background: the row is numbered now and written with the next transaction (at once
        with ``soon``, for rare rows that a crash should not take with it)."""
        if self._file is None:
            raise JournalError(f"journal {self.path} is not open")
        self._pending.append(_Pending(make_row(kind, data, actor, hearing_id), None))
        self._kick(now=soon)

    def log_ahead(
        self, kind: Kind, data: dict[str, Any], *, actor: Actor | str = "system", hearing_id: str | None = None
    ) -> int:
        """Keep one row at once, without waiting for the writer: one line in the ahead log (a crash of the
        daemon cannot lose it), moved into the database with the next transaction and fsynced right after.
        For device commands: their row is kept before they are sent, and no command waits for a transaction.
        Returns the line's number, for :meth:`durable`.
        JournalError when the journal cannot write: do not go on with what it records."""
        if self._file is None or self._ahead is None:
            raise JournalError(f"journal {self.path} is not open")
        if not self.available:
            raise JournalError(f"journal {self.path} cannot write: {self.problem}")
        row = make_row(kind, data, actor, hearing_id)
        number = self._ahead_next
        try:
            self._ahead.write(number, row)
        except JournalWriteFailed as exc:
            self._set_status("unavailable", str(exc))
            raise
        self._ahead_next += 1
        self._ahead_lines = self._ahead_unsynced = True
        self._pending.append(_Pending(row, None, ahead=number))
        # The line goes to disk on the next loop turn, once the command is on the wire, in the syncer thread
        # (a system call: it hardly holds the interpreter); the database takes it with the next batch,
        # BATCH_DELAY_S later or with any transaction before: a transaction (Python and SQLite in the writer
        # thread) started now would compete with the command for the interpreter while it is on the wire, and
        # the command's outcome row joins the same batch.
        if not self._sync_due:
            self._sync_due = True
            asyncio.get_running_loop().call_soon(self._sync_ahead)
        self._kick(now=False)
        return number

    async def durable(self, number: int) -> None:
        """Return once ahead line ``number`` is on disk (its own fdatasync, or the database's synced
        transaction that took it); at once when it already is, which is the rule for a command whose wire time
        covered the sync. A sync that fails makes the journal unavailable (its alarm) and ends the wait."""
        if number <= self._durable_upto() or self._file is None:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._durable_waiters.append((number, waiter))
        if self._ahead_unsynced and not self._sync_due:
            self._sync_soon()
        await waiter

    def _durable_upto(self) -> int:
        return max(self._ahead_synced, self._ahead_kept)

    def _wake_durable(self, everyone: bool = False) -> None:
        if not self._durable_waiters:
            return
        upto, waiting = self._durable_upto(), []
        for number, waiter in self._durable_waiters:
            if everyone or number <= upto:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                waiting.append((number, waiter))
        self._durable_waiters = waiting

    def _sync_ahead(self) -> None:
        self._sync_due = False
        self._sync_soon()

    async def flush(self) -> None:
        """Write (and fsync) every row held now, when the journal can, and wait until the writer is idle."""
        while self._file is not None:
            self._kick(now=True)
            if (self._unsynced or self._ahead_unsynced) and self.available and not self._writing:
                self._sync_soon()
            if not (self._writing or self._syncing):
                return
            self._idle.clear()
            await self._idle.wait()

    def _kick(self, now: bool) -> None:
        if self._writing or not self._pending:
            return
        if not now and self._timer is not None:
            return  # a batch is already due: this row goes with it (no look through the rows per row)
        if now or any(p.waiter is not None for p in self._pending):
            self._start_write()
        else:
            self._timer = asyncio.get_running_loop().call_later(BATCH_DELAY_S, self._start_write)

    def _start_write(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writing or self._file is None:
            return
        batch, self._pending = self._pending, []
        self._writing = True
        self._idle.clear()
        full = any(p.full for p in batch)
        ahead_upto = max((p.ahead for p in batch if p.ahead is not None), default=None)
        loop = asyncio.get_running_loop()
        future = self._writer.submit(self._write, [p.row for p in batch], full, ahead_upto)
        # straight back to the loop from the writer thread: one loop turn less than run_in_executor's chaining
        future.add_done_callback(lambda done: loop.call_soon_threadsafe(self._written, batch, done))

    def _write(self, rows: list[Row], full: bool, ahead_upto: int | None) -> tuple[list[Entry], SpaceState]:
        """Writer thread: check the space, write the batch (after ``journal_available`` when the journal has
        just got its space back); on failure, give up the reserve once and write the alarm into it."""
        file = self._file
        assert file is not None
        was_released = self.space.released
        try:
            self.space.check()
            if was_released:
                back = make_row(Kind.JOURNAL_AVAILABLE, {"free_mb": round(self.space.free() / MiB, 1)}, "system", None)
                rows = [back, *rows]
            entries = file.append_many(rows, full, ahead_upto) if rows else []
        except JournalWriteFailed as exc:
            alarm: list[Entry] = []
            if not self.space.released:
                self.space.release()
                row = make_row(Kind.JOURNAL_UNAVAILABLE, {"problem": str(exc)}, "system", None)
                with contextlib.suppress(JournalWriteFailed):
                    alarm = file.append_many([row])
            raise _WriteFailed(exc, alarm) from None
        # the free space is looked at again only when it matters now (the probe looks every PROBE_OK_S)
        return entries, self.space.state() if was_released or self.status != "ok" else "ok"

    def _written(self, batch: list[_Pending], done: Future[tuple[list[Entry], SpaceState]]) -> None:
        self._writing = False
        error = done.exception() if not done.cancelled() else JournalError("journal write cancelled")
        if error is None:
            entries, state = done.result()
            ahead_upto = max((p.ahead for p in batch if p.ahead is not None), default=None)
            if ahead_upto is not None:
                self._ahead_in_db = ahead_upto
            if entries:
                self._unsynced = not any(p.full for p in batch)
                if not self._unsynced:  # fsynced in the transaction
                    self._ahead_kept = self._ahead_in_db
                    self._wake_durable()
            self._tell(entries)
            for pending, entry in zip(batch, entries[len(entries) - len(batch) :], strict=True):
                if pending.waiter is not None and not pending.waiter.done():
                    pending.waiter.set_result(entry)
            self._space_state(state)
            self._clear_ahead()
        else:
            failure = error.error if isinstance(error, _WriteFailed) else JournalError(f"journal: {error}")
            if isinstance(error, _WriteFailed):
                self._tell(error.alarm)
            held = [p for p in batch if p.waiter is None]
            for pending in batch:
                if pending.waiter is not None and not pending.waiter.done():
                    pending.waiter.set_exception(JournalError(str(failure)))
            self._pending = _bounded(held + self._pending)
            self._set_status("unavailable", str(failure))
        self._idle.set()
        if self.available or any(p.waiter is not None for p in self._pending):
            self._kick(now=False)
        if (self._unsynced and not self._writing) or self._ahead_unsynced:
            self._sync_soon()

    def _sync_soon(self) -> None:
        """fsync what was written without it, in a thread of its own: a slow disk flush never holds up the
        next row (fsync from any descriptor flushes the whole file): the ahead log's new lines, and the
        database's transactions written without fsync (not while one is being written: it is synced after)."""
        if self._syncing or self._file is None:
            return
        ahead = self._ahead if self._ahead_unsynced else None
        database = self._unsynced and not self._writing
        if ahead is None and not database:
            return
        self._syncing, self._ahead_unsynced = True, False
        if database:
            self._unsynced = False
        kept = self._ahead_in_db if database else None
        lines = self._ahead_next - 1 if ahead is not None else None  # every line written so far
        self._idle.clear()
        future = asyncio.get_running_loop().run_in_executor(self._syncer, self._sync, ahead, database)
        future.add_done_callback(functools.partial(self._synced, kept, lines))

    def _sync(self, ahead: AheadLog | None, database: bool) -> None:
        """Syncer thread: the ahead log's lines, then the database."""
        if ahead is not None:
            ahead.sync()
        if database and self._file is not None:
            self._file.sync()

    def _synced(self, kept: int | None, lines: int | None, done: asyncio.Future[None]) -> None:
        self._syncing = False
        error = done.exception() if not done.cancelled() else None
        if error is not None:
            self._unsynced = self._ahead_unsynced = True
            self._set_status("unavailable", str(error))
            self._wake_durable(everyone=True)  # the row is written, not known on disk: the alarm says so
        else:
            if lines is not None:
                self._ahead_synced = max(self._ahead_synced, lines)
            if kept is not None:
                self._ahead_kept = max(self._ahead_kept, kept)
                self._clear_ahead()
            self._wake_durable()
            if (self._unsynced and not self._writing) or self._ahead_unsynced:  # written while this sync ran
                self._sync_soon()
        self._idle.set()

    def _clear_ahead(self) -> None:
        """Empty the ahead log once the database holds every line of it on disk (a power cut after the
        emptying must not find the lines in neither place)."""
        if self._ahead_lines and self._ahead is not None and self._ahead_kept >= self._ahead_next - 1:
            self._ahead.clear()
            self._ahead_lines = False

    def _tell(self, entries: list[Entry]) -> None:
        if not entries:
            return
        self.head = entries[-1]
        for listener in list(self.written):
            try:
                listener(entries)
            except Exception:  # a listener's bug must not lose the rows for the others
                log.exception("journal listener failed")

    def _space_state(self, state: SpaceState) -> None:
        if state == self.status:
            return
        free_mb = round(self.space.free() / MiB, 1)
        if state == "low_space":
            self.record(Kind.JOURNAL_SPACE_LOW, {"free_mb": free_mb})
            self._set_status(state, f"state_dir has only {free_mb} MiB free")
        elif state == "ok" and self.status == "low_space":
            self.record(Kind.JOURNAL_SPACE_OK, {"free_mb": free_mb})
            self._set_status(state, None)
        else:
            self._set_status(state, None if state == "ok" else self.problem)

    def _set_status(self, state: SpaceState, problem: str | None) -> None:
        changed = state != self.status or problem != self.problem
        self.status, self.problem = state, problem
        if state == "unavailable":
            log.error("journal cannot write: %s", problem)
        if changed:
            self._status_changed.set()
            for listener in list(self.status_listeners):
                try:
                    listener()
                except Exception:
                    log.exception("journal status listener failed")

    async def _probe_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._status_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._status_changed.wait(), PROBE_OK_S if self.available else PROBE_UNAVAILABLE_S
                )
            if self._writing:
                continue
            if not self.available:
                self._start_write()  # tries the space again, with whatever is held
            else:
                self._space_state(await loop.run_in_executor(self._writer, self.space.state))

    # -- reading (a connection of its own, in a thread of its own: a long read never delays a write) -------
    async def read(self, fn: Callable[[JournalFile], T]) -> T:
        """Run ``fn`` on the journal's read connection, in its reader thread."""

        def run() -> T:
            if self._read_file is None:
                self._read_file = JournalFile(self.path, self.room_id, create=False)
            return fn(self._read_file)

        return await asyncio.get_running_loop().run_in_executor(self._reader, run)

    async def entries(self, hearing_id: str | None = None, after_seq: int = 0) -> list[Entry]:
        return await self.read(lambda f: list(f.entries(hearing_id, after_seq)))

    async def last(self, kind: Kind | None = None) -> Entry | None:
        return await self.read(lambda f: f.last(kind))

    async def verify(self) -> tuple[int, int | None, str]:
        return await self.read(lambda f: f.verify())
