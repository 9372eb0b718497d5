"""What the serial and TCP transports share: an asyncio stream pair with typed errors, reopenable."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from drivers.errors import TransportLost

log = logging.getLogger(__name__)

READ_CHUNK = 4096


class StreamTransport:
    """write/read/close over an asyncio (reader, writer) pair that ``open()`` of a subclass sets up."""

    eof_text = "the other end closed the link"

    def __init__(self) -> None:
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def name(self) -> str:
        """The port or URL, for messages."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        """How messages name this link."""
        return self.name

    @property
    def is_open(self) -> bool:
        """True between a successful ``open()`` and ``close()`` or a loss."""
        return self._writer is not None and not self._writer.is_closing()

    async def write(self, data: bytes) -> None:
        """Send ``data`` and wait until the OS has taken it; TransportLost when the link is down."""
        writer = self._writer
        if writer is None or writer.is_closing():
            raise TransportLost(f"{self.label}: not open")
        try:
            writer.write(data)
            await writer.drain()
        except (OSError, RuntimeError) as exc:
            raise TransportLost(f"{self.label}: write failed: {exc}") from exc

    async def read(self) -> bytes:
        """The next chunk of received bytes; TransportLost on EOF or an I/O error (then reopen to go on)."""
        reader = self._reader
        if reader is None:
            raise TransportLost(f"{self.label}: not open")
        try:
            data = await reader.read(READ_CHUNK)
        except (OSError, RuntimeError) as exc:
            raise TransportLost(f"{self.label}: link lost: {exc}") from exc
        if not data:
            raise TransportLost(f"{self.label}: {self.eof_text}")
        return data

    async def close(self) -> None:
        """Close the link and wait until it is released; never raises, and may be called when closed."""
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        log.debug("closed %s", self.name)
