"""Which event loop the daemon runs on: uvloop when it is installed (polling hundreds of devices costs less CPU
on it, see bench/scale.py), else asyncio's own; ``courtroom run --loop asyncio`` chooses asyncio's always."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Literal, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
LoopChoice = Literal["auto", "uvloop", "asyncio"]
CHOICES: tuple[LoopChoice, ...] = ("auto", "uvloop", "asyncio")


class LoopUnavailable(RuntimeError):
    """``--loop uvloop`` was asked for but uvloop is not installed."""


def run(main: Coroutine[Any, Any, T], choice: LoopChoice = "auto") -> T:
    """Run ``main`` to completion on the chosen loop: ``auto`` is uvloop when importable, else asyncio (said in the
    log); ``uvloop`` insists on it (LoopUnavailable without it); ``asyncio`` is the standard library's loop."""
    if choice not in CHOICES:
        main.close()
        raise ValueError(f"loop: '{choice}' is not one of {', '.join(CHOICES)}")
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                main.close()
                raise LoopUnavailable("--loop uvloop: uvloop is not installed (pip install uvloop)") from None
            log.info("uvloop is not installed: running on asyncio's event loop")
        else:
            return uvloop.run(main)
    return asyncio.run(main)


async def cancel_and_wait(tasks: list[asyncio.Task[Any]], timeout: float = 5.0) -> set[asyncio.Task[Any]]:
    """Cancel ``tasks`` and wait for them to end, sending the cancel again every 50 ms while one lives: a cancel
    that arrives as an ``asyncio.wait_for`` inside a library gets its answer is swallowed on Python 3.11 (aiomqtt's
    subscribe and publish wait that way), and the task would go on. Returns the tasks still running after
    ``timeout`` (the caller says so and leaves them)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = {t for t in tasks if not t.done()}
    while pending and loop.time() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.05)
    for task in tasks:  # an exception a task ended with is the caller's to look at, not an unretrieved warning
        if task.done() and not task.cancelled():
            task.exception()
    return pending
