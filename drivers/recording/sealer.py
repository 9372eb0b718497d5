"""The sealer: each closed segment file is synced to disk, hashed (SHA-256) and made read-only, in a thread.

Only then is it reported: the controller puts the hash into the hearing's signed manifest and the journal, and
copies the file to the backup store. Nothing in the program deletes or moves a recording.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from drivers.recording.writer import ClosedFile

log = logging.getLogger(__name__)

CHUNK = 1 << 20
READ_ONLY = 0o444


def sha256_file(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) of a file and its size, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def seal_file(closed: ClosedFile) -> ClosedFile:
    """Sync, hash and make ``closed.path`` read-only; fills ``sha256`` and ``bytes``."""
    fd = os.open(closed.path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    closed.sha256, closed.bytes = sha256_file(closed.path)
    closed.path.chmod(READ_ONLY)
    return closed


class Sealer:
    """Seals closed files one after another and hands each to ``on_sealed`` (from its thread)."""

    def __init__(self, on_sealed: Callable[[ClosedFile], None]) -> None:
        self.on_sealed = on_sealed
        self._queue: queue.Queue[ClosedFile | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="rec-sealer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def seal(self, closed: ClosedFile) -> None:
        """Queue a closed file (called by the writers' threads)."""
        self._queue.put(closed)

    def finish(self) -> None:
        """Seal what is queued, then end the thread (blocking)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while (closed := self._queue.get()) is not None:
            try:
                seal_file(closed)
            except OSError as exc:  # reported unsealed: the controller journals that it could not be hashed
                log.error("recording: cannot seal %s: %s", closed.path, exc)
                closed.complete = False
            self.on_sealed(closed)
