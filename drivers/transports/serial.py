"""Async serial transport over pyserial-asyncio-fast: device paths, udev symlinks and pyserial URLs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import termios

import serial_asyncio_fast

from drivers.errors import ConfigError, TransportLost
from drivers.profiles import SerialSettings

log = logging.getLogger(__name__)

READ_CHUNK = 1024


class SerialTransport:
    """Moves bytes over one serial port or pyserial URL, raising TransportLost when it cannot open or drops.

    Accepts device paths, udev symlinks and URLs such as ``socket://host:port``; after a loss or ``close()``
    the same object can be opened again.
    """

    def __init__(self, port: str, settings: SerialSettings) -> None:
        self.port = port
        self.settings = settings
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def name(self) -> str:
        """The port or URL, for messages."""
        return self.port

    @property
    def is_open(self) -> bool:
        """True between a successful ``open()`` and ``close()`` or a loss."""
        return self._writer is not None and not self._writer.is_closing()

    async def open(self) -> None:
        """Open the port with the configured baud rate, byte size, parity and stop bits.

        Raises TransportLost when the port is missing, busy or refuses the connection, and ConfigError when
        the port string or the settings are malformed (an unknown URL scheme, an unsupported baud rate).
        """
        if self._writer is not None:
            await self.close()
        s = self.settings
        if s.parity != "N" and (await asyncio.to_thread(os.path.realpath, self.port)).startswith("/dev/pts/"):
            s = s.model_copy(update={"parity": "N"})  # a pty carries no parity: Linux clears PARENB, then EINVAL
        try:
            reader, writer = await serial_asyncio_fast.open_serial_connection(
                url=self.port,
                baudrate=s.baudrate,
                bytesize=s.bytesize,
                parity=s.parity,
                stopbits=s.stopbits,
                rtscts=s.rtscts,
            )
        except ValueError as exc:
            raise ConfigError(f"serial port '{self.port}': {exc}") from exc
        except (OSError, termios.error) as exc:  # serial.SerialException is an OSError too
            raise TransportLost(f"serial port '{self.port}': cannot open: {exc}") from exc
        self._reader, self._writer = reader, writer
        log.debug("opened %s (%s)", self.port, s)

    async def write(self, data: bytes) -> None:
        """Send ``data`` and wait until the OS has taken it."""
        writer = self._writer
        if writer is None or writer.is_closing():
            raise TransportLost(f"serial port '{self.port}': not open")
        try:
            writer.write(data)
            await writer.drain()
        except (OSError, RuntimeError) as exc:
            raise TransportLost(f"serial port '{self.port}': write failed: {exc}") from exc

    async def read(self) -> bytes:
        """The next chunk of received bytes; TransportLost on EOF or an I/O error (then reopen to go on)."""
        reader = self._reader
        if reader is None:
            raise TransportLost(f"serial port '{self.port}': not open")
        try:
            data = await reader.read(READ_CHUNK)
        except (OSError, RuntimeError) as exc:
            raise TransportLost(f"serial port '{self.port}': link lost: {exc}") from exc
        if not data:
            raise TransportLost(f"serial port '{self.port}': the other end closed the link")
        return data

    async def close(self) -> None:
        """Close the port and wait until it is released; never raises."""
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        log.debug("closed %s", self.port)
