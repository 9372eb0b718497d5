"""One supervised task per device: connect, identify, poll, reconnect at once when the device comes back.

A device's failure stays inside its own task: the supervisor turns every error into "offline, with a
reason", waits a short jittered interval, and tries again, while every other device carries on. The interval
never grows past ``Backoff.max_s`` (about a second): a clerk who plugs a camera back in expects it back at once,
not after the 30 s an exponential back-off would have reached, and a failed attempt costs little (a refused
TCP connect, one UDP inquiry, an open() of a missing node). A serial device whose node is gone is not even
tried: its supervisor waits for the node to reappear (controller/nodewatch.py), at most the same interval.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from controller.commands import CommandQueue
from controller.nodewatch import NodeWatcher
from drivers.devices.base import Device
from drivers.errors import CourtroomError, DeviceOffline
from drivers.transports.ticker import ticker

log = logging.getLogger(__name__)

STOPPED = "controller stopped"  # the reason a device is offline after the daemon stopped it
POLL_EARLY_S = 0.005  # a timer may fire this much before the interval is up: poll then, not sleep 1 ms more

AvailabilityListener = Callable[[str, bool, str | None], None]
StateListener = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Backoff:
    """The wait between reconnect attempts: ``first_s``, growing by ``factor`` to at most ``max_s``, each wait
    drawn between ``1 - jitter`` and 1 times that (so many devices lost together do not retry in step)."""

    first_s: float = 0.25
    factor: float = 2.0
    max_s: float = 1.0
    jitter: float = 0.5

    def delays(self) -> Callable[[], float]:
        current = self.first_s

        def next_delay() -> float:
            nonlocal current
            delay = current * (1.0 - self.jitter * random.random())
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
        *,
        node: str | None = None,
        watcher: NodeWatcher | None = None,
    ) -> None:
        self.device = device
        self.node = node  # the serial device node (a path) to wait for while it is missing
        self._watcher = watcher
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
                await self._wait_before_retry(next_delay())
        finally:
            await self.device.close()
            self._set_online(False, STOPPED)

    async def _wait_before_retry(self, delay_s: float) -> None:
        """Sleep ``delay_s``; a serial device whose node is missing waits for the node instead, at most as long
        (a node that exists but cannot be opened yet, udev still setting its mode, is retried at the interval)."""
        if self.node is None or self._watcher is None or self._watcher.exists(self.node):
            await asyncio.sleep(delay_s)  # a node that is there but failed: retried at the interval, never in a spin
            return
        await self._watcher.wait_for(self.node, delay_s)

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        error = f"{type(exc).__name__}: {exc}"
        # said when the device goes offline or the error changes, not at every retry of an unplugged device
        level = logging.WARNING if self.online or error != self.last_error else logging.DEBUG
        self.last_error = error
        log.log(level, "%s: offline: %s", self.device_id, error)
        self._set_online(False, str(exc) or type(exc).__name__)

    async def _poll_loop(self) -> None:
        clock = ticker()
        while True:
            # Poll only a device that has been quiet for a whole interval: one that answered a command just
            # now is alive and fresh, and on a shared 9600-baud line every poll delays someone's command.
            # One shared coarse timer for every device's poll (drivers/transports/ticker.py): the devices due in
            # the same 10 ms tick wake in one loop turn, with no loop timer of their own; with hundreds of devices
            # at 1 Hz this loop is the daemon's main cost.
            wait_s = self.device.poll_interval_s - (time.monotonic() - self.device.last_heard)
            if wait_s > POLL_EARLY_S:
                await clock.sleep(wait_s)
                continue
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
