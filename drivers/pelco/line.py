"""One Pelco-D or Pelco-P serial line (RS-485) shared by every dome on it.

Pelco has no ACK and no NAK: a command is done when it is on the wire. The line runs on the shared request
engine (``LinkCore``): writes are paced (each frame occupies the half-duplex line for its wire time at the
configured baud rate, then the profile's ``inter_frame_gap_ms`` of quiet), and one reader cuts frames and hands
each Pelco-D position reply (59/5B/5D) to the query waiting for that address and axis; anything else is
dropped. A lost link fails every waiter with TransportLost; the next request reopens the line.
"""

from __future__ import annotations

import logging

from drivers.errors import DecodeError, DeviceTimeout, InvalidArgument
from drivers.pelco import codec
from drivers.pelco.codec import Axis, FrameSplitter, Variant
from drivers.profiles import SerialSettings, Timing
from drivers.transports.base import ByteStream
from drivers.transports.link import LinkCore, PulledFrames, check_address, limit_s
from drivers.transports.serial import SerialTransport

log = logging.getLogger(__name__)


class PelcoLine(LinkCore[bytes, int]):
    """The shared port object of one physical Pelco line; domes hold it and call it concurrently.

    ``command()`` and ``query()`` open the line when it is closed (one attempt; the daemon's supervisor
    retries) and raise TransportLost; ``query()`` also raises DeviceTimeout when no answer comes.
    """

    closed_text = "line closed"
    quiet_after_receive = False  # the gap follows our own frames: a dome answers at once, then is quiet

    def __init__(self, transport: ByteStream, timing: Timing, variant: Variant, *, baudrate: int | None = None) -> None:
        if variant not in ("D", "P"):
            raise InvalidArgument(f"variant: {variant!r} is not 'D' or 'P'")
        super().__init__(transport, PulledFrames(lambda: FrameSplitter(variant), bytes), timing, baudrate=baudrate)
        self.variant: Variant = variant

    @classmethod
    def serial(cls, port: str, settings: SerialSettings, timing: Timing, variant: Variant) -> PelcoLine:
        """A line on a serial port path (or pyserial URL) with the given settings."""
        return cls(SerialTransport(port, settings), timing, variant, baudrate=settings.baudrate)

    def _opened(self) -> None:
        log.info("%s: Pelco-%s line open", self.name, self.variant)

    # -- requests --------------------------------------------------------------------------------------------
    async def command(self, address: int, frame: bytes) -> None:
        """Send one command frame; it returns once written (Pelco sends no acknowledgement)."""
        self._check_address(address)
        await self.post(frame)

    async def query(self, address: int, axis: Axis, *, timeout_s: float | None = None) -> int:
        """Ask dome ``address`` for its ``axis`` position (Pelco-D only) and return the 16-bit value."""
        self._check_address(address)
        if self.variant != "D":
            raise InvalidArgument(f"{self.name}: Pelco-{self.variant} has no position query")
        timeout = limit_s(timeout_s, self.timing.inquiry_timeout_ms)
        await self.ensure_open()
        key = (address, axis)
        async with self.lock(key):
            exchange = await self.exchange(
                key,
                codec.query(address, axis),
                timeout,
                lambda: DeviceTimeout(
                    f"{self.name}: dome {address} sent no {axis} position within {timeout * 1000:.0f} ms"
                ),
            )
            return exchange.first.result()

    def _check_address(self, address: int) -> None:
        check_address(address, codec.ADDRESSES[self.variant])

    # -- routing ---------------------------------------------------------------------------------------------
    def _route(self, raw: bytes) -> None:
        try:
            reply = codec.parse_reply(codec.decode(self.variant, raw))
        except DecodeError as exc:  # another controller's command on a shared bus, say
            log.debug("%s: ignored: %s", self.name, exc)
            return
        if not self.answer((reply.address, reply.axis), reply.value):
            log.info("%s: position reply nothing waits for, discarded: %s", self.name, reply)
