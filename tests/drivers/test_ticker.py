"""The shared coarse timer: never early, at most one tick late, one loop timer per tick, and a failing callback
keeps the others of its tick running."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from drivers.transports.ticker import Ticker, ticker


async def test_callbacks_run_on_the_first_tick_at_or_after_their_time() -> None:
    loop = asyncio.get_running_loop()
    clock = Ticker(loop, 0.02)
    ran: list[tuple[str, float]] = []
    start = loop.time()
    for name, delay in (("a", 0.05), ("b", 0.001), ("c", 0.051)):
        clock.call_later(delay, lambda name: ran.append((name, loop.time() - start)), name)
    assert len(clock) == 3
    await asyncio.sleep(0.2)
    assert [name for name, _ in ran] == ["b", "a", "c"]
    delays = dict(ran)
    assert delays["b"] >= 0.001 and delays["a"] >= 0.05 and delays["c"] >= 0.051
    assert delays["b"] < 0.02 + 0.015  # one tick late at most (plus the loop's own lateness on a busy machine)
    assert len(clock) == 0


async def test_callbacks_due_in_the_same_tick_share_one_loop_timer(monkeypatch: Any) -> None:
    loop = asyncio.get_running_loop()
    timers: list[float] = []
    real_call_at = loop.call_at
    monkeypatch.setattr(loop, "call_at", lambda when, *a: (timers.append(when), real_call_at(when, *a))[1])
    clock = Ticker(loop, 0.05)
    await asyncio.gather(*(clock.sleep(0.06 + i * 0.0001) for i in range(100)))
    assert 1 <= len(timers) <= 2  # 100 sleepers, one timer (two if the hundred straddle a tick's edge)


async def test_a_failing_callback_does_not_stop_its_tick(caplog: pytest.LogCaptureFixture) -> None:
    clock = Ticker(asyncio.get_running_loop(), 0.01)
    ran: list[int] = []
    clock.call_later(0.0, lambda n: n / 0, 1)
    clock.call_later(0.0, ran.append, 1)
    await asyncio.sleep(0.05)
    assert ran == [1]
    assert "timer callback" in caplog.text


async def test_a_cancelled_sleep_is_skipped_and_each_loop_has_its_own_ticker() -> None:
    shared = ticker()
    assert ticker() is shared
    task = asyncio.create_task(shared.sleep(0.02))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)  # the tick fires and finds the sleeper gone
    with pytest.raises(ValueError, match="resolution_s"):
        Ticker(asyncio.get_running_loop(), 0)
