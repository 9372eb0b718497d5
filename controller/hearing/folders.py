"""Software recordings: a recording host that writes files (to a share the control PC sees) is recording only
while its newest file grows. ``FolderWatch.sample()`` looks (in a thread: file system calls never run on the
event loop); the watchdog reads what it found."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from controller.settings import RecordingFolder


@dataclass
class FolderState:
    newest: str | None = None  # file name
    size: int = 0
    grown_at: float | None = None  # monotonic time the newest file last grew
    error: str | None = None


def _newest(path: Path, pattern: str) -> tuple[str, int] | None:
    best: tuple[float, str, int] | None = None
    for entry in path.glob(pattern):
        try:
            st = entry.stat()
        except OSError:
            continue
        if entry.is_file() and (best is None or st.st_mtime > best[0]):
            best = (st.st_mtime, entry.name, st.st_size)
    return None if best is None else (best[1], best[2])


class FolderWatch:
    """One recording folder: is its newest file still growing?"""

    def __init__(self, folder: RecordingFolder) -> None:
        self.folder = folder
        self.state = FolderState()

    @property
    def name(self) -> str:
        return self.folder.name or str(self.folder.path)

    async def sample(self) -> None:
        try:
            found = await asyncio.to_thread(_newest, self.folder.path, self.folder.pattern)
        except OSError as exc:
            self.state.error = f"{self.folder.path}: {exc.strerror or exc}"
            return
        now = time.monotonic()
        self.state.error = None if found is not None else f"no recording file in {self.folder.path}"
        if found is None:
            return
        name, size = found
        if name != self.state.newest or size != self.state.size:
            self.state.newest, self.state.size, self.state.grown_at = name, size, now

    def problem(self) -> str | None:
        """Why this folder does not look like a running recording, or None."""
        if self.state.error is not None:
            return self.state.error
        if self.state.grown_at is None:
            return "not sampled yet"
        stalled = time.monotonic() - self.state.grown_at
        if stalled > self.folder.stall_s:
            return f"{self.state.newest} has not grown for {stalled:.0f} s"
        return None
