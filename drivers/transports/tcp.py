"""A TCP byte stream (asyncio streams, TCP_NODELAY), for devices spoken to over the network.

Ports are written ``tcp://host:port`` in a room config; ``socket://host:port`` (pyserial's spelling, which the
simulator hands out) is the same thing. ``open_stream()`` picks TCP or serial from the port string.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.parse import urlsplit

from drivers.errors import ConfigError, TransportLost
from drivers.profiles import SerialSettings
from drivers.transports.base import ByteStream
from drivers.transports.serial import SerialTransport
from drivers.transports.stream import StreamTransport

log = logging.getLogger(__name__)

TCP_SCHEMES = ("tcp://", "socket://")


def parse_tcp_url(url: str, default_port: int | None = None) -> tuple[str, int]:
    """``tcp://host:port`` -> (host, port); ConfigError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "socket") or not parts.hostname:
        raise ConfigError(f"transport.port: '{url}' is not tcp://host:port")
    try:
        port = parts.port or default_port
    except ValueError:
        raise ConfigError(f"transport.port: '{url}' has no valid port number") from None
    if port is None:
        raise ConfigError(f"transport.port: '{url}' needs a port number")
    return parts.hostname, port


class TcpTransport(StreamTransport):
    """One TCP connection, reopenable: ``open()`` connects (within ``connect_timeout_s``)."""

    eof_text = "the device closed the connection"

    def __init__(self, url: str, default_port: int | None = None, connect_timeout_s: float = 3.0) -> None:
        super().__init__()
        self.url = url
        self.host, self.port = parse_tcp_url(url, default_port)
        self.connect_timeout_s = connect_timeout_s

    @property
    def name(self) -> str:
        return self.url

    async def open(self) -> None:
        if self.is_open:
            return
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError:
            raise TransportLost(f"{self.url}: no connection within {self.connect_timeout_s:g} s") from None
        except OSError as exc:
            raise TransportLost(f"{self.url}: cannot connect: {exc.strerror or exc}") from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader, self._writer = reader, writer
        log.debug("connected %s", self.url)


def open_stream(port: str, settings: SerialSettings, default_tcp_port: int | None = None) -> ByteStream:
    """A TcpTransport for ``tcp://`` / ``socket://`` ports, otherwise a SerialTransport (not opened yet)."""
    if port.startswith(TCP_SCHEMES):
        return TcpTransport(port, default_tcp_port)
    return SerialTransport(port, settings)
