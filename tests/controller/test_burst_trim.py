"""After a burst of inbound messages and a quiet spell the C heap is trimmed once, off the event loop; a steady
trickle or a short burst never triggers it."""

from __future__ import annotations

import asyncio
import threading

from controller.mqtt.memory import BurstTrimmer, malloc_trim


async def test_a_burst_then_quiet_trims_once_in_a_worker_thread() -> None:
    threads: list[int] = []
    loop = asyncio.get_running_loop()
    trimmed = asyncio.Event()

    def trim() -> None:
        threads.append(threading.get_ident())
        loop.call_soon_threadsafe(trimmed.set)

    trimmer = BurstTrimmer(trim, min_messages=100, quiet_s=1.0)
    for _ in range(300):  # the burst
        trimmer.note()
    await asyncio.sleep(0.05)
    trimmer.note()  # still going: the quiet spell starts again
    await asyncio.sleep(0.1)  # well inside the quiet spell, also on a loaded machine
    assert threads == []
    await asyncio.wait_for(trimmed.wait(), 10)  # the quiet spell, then the worker thread's turn
    assert len(threads) == 1 and threads[0] != threading.get_ident()
    await asyncio.sleep(0.3)
    assert len(threads) == 1 and trimmer.trims == 1 and trimmer.count == 0


async def test_fewer_messages_than_a_burst_never_trim() -> None:
    calls: list[int] = []
    trimmer = BurstTrimmer(lambda: calls.append(1), min_messages=100, quiet_s=0.05)
    for _ in range(99):
        trimmer.note()
    await asyncio.sleep(0.2)
    assert calls == []
    trimmer.close()


def test_glibc_trim_is_found_here() -> None:
    trim = malloc_trim()  # this project's machines run glibc
    assert trim is not None
    trim()
