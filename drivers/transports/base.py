"""The shape every byte transport has, so a protocol core can run over serial, TCP or a test double."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class ByteStream(Protocol):
    """A reopenable byte link: ``open()``, ``write()`` and ``read()`` raise TransportLost when it fails."""

    @property
    def name(self) -> str:
        """The port or URL, for messages."""
        ...

    @property
    def is_open(self) -> bool:
        """True between a successful ``open()`` and ``close()`` or a loss."""
        ...

    async def open(self) -> None:
        """Open the link; TransportLost when it cannot be opened."""

    async def write(self, data: bytes) -> None:
        """Send ``data``; TransportLost when the link is down."""

    async def read(self) -> bytes:
        """The next chunk of received bytes (never empty); TransportLost on EOF or an I/O error."""
        ...

    async def close(self) -> None:
        """Release the link; never raises, and may be called when already closed."""


class PushStream(ByteStream, Protocol):
    """A byte stream that can hand each received chunk straight to a receiver (a datagram socket): the link then
    routes replies as they arrive, without a reader task woken for each one. The link looks for ``set_receiver``
    by name (an isinstance() check against a protocol is slow enough to show in a 1000-device stop)."""

    def set_receiver(self, receiver: Callable[[bytes], None] | None) -> None:
        """Call ``receiver(chunk)`` for every chunk received from now on (None: queue them for ``read()``)."""

    def write_now(self, data: bytes) -> None:
        """``write()`` without waiting (a datagram goes out whole at once); TransportLost when the link is down."""


class SharedLink:
    """Reference counting for a line several devices share: it closes when the last device lets go."""

    _users = 0

    def acquire(self) -> None:
        """Count one more device using the line."""
        self._users += 1

    async def release(self) -> None:
        """Count one device less; the line closes when the last one lets go. Never raises."""
        self._users = max(0, self._users - 1)
        if self._users == 0:
            await self.close()

    async def close(self) -> None:
        """Close the line; never raises."""
        raise NotImplementedError
