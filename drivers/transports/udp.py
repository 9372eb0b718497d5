"""A connected UDP socket as a byte stream: each ``read()`` is one datagram, for datagram protocols.

The link above frames nothing (a datagram is a frame) and retransmits itself; this transport only remembers
whether the peer's port refused the last datagram (an ICMP port unreachable), so a link that hears nothing can
tell "refused" (TransportLost) from "no answer" (DeviceTimeout).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from drivers.errors import TransportLost

log = logging.getLogger(__name__)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, transport: UdpTransport) -> None:
        self.owner = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.owner._received(data)

    def error_received(self, exc: Exception) -> None:
        self.owner._error(exc)


class UdpTransport:
    """Datagrams to and from ``host:port``; reopenable after ``close()``.

    Each datagram goes to the receiver when one is set (``set_receiver``: the link routes it at once), else to
    ``read()``.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.refused = False  # the peer's port refused a datagram and nothing came back since
        self._socket: asyncio.DatagramTransport | None = None
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._receiver: Callable[[bytes], None] | None = None

    @property
    def name(self) -> str:
        """The peer as a URL, for messages."""
        return f"udp://{self.host}:{self.port}"

    @property
    def is_open(self) -> bool:
        return self._socket is not None

    async def open(self) -> None:
        """Open a socket connected to the peer; TransportLost when it cannot be opened."""
        if self._socket is not None:
            return
        try:
            socket, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _Protocol(self), remote_addr=(self.host, self.port)
            )
        except OSError as exc:
            raise TransportLost(f"{self.name}: cannot open a UDP socket: {exc}") from exc
        self._socket = socket
        self._inbox = asyncio.Queue()
        self.refused = False

    async def write(self, data: bytes) -> None:
        """Send one datagram; TransportLost when the socket is closed."""
        self.write_now(data)

    def write_now(self, data: bytes) -> None:
        """Send one datagram at once; TransportLost when the socket is closed."""
        socket = self._socket
        if socket is None:
            raise TransportLost(f"{self.name}: link closed")
        socket.sendto(data)

    def set_receiver(self, receiver: Callable[[bytes], None] | None) -> None:
        """Hand every datagram received from now on to ``receiver`` (None: queue them for ``read()``)."""
        self._receiver = receiver

    async def read(self) -> bytes:
        """The next datagram received."""
        if self._socket is None:
            raise TransportLost(f"{self.name}: link closed")
        return await self._inbox.get()

    async def close(self) -> None:
        """Close the socket; never raises."""
        socket, self._socket = self._socket, None
        if socket is not None:
            socket.close()

    def _received(self, data: bytes) -> None:
        self.refused = False
        if self._receiver is not None:
            self._receiver(data)
        else:
            self._inbox.put_nowait(data)

    def _error(self, exc: Exception) -> None:
        log.debug("%s: socket error: %s", self.name, exc)
        if isinstance(exc, ConnectionRefusedError):
            self.refused = True
