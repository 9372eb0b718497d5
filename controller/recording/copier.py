"""One thread for the backup store's work, in the order asked, that never holds the process's exit.

asyncio's executors are joined when the interpreter exits: a copy stuck in a write to a backup store that hung
(a NAS that stopped answering) would keep a stopped daemon from exiting. This thread is a daemon thread, so a
stop leaves such a copy behind (the next start makes it again)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any

Job = tuple[Callable[..., None], tuple[Any, ...], asyncio.Future[None], asyncio.AbstractEventLoop]


class Copier:
    def __init__(self, name: str = "recording-backup") -> None:
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._started = False

    async def run(self, fn: Callable[..., None], *args: Any) -> None:
        """``fn(*args)`` in the thread, after whatever was asked before; its exception is raised here."""
        if not self._started:
            self._thread.start()
            self._started = True
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._jobs.put((fn, args, done, loop))
        await done

    def close(self) -> None:
        """The thread ends after the job it is on (if that job never ends, neither does the thread, harmlessly)."""
        self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, args, done, loop = job
            try:
                fn(*args)
            except BaseException as exc:  # handed to the caller, whatever it is
                error: BaseException | None = exc
            else:
                error = None
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
                loop.call_soon_threadsafe(_settle, done, error)


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
