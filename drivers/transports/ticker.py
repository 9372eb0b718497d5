"""Coarse timers shared by every device of the daemon: callbacks due in the same tick run from one loop timer.

With hundreds of devices polled every second and three requests a poll, a loop timer per poll and per request
(its handle, a heap push, a wake-up of its own) was most of what polling cost. A ``Ticker`` rounds each due
time up to its resolution (10 ms) and keeps the callbacks of one tick in a list behind a single loop timer, so
the devices due in the same tick are woken in one loop turn and their requests and replies travel in bursts.

A callback is never run early, at most one resolution late; there is no cancelling: a callback checks when it
runs whether it still has anything to do (a request answered meanwhile, a sleeper cancelled). It is called with
the one argument given with it, so a caller needs no closure or partial per call: each is an object the garbage
collector walks, and at 1000 devices the collector's share of the daemon's CPU was about a fifth.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

log = logging.getLogger(__name__)

RESOLUTION_S = 0.01
T = TypeVar("T")


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Ticker:
    """Callbacks run at the first tick (a multiple of ``resolution_s`` of loop time) at or after their time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, resolution_s: float = RESOLUTION_S) -> None:
        if resolution_s <= 0:
            raise ValueError(f"resolution_s: {resolution_s} must be positive")
        self._loop = loop
        self.resolution_s = resolution_s
        self._ticks: dict[int, list[Any]] = {}  # tick: callback, argument, callback, argument...

    def __len__(self) -> int:
        """How many callbacks wait."""
        return sum(len(due) for due in self._ticks.values()) // 2

    def call_later(self, delay_s: float, callback: Callable[[T], object], arg: T) -> None:
        """Run ``callback(arg)`` once ``delay_s`` has passed, on the tick that follows."""
        tick = math.ceil((self._loop.time() + delay_s) / self.resolution_s)
        due = self._ticks.get(tick)
        if due is None:
            self._ticks[tick] = [callback, arg]
            self._loop.call_at(tick * self.resolution_s, self._fire, tick)
        else:
            due.append(callback)
            due.append(arg)

    async def sleep(self, delay_s: float) -> None:
        """Sleep at least ``delay_s``, waking with whatever else is due in the same tick."""
        future: asyncio.Future[None] = self._loop.create_future()
        self.call_later(delay_s, _wake, future)
        await future

    def _fire(self, tick: int) -> None:
        due = self._ticks.pop(tick, [])
        for i in range(0, len(due), 2):
            try:
                due[i](due[i + 1])
            except Exception:  # one failing callback must not keep the others of its tick from running
                log.exception("timer callback %r failed", due[i])


_tickers: WeakKeyDictionary[asyncio.AbstractEventLoop, Ticker] = WeakKeyDictionary()
_last: list[Ticker] = []  # the one asked for last: a WeakKeyDictionary lookup makes a weak reference each time


def ticker() -> Ticker:
    """The running loop's shared Ticker (made at first use)."""
    loop = asyncio.get_running_loop()
    if _last and _last[0]._loop is loop:
        return _last[0]
    found = _tickers.get(loop)
    if found is None:
        found = _tickers[loop] = Ticker(loop)
    _last[:] = [found]
    return found
