"""One supervised task per device: connect, identify, poll, reconnect with capped backoff.

A device's failure stays inside its own task: the supervisor turns every error into "offline, with a
reason", waits, and tries again, while every other device carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from controller.commands import CommandQueue
from drivers.devices.base import Device
from drivers.errors import CourtroomError, DeviceOffline

log = logging.getLogger(__name__)

AvailabilityListener = Callable[[str, bool, str | None], None]
StateListener = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff between reconnect attempts."""

    first_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0

    def delays(self) -> Callable[[], float]:
        current = self.first_s

        def next_delay() -> float:
            nonlocal current
            delay = current
            current = min(current * self.factor, self.max_s)
            return delay

        return next_delay


class DeviceSupervisor:
    """Keeps one device connected and its state fresh; the only way commands reach the device."""

    def __init__(
        self,
        device: Device,
        on_availability: AvailabilityListener,
        on_state: StateListener,
        backoff: Backoff | None = None,
        queue_depth: int | None = None,
    ) -> None:
        self.device = device
        depth = queue_depth if queue_depth is not None else device.profile.protocol.timing.command_queue
        self.queue = CommandQueue(device.device_id, depth)
        self.online = False
        self.reason: str | None = "not connected yet"
        self.connects = 0
        self.failures = 0
        self.last_error: str | None = None
        self._on_availability = on_availability
        self._on_state = on_state
        self._backoff = backoff or Backoff()
        self._last_snapshot: dict[str, Any] | None = None
        self._poll_now = asyncio.Event()
        self._check_pending = False
        device.add_listener(self._state_maybe_changed)

    @property
    def device_id(self) -> str:
        return self.device.device_id

    def _state_maybe_changed(self) -> None:
        """Compare and publish on the next loop turn: a command's frame goes to the wire before any state
        message is built, and the changes of one turn (``moving`` off, the preset) make one message."""
        if not self._check_pending:
            self._check_pending = True
            asyncio.get_running_loop().call_soon(self._check_state)

    def _check_state(self) -> None:
        self._check_pending = False
        snapshot = self.device.snapshot()
        if snapshot != self._last_snapshot:
            self._last_snapshot = snapshot
            self._on_state(self.device_id, snapshot)

    def _set_online(self, online: bool, reason: str | None) -> None:
        changed = online != self.online or reason != self.reason
        self.online, self.reason = online, reason
        if changed:
            self._on_availability(self.device_id, online, reason)

    async def run(self) -> None:
        """Run until cancelled; on cancel the device is closed and marked offline."""
        next_delay = self._backoff.delays()
        try:
            while True:
                try:
                    await self.device.connect()
                    self.connects += 1
                    self._set_online(True, None)
                    self._state_maybe_changed()
                    next_delay = self._backoff.delays()
                    await self._poll_loop()
                except CourtroomError as exc:
                    self._failed(exc)
                except Exception as exc:  # a driver bug must not take the daemon down
                    log.exception("%s: unexpected error", self.device_id)
                    self._failed(exc)
                await self.device.close()
                await asyncio.sleep(next_delay())
        finally:
            await self.device.close()
            self._set_online(False, "controller stopped")

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("%s: offline: %s", self.device_id, self.last_error)
        self._set_online(False, str(exc) or type(exc).__name__)

    async def _poll_loop(self) -> None:
        while True:
            # Poll only a device that has been quiet for a whole interval: one that answered a command just
            # now is alive and fresh, and on a shared 9600-baud line every poll delays someone's command.
            quiet_s = time.monotonic() - self.device.last_heard
            if quiet_s < self.device.poll_interval_s and not self._poll_now.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._poll_now.wait(), self.device.poll_interval_s - quiet_s)
                continue
            self._poll_now.clear()
            try:
                await self.device.poll()
            except CourtroomError as exc:
                # One missed poll may be a garbled reply; a second in a row means the device is gone.
                log.info("%s: poll failed (%s), trying once more", self.device_id, exc)
                await self.device.poll()

    async def execute(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and run one operation; refused at once while the device is offline."""
        parsed = self.device.validate(action, params)  # bad input is reported even when the device is away
        if not self.online:
            raise DeviceOffline(f"{self.device_id} is offline: {self.reason}")
        result = await self.device.run(action, parsed)
        self._state_maybe_changed()
        return result

    def diagnostics(self) -> dict[str, Any]:
        return {
            "online": self.online,
            "reason": self.reason,
            "connects": self.connects,
            "failures": self.failures,
            "last_error": self.last_error,
            "queue": len(self.queue),
            "queue_depth": self.queue.depth,
            "refused": dict(self.queue.refused),
        }
