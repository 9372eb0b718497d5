"""The ahead log: where a device command's row is kept in the microseconds before the database has it.

A device command must be in the journal before it is sent and before its ``ok`` goes out, but it should not
wait for a database transaction in the writer thread (a thread hop there and back, then SQLite: about a
millisecond, more on a busy machine). So ``Journal.log_ahead`` writes the row as one line to this plain file,
with one ``write()`` from the event loop (the page cache: a few microseconds, and a kill -9 of the daemon
cannot take it back); the journal's syncer thread fdatasyncs it while the command is on the wire (``sync``), and
the writer thread moves it into the database with the next batch. The database remembers, in the same
transaction, the number of the last line it holds (table ``ahead``), so a line is never written twice; once
every line is in the database, on disk, the file is emptied.

The file belongs to the process that holds its lock (``flock``): the daemon's writer. Whoever opens the
journal for writing while nobody holds it (the daemon at its next start, ``courtroom journal`` after a crash)
first moves what the file still holds into the database, in order. A line cut short by the crash was never
acknowledged (its ``write()`` had not returned) and is dropped with a warning; any other line that cannot be
read is a ``JournalError`` naming the file and the line.

Line format: a JSON array ``[n, kind, actor, hearing_id, ts_ms, data_text]``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path

from controller.journal.rows import JournalError, JournalWriteFailed, Row

log = logging.getLogger(__name__)


def ahead_path(journal: Path) -> Path:
    return journal.with_name(journal.name + "-ahead")


class AheadLog:
    """The ahead file of one journal, locked by whoever holds this object open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_lock(self) -> bool:
        """Open and lock the file; False when another process (or another opener) holds it."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        except OSError as exc:
            raise JournalError(f"journal ahead log {self.path}: cannot open: {exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def read(self) -> list[tuple[int, Row]]:
        """The lines the file holds, in order (a torn last line left out)."""
        assert self._fd is not None
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise JournalError(f"journal ahead log {self.path}: cannot read: {exc}") from None
        lines = raw.split(b"\n")
        out: list[tuple[int, Row]] = []
        for number, line in enumerate(lines, 1):
            if not line:
                continue
            last = number == len(lines)  # no newline after it: the write was cut short
            try:
                n, kind, actor, hearing_id, ts_ms, text = json.loads(line)
                data = json.loads(text)
                if not isinstance(n, int) or not isinstance(data, dict):
                    raise ValueError("not a row")
            except (ValueError, TypeError) as exc:
                if last:
                    log.warning("journal ahead log %s: a torn last line was dropped (never acknowledged)", self.path)
                    break
                raise JournalError(f"journal ahead log {self.path}: line {number} cannot be read: {exc}") from None
            out.append((n, Row(kind, actor, data, text, hearing_id, ts_ms)))
        return out

    def write(self, n: int, row: Row) -> None:
        """Append one row as one line with one write() (O_APPEND: whole, after every line before it)."""
        if self._fd is None:
            raise JournalError(f"journal ahead log {self.path} is not open")
        line = json.dumps([n, row.kind, row.actor, row.hearing_id, row.ts_ms, row.text], ensure_ascii=False)
        data = (line + "\n").encode("utf-8")
        try:
            written = os.write(self._fd, data)
        except OSError as exc:
            raise JournalWriteFailed(f"journal ahead log {self.path}: cannot append a {row.kind} row: {exc}") from None
        if written != len(data):  # a full disk mid-line: the line is torn, so it never counts
            raise JournalWriteFailed(f"journal ahead log {self.path}: only {written} of {len(data)} bytes written")

    def sync(self) -> None:
        """fdatasync the lines written so far (the syncer thread); JournalWriteFailed when the disk refuses."""
        fd = self._fd
        if fd is None:
            return
        try:
            os.fdatasync(fd)
        except OSError as exc:
            raise JournalWriteFailed(f"journal ahead log {self.path}: cannot sync: {exc}") from None

    def clear(self) -> None:
        """Empty the file once the database holds every line of it."""
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError as exc:  # harmless: the database knows which lines it already has
                log.warning("journal ahead log %s: cannot empty it: %s", self.path, exc)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # the lock goes with the descriptor
            self._fd = None
