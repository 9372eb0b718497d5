"""The faults a handle of a device on a shared line offers, in one place: the line's port vanishes and comes
back, the device falls silent, its next replies are garbled. The line reads ``silent`` and ``garbles``."""

from __future__ import annotations

from typing import Protocol


class HasEndpoint(Protocol):
    @property
    def endpoint(self) -> _Pluggable: ...


class _Pluggable(Protocol):
    def unplug(self) -> None: ...

    def replug(self) -> None: ...


class LineFaults:
    """Mix into a device handle that has ``line`` (with an ``endpoint``)."""

    line: HasEndpoint
    silent: bool = False
    garbles: int = 0

    def unplug(self) -> None:
        """The line's port vanishes (every device on it)."""
        self.line.endpoint.unplug()

    def replug(self) -> None:
        """The port comes back under the same name."""
        self.line.endpoint.replug()

    def fall_silent(self, silent: bool = True) -> None:
        """Ignore everything (a hung device) until called with False."""
        self.silent = silent

    def garble(self, count: int = 1) -> None:
        """Corrupt the next ``count`` replies (how depends on the protocol)."""
        self.garbles += count
