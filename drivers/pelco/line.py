"""One Pelco-D or Pelco-P serial line (RS-485) shared by every dome on it.

Pelco has no ACK and no NAK: a command is done when it is on the wire. The line paces writes (each frame
occupies the half-duplex line for its wire time at the configured baud rate, then the profile's
``inter_frame_gap_ms`` of quiet), runs one reader task that cuts frames and hands each Pelco-D position
reply (59/5B/5D) to the query waiting for that address and axis, and drops anything else. A lost link
fails every waiter with TransportLost; the next request reopens the line.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

from drivers.errors import CourtroomError, DecodeError, DeviceTimeout, InvalidArgument, TransportLost
from drivers.pelco import codec
from drivers.pelco.codec import Axis, FrameSplitter, Variant
from drivers.profiles import SerialSettings, Timing
from drivers.transports.base import ByteStream, SharedLink
from drivers.transports.serial import SerialTransport

log = logging.getLogger(__name__)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
        future.exception()  # marks it retrieved: a query that stopped waiting must not log it again


class PelcoLine(SharedLink):
    """The shared port object of one physical Pelco line; domes hold it and call it concurrently.

    ``command()`` and ``query()`` open the line when it is closed (one attempt; the daemon's supervisor
    retries) and raise TransportLost; ``query()`` also raises DeviceTimeout when no answer comes.
    """

    def __init__(self, transport: ByteStream, timing: Timing, variant: Variant, *, baudrate: int | None = None) -> None:
        if variant not in ("D", "P"):
            raise InvalidArgument(f"variant: {variant!r} is not 'D' or 'P'")
        self.transport = transport
        self.timing = timing
        self.variant: Variant = variant
        self.baudrate = baudrate  # for wire time; None when the link has no meaningful rate
        self._ready = False
        self._reader: asyncio.Task[None] | None = None
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._query_locks: defaultdict[tuple[int, Axis], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._waiting: dict[tuple[int, Axis], asyncio.Future[int]] = {}
        self._line_free_at = 0.0

    @classmethod
    def serial(cls, port: str, settings: SerialSettings, timing: Timing, variant: Variant) -> PelcoLine:
        """A line on a serial port path (or pyserial URL) with the given settings."""
        return cls(SerialTransport(port, settings), timing, variant, baudrate=settings.baudrate)

    @property
    def name(self) -> str:
        """The port, for messages."""
        return self.transport.name

    @property
    def is_open(self) -> bool:
        """True once opened, until closed or lost."""
        return self._ready

    # -- open and close --------------------------------------------------------------------------------------
    async def ensure_open(self) -> None:
        """Open the port and start the reader; TransportLost when the port cannot be opened."""
        if self._ready:
            return
        async with self._open_lock:
            if self._ready:
                return
            await self.transport.open()
            self._reader = asyncio.create_task(self._read_loop(), name=f"pelco-reader {self.name}")
            self._ready = True
            log.info("%s: Pelco-%s line open", self.name, self.variant)

    async def close(self) -> None:
        """Stop the reader, fail every waiting query with TransportLost and close the port. Never raises."""
        await self._teardown(TransportLost(f"{self.name}: line closed"))

    async def _teardown(self, exc: CourtroomError) -> None:
        self._ready = False
        reader, self._reader = self._reader, None
        for future in self._waiting.values():
            _fail(future, exc)
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            await asyncio.wait([reader])
        await self.transport.close()

    # -- requests --------------------------------------------------------------------------------------------
    async def command(self, address: int, frame: bytes) -> None:
        """Send one command frame; it returns once written (Pelco sends no acknowledgement)."""
        self._check_address(address)
        await self.ensure_open()
        await self._send(frame)

    async def query(self, address: int, axis: Axis, *, timeout_s: float | None = None) -> int:
        """Ask dome ``address`` for its ``axis`` position (Pelco-D only) and return the 16-bit value."""
        self._check_address(address)
        if self.variant != "D":
            raise InvalidArgument(f"{self.name}: Pelco-{self.variant} has no position query")
        timeout = timeout_s if timeout_s is not None else self.timing.inquiry_timeout_ms / 1000
        await self.ensure_open()
        key = (address, axis)
        async with self._query_locks[key]:
            future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self._waiting[key] = future
            try:
                await self._send(codec.query(address, axis))
                async with asyncio.timeout(timeout):
                    return await future
            except TimeoutError:
                raise DeviceTimeout(
                    f"{self.name}: dome {address} sent no {axis} position within {timeout * 1000:.0f} ms"
                ) from None
            finally:
                if self._waiting.get(key) is future:
                    del self._waiting[key]

    def _check_address(self, address: int) -> None:
        allowed = codec.ADDRESSES[self.variant]
        if not isinstance(address, int) or isinstance(address, bool) or address not in allowed:
            raise InvalidArgument(f"address: {address!r} is outside {allowed.start}..{allowed.stop - 1}")

    def wire_time(self, frame: bytes) -> float:
        """Seconds ``frame`` occupies the line (10 bits a byte at the baud rate; 0 without one)."""
        return len(frame) * 10 / self.baudrate if self.baudrate else 0.0

    async def _send(self, frame: bytes) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with self._write_lock:
                wait = self._line_free_at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self.transport.write(frame)
                self._line_free_at = loop.time() + self.wire_time(frame) + self.timing.inter_frame_gap_ms / 1000
        except TransportLost as exc:
            if self._ready:  # the write noticed the loss before the reader did: the next request reopens
                await self._teardown(exc)
            raise

    # -- the reader ------------------------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        splitter = FrameSplitter(self.variant)
        try:
            while True:
                splitter.feed(await self.transport.read())
                while True:
                    try:
                        raw = splitter.next_frame()
                    except DecodeError as exc:
                        log.warning("%s: discarded garbled input: %s", self.name, exc)
                        continue
                    if raw is None:
                        break
                    try:
                        reply = codec.parse_reply(codec.decode(self.variant, raw))
                    except DecodeError as exc:  # another controller's command on a shared bus, say
                        log.debug("%s: ignored: %s", self.name, exc)
                        continue
                    future = self._waiting.get((reply.address, reply.axis))
                    if future is not None and not future.done():
                        future.set_result(reply.value)
                    else:
                        log.info("%s: position reply nothing waits for, discarded: %s", self.name, reply)
        except Exception as exc:  # TransportLost, or a transport that broke its contract: the link is unusable
            lost = exc if isinstance(exc, TransportLost) else TransportLost(f"{self.name}: reader failed: {exc!r}")
            log.warning("%s: %s", self.name, lost)
            if self._reader is asyncio.current_task():
                self._reader = None
                await self._teardown(lost)
