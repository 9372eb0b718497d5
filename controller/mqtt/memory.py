"""Memory given back after a burst of commands.

A burst (a thousand commands a second, most of them answered BUSY at once) briefly needs many small objects:
messages, tasks, replies, journal rows. Python frees them all when the burst is answered, but the C allocator
(glibc's malloc) keeps the freed pages for the process, so the daemon's RSS stays at the burst's high-water
mark. After a burst of at least ``MIN_MESSAGES`` inbound messages followed by ``QUIET_S`` without one, the
bridge collects the burst's cyclic garbage and asks the allocator to give its free pages back
(``malloc_trim(0)``), once, in a worker thread: the walk over the heap takes milliseconds and must not hold
up the event loop. Nothing is done per message but
a count and a clock reading; on a C library without ``malloc_trim`` nothing is done at all.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

MIN_MESSAGES = 1000  # a burst: at least this many inbound messages since the last trim
QUIET_S = 5.0  # ... and then this long without one


def malloc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none (musl, macOS)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


class BurstTrimmer:
    """Counts inbound messages; after a burst and a quiet spell, trims the C heap once in a worker thread."""

    def __init__(
        self,
        trim: Callable[[], object] | None = None,
        *,
        min_messages: int = MIN_MESSAGES,
        quiet_s: float = QUIET_S,
    ) -> None:
        self.trim = trim if trim is not None else malloc_trim()
        self.min_messages = min_messages
        self.quiet_s = quiet_s
        self.count = 0  # inbound messages since the last trim
        self.trims = 0
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def note(self) -> None:
        """One inbound message (on the event loop)."""
        self.count += 1
        self._last = time.monotonic()
        if self.count >= self.min_messages and self._timer is None and self.trim is not None:
            self._timer = asyncio.get_running_loop().call_later(self.quiet_s, self._check)

    def _check(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        quiet_for = time.monotonic() - self._last
        if quiet_for < self.quiet_s:  # the burst goes on: look again when it may have ended
            self._timer = loop.call_later(self.quiet_s - quiet_for, self._check)
            return
        self.count = 0
        self.trims += 1
        loop.run_in_executor(None, self._trim).add_done_callback(_logged)

    def _trim(self) -> None:
        gc.collect()  # the burst's cyclic garbage (a refused command's exception, its frames, its queue entry)
        if self.trim is not None:
            self.trim()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _logged(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.warning("malloc_trim after a burst failed: %s", done.exception())
