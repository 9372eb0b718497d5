"""FramedLink: one reader task, one request at a time, unsolicited frames to listeners.

The pattern every request/reply family shares (MDC, LG, PJLink, 9-pin, HyperDeck, Tesira, the mic systems):
a sans-IO splitter cuts the byte stream into frames (or typed DecodeErrors, after which it resynchronises);
``request()`` writes one frame and waits for the first frame its ``accept`` predicate takes; frames nobody
waits for go to the listeners (notifications, subscriptions, mic events). A handshake (greeting, login,
telnet refusal) runs once after each open, reading frames with ``receive()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

from drivers.errors import CourtroomError, DecodeError, DeviceTimeout, TransportLost
from drivers.profiles import Timing
from drivers.transports.base import ByteStream, SharedLink

log = logging.getLogger(__name__)

F = TypeVar("F")
F_co = TypeVar("F_co", covariant=True)


class Splitter(Protocol[F_co]):
    """Sans-IO framing: bytes in, whole frames (or DecodeErrors for what it skipped) out."""

    def feed(self, data: bytes) -> Sequence[F_co | DecodeError]: ...

    def reset(self) -> None:
        """Forget a partial frame (the link was reopened)."""


FrameListener = Callable[[F], None]
LostListener = Callable[[str], None]


class FramedLink(SharedLink, Generic[F]):
    """A byte stream with framing, request/reply matching and unsolicited frames; opened on first use."""

    def __init__(
        self,
        transport: ByteStream,
        splitter: Splitter[F],
        timing: Timing,
        *,
        handshake: Callable[[FramedLink[F]], Awaitable[None]] | None = None,
    ) -> None:
        self.transport = transport
        self.splitter = splitter
        self.timing = timing
        self.handshake = handshake
        self.decode_errors = 0
        self._listeners: list[FrameListener[F]] = []
        self._lost_listeners: list[LostListener] = []
        self._reader: asyncio.Task[None] | None = None
        self._ready = False
        self._open_lock = asyncio.Lock()
        self._request_lock = asyncio.Lock()
        self._waiter: tuple[Callable[[F], bool], asyncio.Future[F]] | None = None
        self._handshake_queue: asyncio.Queue[F] | None = None
        self._quiet_until = 0.0

    @property
    def name(self) -> str:
        return self.transport.name

    @property
    def is_open(self) -> bool:
        return self._ready

    def add_listener(self, listener: FrameListener[F]) -> None:
        """``listener(frame)`` for every frame no request is waiting for."""
        self._listeners.append(listener)

    def add_lost_listener(self, listener: LostListener) -> None:
        """``listener(reason)`` when the link drops."""
        self._lost_listeners.append(listener)

    # -- open / close ----------------------------------------------------------------------------------------
    async def ensure_open(self) -> None:
        """Open the transport, start reading, run the handshake; TransportLost (or the handshake's error)."""
        if self._ready:
            return
        async with self._open_lock:
            if self._ready:
                return
            await self.transport.open()
            self.splitter.reset()
            self._handshake_queue = asyncio.Queue() if self.handshake is not None else None
            self._reader = asyncio.create_task(self._read_loop(), name=f"link:{self.name}")
            try:
                if self.handshake is not None:
                    await self.handshake(self)
            except BaseException:
                await self._shutdown()
                raise
            finally:
                self._handshake_queue = None
            self._ready = True

    async def close(self) -> None:
        """Stop reading and close the transport; never raises."""
        await self._shutdown()

    async def _shutdown(self, reason: str = "link closed") -> None:
        self._ready = False
        reader, self._reader = self._reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader
        with contextlib.suppress(Exception):
            await self.transport.close()
        self._fail_waiter(TransportLost(f"{self.name}: {reason}"))

    # -- requests --------------------------------------------------------------------------------------------
    async def request(
        self, data: bytes, accept: Callable[[F], bool] | None, timeout_ms: float | None = None
    ) -> F | None:
        """Write ``data``; with ``accept``, wait for the first frame it takes (DeviceTimeout after
        ``timeout_ms``, default the profile's ``ack_timeout_ms``). Requests are strictly one at a time."""
        async with self._request_lock:
            await self.ensure_open()
            gap = self._quiet_until - time.monotonic()
            if gap > 0:
                await asyncio.sleep(gap)
            future: asyncio.Future[F] | None = None
            if accept is not None:
                future = asyncio.get_running_loop().create_future()
                self._waiter = (accept, future)
            try:
                await self.transport.write(data)
                if future is None:
                    return None
                limit = (timeout_ms if timeout_ms is not None else self.timing.ack_timeout_ms) / 1000
                try:
                    async with asyncio.timeout(limit):
                        return await future
                except TimeoutError:
                    raise DeviceTimeout(f"{self.name}: no reply within {limit * 1000:.0f} ms") from None
            except TransportLost:
                await self._lost("write failed")
                raise
            finally:
                self._waiter = None
                self._quiet_until = time.monotonic() + self.timing.inter_frame_gap_ms / 1000

    async def send(self, data: bytes) -> None:
        """Write without waiting for a reply (handshake answers, telnet refusals)."""
        try:
            await self.transport.write(data)
        except TransportLost:
            await self._lost("write failed")
            raise

    async def receive(self, timeout_ms: float | None = None) -> F:
        """The next frame, for a handshake only; DeviceTimeout when none comes in time."""
        queue = self._handshake_queue
        if queue is None:
            raise RuntimeError("receive() is for the handshake")
        limit = (timeout_ms if timeout_ms is not None else self.timing.ack_timeout_ms) / 1000
        try:
            async with asyncio.timeout(limit):
                return await queue.get()
        except TimeoutError:
            raise DeviceTimeout(f"{self.name}: nothing received within {limit * 1000:.0f} ms") from None

    # -- reading ---------------------------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self.transport.read()
                for item in self.splitter.feed(data):
                    self._dispatch(item)
        except TransportLost as exc:
            await self._lost(str(exc))
        except asyncio.CancelledError:
            raise
        except Exception:  # pragma: no cover - a bug in a splitter or listener must not kill the link silently
            log.exception("%s: reader failed", self.name)
            await self._lost("reader failed")

    def _dispatch(self, item: F | DecodeError) -> None:
        if isinstance(item, DecodeError):
            self.decode_errors += 1
            log.debug("%s: %s", self.name, item)
            return
        if self._handshake_queue is not None:
            self._handshake_queue.put_nowait(item)
            return
        waiter = self._waiter
        if waiter is not None and not waiter[1].done() and waiter[0](item):
            waiter[1].set_result(item)
            return
        for listener in list(self._listeners):
            try:
                listener(item)
            except CourtroomError as exc:
                log.warning("%s: %s", self.name, exc)

    async def _lost(self, reason: str) -> None:
        was_ready = self._ready
        self._reader = None if self._reader is asyncio.current_task() else self._reader
        await self._shutdown(reason)
        if was_ready:
            for listener in list(self._lost_listeners):
                listener(reason)

    def _fail_waiter(self, exc: BaseException) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter[1].done():
            waiter[1].set_exception(exc)
            waiter[1].exception()
