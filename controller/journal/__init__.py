"""The journal: the hearing record and audit trail, append-only, hash-chained, signed at checkpoints.

``kinds`` (what a row can be, who made it), ``store`` (the SQLite file and its chain), ``writer`` (group commit,
the async face), ``space`` (the reserve and the free-space guard), ``checkpoint`` (signed heads and
verification). Import the names from here.
"""

from controller.journal.kinds import TRANSITIONS, Actor, Kind, parse_kind
from controller.journal.rows import Entry, JournalError, JournalWriteFailed
from controller.journal.space import SpaceLimits
from controller.journal.store import GENESIS, JournalFile, row_hash
from controller.journal.writer import Journal

__all__ = [
    "GENESIS",
    "TRANSITIONS",
    "Actor",
    "Entry",
    "Journal",
    "JournalError",
    "JournalFile",
    "JournalWriteFailed",
    "Kind",
    "SpaceLimits",
    "parse_kind",
    "row_hash",
]
