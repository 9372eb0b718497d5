"""Each device's bounded command queue: back-pressure instead of late camera moves.

A command that passed its checks takes a place in its device's queue before it is journaled; it goes to the
device when it reaches the head and one of the device's ``SLOTS`` is free (a slot is a command handed to the
driver: two let a ``stop`` reach a camera while a long move runs, as a VISCA camera's two sockets do). A
coalescing action (a move) takes the second slot only when no other move runs: behind a running move it
waits in the queue, where a newer move can still replace it and its deadline still holds, instead of in the
driver, where it would start whenever the running move ends, however late that is.

- A full queue (``depth`` commands of clients waiting or running) refuses at once with ``BUSY``.
- A command whose deadline passes while it waits is answered ``EXPIRED`` and never reaches the wire.
- A coalescing action (a camera's absolute move, preset recall, zoom to a value) replaces a waiting one of the
  same action on the same device: the newest wins, the older is answered ``SUPERSEDED``.
- A hearing's own steps (``protected``) are never refused, superseded or expired: they wait their turn.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

from drivers.errors import CourtroomError, ErrorCode

SLOTS = 2  # commands of one device in the driver at once
DEFAULT_DEPTH = 4


class QueueFull(CourtroomError):
    """The device's command queue is full: refused at once rather than run late."""

    code = "BUSY"


class Expired(CourtroomError):
    """The command's deadline passed before the device was free: it was never sent."""

    code = "EXPIRED"


class Superseded(CourtroomError):
    """A newer command of the same action for the same device replaced this one before it was sent."""

    code = "SUPERSEDED"


@dataclass(eq=False)
class Queued:
    """One command's place in its device's queue."""

    action: str
    coalesce: bool
    protected: bool
    deadline: float | None  # time.time() after which it is not sent
    turn: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    ready: bool = False  # journaled: it may go to the device
    running: bool = False
    timer: asyncio.TimerHandle | None = None


class CommandQueue:
    """The commands of one device that wait for it or run on it."""

    def __init__(self, device_id: str, depth: int = DEFAULT_DEPTH, slots: int = SLOTS) -> None:
        self.device_id = device_id
        self.depth = depth
        self.slots = slots
        self._waiting: deque[Queued] = deque()
        self._running: set[Queued] = set()
        self.refused: dict[ErrorCode, int] = {"BUSY": 0, "EXPIRED": 0, "SUPERSEDED": 0}

    def __len__(self) -> int:
        return len(self._waiting) + len(self._running)

    def admit(self, action: str, *, coalesce: bool, protected: bool, deadline: float | None) -> Queued:
        """Take a place for a command, or raise QueueFull / Expired; a waiting command it replaces gets
        Superseded. Call ``ready()`` once it is journaled, then ``wait_turn()``, and ``release()`` at the end."""
        if deadline is not None and time.time() >= deadline:
            self.refused["EXPIRED"] += 1
            raise Expired(f"{self.device_id}: {action}: its deadline passed before it could be queued")
        replaced = False
        if coalesce and not protected:
            for old in self._waiting:
                if old.action == action and old.coalesce and not old.protected:
                    self._drop(old, Superseded(f"{self.device_id}: {action}: replaced by a newer {action}"))
                    replaced = True
                    break
        if not protected and not replaced:
            taken = sum(1 for q in self._waiting if not q.protected) + sum(1 for q in self._running if not q.protected)
            if taken >= self.depth:
                self.refused["BUSY"] += 1
                raise QueueFull(
                    f"{self.device_id} is busy: {taken} commands wait or run (queue depth {self.depth}); "
                    "try again when they are done"
                )
        entry = Queued(action, coalesce, protected, deadline)
        self._waiting.append(entry)
        if self._waiting[0] is not entry or len(self._running) >= self.slots:
            self._expire_at_deadline(entry)  # it will wait (one that can go at once gets no timer: ready())
        return entry

    def ready(self, entry: Queued) -> None:
        """The command is journaled: it may go to the device when its turn comes."""
        entry.ready = True
        self._pump()
        if entry.timer is None and not entry.turn.done() and entry in self._waiting:
            self._expire_at_deadline(entry)

    def _expire_at_deadline(self, entry: Queued) -> None:
        if entry.deadline is not None and entry.timer is None:
            delay = max(0.0, entry.deadline - time.time())
            entry.timer = asyncio.get_running_loop().call_later(delay, self._expire, entry)

    async def wait_turn(self, entry: Queued) -> None:
        """Until the command may go to the device; raises Superseded or Expired when it never will."""
        await asyncio.shield(entry.turn)

    def release(self, entry: Queued) -> None:
        """The command is done (or abandoned): free its place; never raises."""
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        if entry in self._running:
            self._running.discard(entry)
        elif entry in self._waiting:
            self._waiting.remove(entry)
        if not entry.turn.done():
            entry.turn.cancel()
        self._pump()

    def _drop(self, entry: Queued, error: CourtroomError) -> None:
        self._waiting.remove(entry)
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        self.refused[error.code] += 1
        if not entry.turn.done():
            entry.turn.set_exception(error)
            entry.turn.exception()  # retrieved here: the owner may have gone (its caller was cancelled)
        self._pump()

    def _expire(self, entry: Queued) -> None:
        entry.timer = None
        if entry in self._waiting:
            self._drop(entry, Expired(f"{self.device_id}: {entry.action}: its deadline passed while it waited"))

    def _pump(self) -> None:
        while self._waiting and len(self._running) < self.slots and self._waiting[0].ready:
            if self._waiting[0].coalesce and any(q.coalesce for q in self._running):
                break  # a move waits here, where a newer one replaces it and its deadline holds, not in the driver
            entry = self._waiting.popleft()
            if entry.timer is not None:
                entry.timer.cancel()
                entry.timer = None
            if entry.deadline is not None and time.time() >= entry.deadline:
                self.refused["EXPIRED"] += 1
                entry.turn.set_exception(Expired(f"{self.device_id}: {entry.action}: its deadline passed"))
                entry.turn.exception()
                continue
            entry.running = True
            self._running.add(entry)
            entry.turn.set_result(None)
