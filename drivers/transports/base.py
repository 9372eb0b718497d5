"""The shape every byte transport has, so a protocol core can run over serial, TCP or a test double."""

from __future__ import annotations

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
