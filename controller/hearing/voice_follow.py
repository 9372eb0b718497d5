"""Voice-follow (声像联动): who is speaking decides which seat's shot is taken.

Input is ``speech(seat, on)`` from conference-system mic events and from voice activity per audio channel. A speaker
counts once on for ``reaction_ms`` (a tap on a button or a noise burst shorter than that never moves a camera).
Among those speaking, the highest priority wins (the judge first); several at the same top priority take the
"several" shot; nobody for ``silence_after_s`` takes the silence shot. A shot is held ``hold_s`` before a change
to an equal or lower priority. The clerk's manual shot suspends all this for ``override_revert_s``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from controller.settings import SeatConfig, VoiceFollowConfig

log = logging.getLogger(__name__)

Take = Callable[[SeatConfig, str], Awaitable[None]]
"""Takes a seat's shot; the string says why (``speaker``, ``several``, ``silence``, ``manual``)."""


class VoiceFollow:
    """The switching logic, driven by the event loop's timers; ``take`` does the device work."""

    def __init__(
        self,
        config: VoiceFollowConfig,
        seats: list[SeatConfig],
        take: Take,
        on_change: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.seats = {seat.id: seat for seat in seats}
        self.take = take
        self.on_change = on_change
        self.clock = clock
        self.enabled = False
        self.mode: Literal["auto", "manual"] = "auto"
        self.current: str | None = None
        self.manual_until: float | None = None
        self.switches = 0
        self._onset: dict[str, float] = {}  # seat -> when its mic went on
        self._last_switch = float("-inf")
        self._silent_since = clock()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- inputs ----------------------------------------------------------------------------------------------
    def speech(self, seat_id: str, on: bool) -> None:
        if seat_id not in self.seats:
            return
        if on and seat_id not in self._onset:
            self._onset[seat_id] = self.clock()
        elif not on and seat_id in self._onset:
            del self._onset[seat_id]
            if not self._onset:
                self._silent_since = self.clock()
        else:
            return
        self.on_change()
        self._evaluate()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self.mode, self.manual_until = "auto", None
        if enabled:
            self._silent_since = self.clock() if not self._onset else self._silent_since
            self._evaluate()
        else:
            self._cancel_timer()
        self.on_change()

    def manual(self, seat_id: str) -> None:
        """The clerk's shot: taken now, automatic switching suspended for ``override_revert_s``."""
        seat = self.seats[seat_id]
        self.mode = "manual"
        self.manual_until = self.clock() + self.config.override_revert_s
        self._switch(seat, "manual")
        self._arm(self.config.override_revert_s)

    def automatic(self) -> None:
        self.mode, self.manual_until = "auto", None
        self.on_change()
        self._evaluate()

    @property
    def speaking(self) -> list[str]:
        return sorted(self._onset)

    # -- logic -----------------------------------------------------------------------------------------------
    def _evaluate(self) -> None:
        self._cancel_timer()
        if not self.enabled:
            return
        now = self.clock()
        if self.mode == "manual":
            if self.manual_until is not None and now < self.manual_until:
                self._arm(self.manual_until - now)
                return
            self.mode, self.manual_until = "auto", None
            self.on_change()
        reaction = self.config.reaction_ms / 1000
        settled = [s for s, t in self._onset.items() if now - t >= reaction]
        pending = [t + reaction - now for s, t in self._onset.items() if now - t < reaction]
        target, why = self._target(settled, now)
        wait = min(pending) if pending else None
        if target is None:
            if not self._onset:
                wait = self._silent_since + self.config.silence_after_s - now
        elif target.id != self.current:
            current = self.seats.get(self.current) if self.current else None
            hold_left = self._last_switch + self.config.hold_s - now
            outranks = current is None or target.effective_priority() > current.effective_priority()
            if hold_left > 0 and not outranks:
                wait = hold_left if wait is None else min(wait, hold_left)
            else:
                self._switch(target, why)
        if wait is not None and wait > 0:
            self._arm(wait)

    def _target(self, settled: list[str], now: float) -> tuple[SeatConfig | None, str]:
        if settled:
            top = max(self.seats[s].effective_priority() for s in settled)
            best = [self.seats[s] for s in settled if self.seats[s].effective_priority() == top]
            if len(best) == 1:
                return best[0], "speaker"
            return self._role_seat(self.config.several_shot), "several"
        if self._onset:
            return None, ""  # someone started: wait for the reaction time
        if now - self._silent_since >= self.config.silence_after_s:
            return self._role_seat(self.config.silence_shot), "silence"
        return None, ""

    def _role_seat(self, role: str) -> SeatConfig | None:
        return next((seat for seat in self.seats.values() if seat.role == role), None)

    def _switch(self, seat: SeatConfig, why: str) -> None:
        self.current = seat.id
        self._last_switch = self.clock()
        self.switches += 1
        self.on_change()
        task = asyncio.get_running_loop().create_task(self._take(seat, why), name=f"voice-follow:{seat.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _take(self, seat: SeatConfig, why: str) -> None:
        try:
            await self.take(seat, why)
        except Exception:  # pragma: no cover - take() reports its own failures; this keeps the loop alive
            log.exception("voice-follow: taking %s failed", seat.id)

    def _arm(self, delay: float) -> None:
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_later(max(delay, 0.0), self._evaluate)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def close(self) -> None:
        self.enabled = False
        self._cancel_timer()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
