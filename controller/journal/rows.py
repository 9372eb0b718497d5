"""What the journal's rows are, and its errors: shared by the database (``store``) and the ahead log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from controller.journal.kinds import Kind
from drivers.errors import CourtroomError


class JournalError(CourtroomError):
    """The journal cannot be opened, read or written, or a row does not verify."""

    code = "JOURNAL_ERROR"


class JournalWriteFailed(JournalError):
    """A write was refused or failed: the filesystem is (nearly) full, or the database cannot be written."""


@dataclass(frozen=True)
class Entry:
    """One journal row as written."""

    seq: int
    ts_ms: int
    room_id: str
    hearing_id: str | None
    kind: Kind | str
    actor: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Row:
    """A row not yet written: what the caller said, its data already as the JSON text that is hashed."""

    kind: str
    actor: str
    data: dict[str, Any]
    text: str
    hearing_id: str | None
    ts_ms: int
