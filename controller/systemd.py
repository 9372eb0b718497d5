"""Telling systemd how the daemon is doing: READY, STATUS, STOPPING and the watchdog (sd_notify).

The protocol is one datagram per notice, ``KEY=value`` lines, sent to the AF_UNIX socket named by
``$NOTIFY_SOCKET`` (an ``@`` at its start means the abstract namespace). Without that variable (the daemon started
by hand, or by the demo) every call does nothing. ``$WATCHDOG_USEC`` (set by ``WatchdogSec=``) is the period
within which systemd wants ``WATCHDOG=1``; ``$WATCHDOG_PID``, when set, names the process it is meant for.

The watchdog is fed by a task on the daemon's event loop, so a loop that stalls (a blocking call, a busy
handler) stops feeding it and systemd restarts the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

log = logging.getLogger(__name__)


class Notifier:
    """One daemon's line to systemd; does nothing when not started by systemd with ``Type=notify``."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self.address: str | None = None
        if address.startswith("@"):
            self.address = "\0" + address[1:]
        elif address.startswith("/"):
            self.address = address
        self.watchdog_s: float | None = None
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        if usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid())):
            self.watchdog_s = int(usec) / 1_000_000
        self._sock: socket.socket | None = None
        self.sent: list[str] = []  # the last notices, for `courtroom` logs and tests in this process

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, **fields: str) -> bool:
        """Send ``KEY=value`` lines (keys upper-cased); False when there is no socket or the send failed.

        A non-blocking datagram on a local socket: it never waits on the event loop."""
        if self.address is None:
            return False
        text = "\n".join(f"{key.upper()}={value}" for key, value in fields.items())
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._sock.setblocking(False)
            self._sock.sendto(text.encode(), self.address)
        except OSError as exc:
            log.warning("sd_notify to %r failed: %s", self.address, exc)
            return False
        self.sent = [*self.sent[-19:], text]
        return True

    def ready(self, status: str) -> None:
        self.notify(ready="1", status=status)

    def status(self, status: str) -> None:
        self.notify(status=status)

    def stopping(self) -> None:
        self.notify(stopping="1", status="stopping")

    async def feed_watchdog(self) -> None:
        """Send WATCHDOG=1 at half the period systemd asked for, until cancelled (returns at once without one)."""
        if self.watchdog_s is None or self.address is None:
            return
        period = self.watchdog_s / 2
        while True:
            self.notify(watchdog="1")
            await asyncio.sleep(period)

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None
