"""Async serial transport over pyserial-asyncio-fast: device paths, udev symlinks and pyserial URLs."""

from __future__ import annotations

import asyncio
import logging
import os
import termios

import serial_asyncio_fast

from drivers.errors import ConfigError, TransportLost
from drivers.profiles import SerialSettings
from drivers.transports.stream import StreamTransport

log = logging.getLogger(__name__)


class SerialTransport(StreamTransport):
    """Moves bytes over one serial port or pyserial URL, raising TransportLost when it cannot open or drops.

    Accepts device paths, udev symlinks and URLs such as ``socket://host:port``; after a loss or ``close()``
    the same object can be opened again.
    """

    def __init__(self, port: str, settings: SerialSettings) -> None:
        super().__init__()
        self.port = port
        self.settings = settings

    @property
    def name(self) -> str:
        """The port or URL, for messages."""
        return self.port

    @property
    def label(self) -> str:
        return f"serial port '{self.port}'"

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
