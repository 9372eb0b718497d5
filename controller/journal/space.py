"""The journal's room on disk: a preallocated reserve, and the free space of ``state_dir`` watched.

Ordinary rows are refused while the filesystem has less than ``min_free`` bytes free (SQLite needs room for its
write-ahead log, and a refusal is better than a half-written transaction). Then the journal deletes its
reserve, a file of ``reserve`` bytes allocated at start, and writes the one row that says it cannot write
(``journal_unavailable``) into the space that frees. When the space is back, the reserve is allocated again
before ordinary rows are accepted. Everything here blocks: it runs in the journal's writer thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from controller.journal.rows import JournalWriteFailed

MiB = 1024 * 1024
RESERVE_NAME = "journal.reserve"

SpaceState = Literal["ok", "low_space", "unavailable"]


@dataclass(frozen=True)
class SpaceLimits:
    """Bytes: the reserve's size, the free space below which rows are refused, and the low-space warning."""

    reserve: int = 8 * MiB
    min_free: int = 2 * MiB
    low_space: int = 256 * MiB


class SpaceGuard:
    """The reserve file beside the journal and the free-space checks made before each write."""

    def __init__(self, folder: Path, limits: SpaceLimits) -> None:
        self.folder = folder
        self.limits = limits
        self.reserve_path = folder / RESERVE_NAME
        self.released = False  # the reserve was given up to write the unavailable alarm

    def free(self) -> int:
        """Bytes free for this process on the journal's filesystem."""
        st = os.statvfs(self.folder)
        return st.f_bavail * st.f_frsize

    def allocate(self) -> None:
        """Make sure the reserve exists at its full size (allocated blocks, not a sparse file)."""
        try:
            size = self.reserve_path.stat().st_size
        except FileNotFoundError:
            size = -1
        if size == self.limits.reserve:
            self.released = False
            return
        fd = os.open(self.reserve_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.posix_fallocate(fd, 0, self.limits.reserve)
            os.ftruncate(fd, self.limits.reserve)
            os.fsync(fd)
        except OSError:
            os.close(fd)
            self.reserve_path.unlink(missing_ok=True)
            raise
        os.close(fd)
        self.released = False

    def release(self) -> None:
        """Give the reserve's space back to the filesystem (for the alarm row)."""
        self.reserve_path.unlink(missing_ok=True)
        self.released = True

    def check(self) -> None:
        """Before ordinary rows: JournalWriteFailed when the disk has too little room (re-allocating the reserve first
        once there is room again)."""
        free = self.free()
        if self.released:
            if free < self.limits.reserve + self.limits.min_free:
                raise JournalWriteFailed(self._full_message(free))
            try:
                self.allocate()
            except OSError as exc:
                raise JournalWriteFailed(f"journal reserve {self.reserve_path}: cannot allocate again: {exc}") from None
            free = self.free()
        if free < self.limits.min_free:
            raise JournalWriteFailed(self._full_message(free))

    def state(self) -> SpaceState:
        """``low_space`` below the warning threshold; ``unavailable`` while the reserve is given up."""
        if self.released:
            return "unavailable"
        return "low_space" if self.free() < self.limits.low_space else "ok"

    def _full_message(self, free: int) -> str:
        return (
            f"journal: {self.folder} has {free // 1024} KiB free, less than the "
            f"{self.limits.min_free // 1024} KiB the journal needs to write safely (state_dir full)"
        )
