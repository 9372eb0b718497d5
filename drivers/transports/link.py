"""The one request engine every line and link runs on, and FramedLink, the simple case of it.

``LinkCore`` owns what all of them share: a byte stream (serial, TCP, or UDP datagrams), a sans-IO splitter
that cuts it into frames (or typed DecodeErrors, after which it resynchronises; ``PulledFrames`` adapts a
codec's pull-style framer), one reader task handing each frame to ``_route``, writes paced by the profile's
``inter_frame_gap_ms`` (plus a frame's wire time at ``baudrate`` on a half-duplex line), exchanges in flight by
key (a request, its first reply and, for a command that completes later, its end: ``until_done``; resent a
bounded number of times on a lossy link), and a teardown that fails every waiter with TransportLost. A router
resolves replies with ``answer(key, reply)`` and ``Exchange.refuse/finish/abort``; each family keys them its own
way: FramedLink by a predicate, one request at a time (MDC, LG, PJLink, 9-pin, HyperDeck, Tesira, the mic
systems); ViscaLine by camera address, then socket; ViscaIpLink by sequence number; PelcoLine by dome address
and axis. docs/request-engine.md walks through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar, cast

from drivers.errors import CourtroomError, DecodeError, DeviceTimeout, TransportLost
from drivers.profiles import Timing
from drivers.transports.base import ByteStream, PushStream, SharedLink
from drivers.transports.exchange import Exchange, Framer, PulledFrames, Splitter, check_address, fail, limit_s
from drivers.transports.ticker import ticker

__all__ = [
    "Exchange",
    "FramedLink",
    "Framer",
    "LinkCore",
    "PulledFrames",
    "Splitter",
    "check_address",
    "fail",
    "limit_s",
]

log = logging.getLogger(__name__)

F = TypeVar("F")
R = TypeVar("R")


LostListener = Callable[[str], None]


class LinkCore(SharedLink, Generic[F, R]):
    """A byte stream with framing, one reader, paced writes and exchanges by key; opened on first use.

    ``F`` is what the splitter yields, ``R`` what an exchange's first reply holds. Subclasses route frames
    (``_route``) and may set the line up after each open (``_setup``: a handshake, AddressSet, a RESET).
    """

    closed_text = "link closed"
    garbled_level = logging.WARNING  # how loudly skipped input is logged
    quiet_after_receive = True  # keep the inter-frame gap after a received frame too (a half-duplex wire)

    def __init__(
        self, transport: ByteStream, splitter: Splitter[F], timing: Timing, *, baudrate: int | None = None
    ) -> None:
        self.transport = transport
        self.splitter = splitter
        self.timing = timing
        self.baudrate = baudrate  # counted into the write pacing (a half-duplex line); None: the pace of writes
        self.decode_errors = 0
        self.retransmitted = 0  # sends repeated because no reply came in time
        self.exchanges: dict[Hashable, Exchange[R]] = {}
        self._ready = False
        self._reader: asyncio.Task[None] | None = None
        self._pushed = False  # the transport hands received chunks to _feed (no reader task)
        self._write_now: Callable[[bytes], None] | None = None  # a PushStream's write that does not wait
        self._expire_cb = self._expired  # made once: a bound method per request would be one more object
        self._tasks: set[asyncio.Task[None]] = set()  # background work of the line, cancelled at teardown
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._locks: defaultdict[Hashable, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._free_at = 0.0  # loop time from which the line may carry the next frame
        self._lost_listeners: list[LostListener] = []

    @property
    def name(self) -> str:
        """The port or URL, for messages."""
        return self.transport.name

    @property
    def is_open(self) -> bool:
        """True once opened and set up, until closed or lost."""
        return self._ready

    def add_lost_listener(self, listener: LostListener) -> None:
        """``listener(reason)`` when the link drops after it was open."""
        self._lost_listeners.append(listener)

    def lock(self, key: Hashable) -> asyncio.Lock:
        """The lock that keeps requests of one kind (per camera, per axis...) one at a time."""
        return self._locks[key]

    def start(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``work`` in the background until it ends or the line is torn down."""
        task = asyncio.create_task(work, name=f"{name} {self.name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- open and close --------------------------------------------------------------------------------------
    async def ensure_open(self) -> None:
        """Open the transport, start reading and set the line up; TransportLost (or the setup's error)."""
        if self._ready:
            return
        async with self._open_lock:
            if self._ready:
                return
            await self.transport.open()
            self.splitter.reset()
            push = _push_stream(self.transport)
            if push is not None:
                push.set_receiver(self._feed)
                self._pushed = True
                self._write_now = push.write_now
            else:
                self._reader = asyncio.create_task(self._read_loop(), name=f"reader {self.name}")
            try:
                await self._setup()
                if self._reader is None and not self._pushed:
                    raise TransportLost(f"{self.name}: link lost while opening")
            except BaseException:
                await self._teardown(TransportLost(f"{self.name}: link lost while opening"))
                raise
            self._ready = True
            self._opened()

    async def _setup(self) -> None:
        """Run after each open, before any request (nothing by default)."""

    def _opened(self) -> None:
        """Note that the line is open and set up (nothing by default)."""

    async def close(self) -> None:
        """Stop reading, fail every waiter with TransportLost and close the transport; never raises."""
        await self._teardown(TransportLost(f"{self.name}: {self.closed_text}"))

    async def _teardown(self, exc: CourtroomError) -> None:
        self._ready = False
        current = asyncio.current_task()
        tasks = [t for t in (self._reader, *self._tasks) if t is not None and t is not current]
        self._reader = None
        self._tasks.clear()
        if self._pushed:
            push = _push_stream(self.transport)
            if push is not None:
                push.set_receiver(None)
        self._pushed = False
        self._write_now = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        try:
            await self.transport.close()
        except Exception:  # pragma: no cover - transports never raise on close; the line must close anyway
            log.exception("%s: closing the transport failed", self.name)
        self._fail_all(exc)  # last, with no await after it: waiters wake once the lost listeners have heard

    def _fail_all(self, exc: BaseException) -> None:
        for exchange in self.exchanges.values():
            exchange.refuse(exc)
            exchange.abort(exc)
        self.exchanges.clear()

    async def _lost(self, exc: TransportLost) -> None:
        """The link dropped (the reader or a write noticed): tear down, then tell the listeners once."""
        was_ready = self._ready
        await self._teardown(exc)
        if was_ready:
            for listener in list(self._lost_listeners):
                listener(str(exc))

    # -- writing ---------------------------------------------------------------------------------------------
    def wire_time(self, data: bytes) -> float:
        """Seconds ``data`` occupies the wire after it is written: 10 bits a byte at ``baudrate`` (start, 8 data,
        stop), 0 without one (the transport's pace is enough)."""
        return len(data) * 10 / self.baudrate if self.baudrate else 0.0

    def _sent_now(self, data: bytes) -> bool:
        """Write ``data`` at once when nothing needs waiting for: the line is quiet, no writer waits, and the
        transport's write does not wait (a datagram); False when ``_send`` must do it. No other writer can come in
        between, so the lock need not be taken: one coroutine or two less for every request of every poll.
        TransportLost when the write fails (the caller tears the link down)."""
        write_now = self._write_now
        if write_now is None or self._write_lock.locked():
            return False
        now = asyncio.get_running_loop().time()
        if self._free_at > now:
            return False
        write_now(data)
        self._free_at = now + self.wire_time(data) + self.timing.inter_frame_gap_ms / 1000
        return True

    async def _send(self, data: bytes) -> None:
        """Write ``data`` once the line is quiet; a failed write tears the link down (the next use reopens)."""
        loop = asyncio.get_running_loop()
        lock = self._write_lock
        try:
            if self._sent_now(data):
                return
            await lock.acquire()
            try:
                wait = self._free_at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self.transport.write(data)
                self._free_at = loop.time() + self.wire_time(data) + self.timing.inter_frame_gap_ms / 1000
            finally:
                lock.release()
        except TransportLost as exc:
            await self._lost(exc)
            raise

    async def post(self, data: bytes) -> None:
        """Open the line when it is closed and write ``data``, which nothing answers (a Pelco command)."""
        await self.ensure_open()
        await self._send(data)

    # -- exchanges -------------------------------------------------------------------------------------------
    async def exchange(
        self,
        key: Hashable,
        data: bytes,
        timeout_s: float,
        timed_out: Callable[[], Exception],
        *,
        accept: Callable[[R], bool] | None = None,
        inquiry: bool = False,
        sends: int = 1,
        keep: bool = False,
    ) -> Exchange[R]:
        """Send ``data`` as exchange ``key`` and wait until ``_route`` resolves its first reply.

        With ``sends`` > 1 the same bytes go out again when no reply came within ``timeout_s / sends`` (UDP);
        ``timed_out()`` is raised when every send went unanswered. The exchange stays under ``key`` after its
        first reply only with ``keep`` (a command waiting for its end); the caller removes it then.
        """
        exchange: Exchange[R] = Exchange(data, accept=accept, inquiry=inquiry)
        self.exchanges[key] = exchange
        answered = False
        try:
            try:
                sent = self._sent_now(data)
            except TransportLost as exc:
                await self._lost(exc)
                raise
            if not sent:
                await self._send(data)
            first = exchange.first
            if not first.done():
                exchange.wait_s, exchange.resends = timeout_s / sends, sends - 1
                ticker().call_later(exchange.wait_s, self._expire_cb, exchange)
            await first  # a refusal raises here; so does TimeoutError once every send went unanswered
            answered = True
            return exchange
        except TimeoutError:
            raise timed_out() from None
        finally:
            if not keep or not answered:
                self.forget(key, exchange)

    async def until_done(
        self, exchange: Exchange[R], timeout_s: float, timed_out: Callable[[], CourtroomError]
    ) -> None:
        """Wait for the end of an exchange kept after its first reply (a VISCA Completion); ``timed_out()`` is
        raised when it does not come within ``timeout_s`` (the exchange is then detached: a late end is absorbed),
        a refusal of the end as itself."""
        try:
            async with asyncio.timeout(timeout_s):
                await exchange.done
        except TimeoutError:
            exchange.detached = True
            raise timed_out() from None

    def forget(self, key: Hashable, exchange: Exchange[R]) -> None:
        """Remove ``exchange`` from under ``key`` (if another took the key since, leave that one)."""
        if self.exchanges.get(key) is exchange:
            del self.exchanges[key]

    def waiting(self, key: Hashable) -> Exchange[R] | None:
        """The exchange under ``key`` while it waits for its first reply, else None."""
        exchange = self.exchanges.get(key)
        return exchange if exchange is not None and exchange.waiting else None

    def answer(self, key: Hashable, reply: R) -> bool:
        """Hand ``reply`` to the exchange under ``key`` if it waits for its first reply and its ``accept`` (when
        it has one) takes it; True when it did. The routers of every family resolve first replies this way."""
        exchange = self.waiting(key)
        if exchange is None or (exchange.accept is not None and not exchange.accept(reply)):
            return False
        exchange.first.set_result(reply)
        return True

    def _expired(self, exchange: Exchange[R]) -> None:
        """An exchange's wait for its first reply is up: send it again while it has sends left, else fail it with
        TimeoutError. Run by the shared coarse timer (drivers/transports/ticker.py), not a loop timer and a waiter
        per request: most requests are answered long before and cost it nothing more."""
        first = exchange.first
        if first.done():  # answered, refused, failed at teardown, or its sender gave up (cancelled)
            return
        if exchange.resends <= 0:
            fail(first, TimeoutError())
            return
        exchange.resends -= 1
        self.retransmitted += 1
        log.info("%s: no reply, sending again: %s", self.name, exchange.data.hex(" "))
        self.start(self._resend(exchange.data), "resend")
        ticker().call_later(exchange.wait_s, self._expire_cb, exchange)

    async def _resend(self, data: bytes) -> None:
        """Send again (a failed write tears the link down, which fails the request)."""
        with contextlib.suppress(CourtroomError):
            await self._send(data)

    # -- reading ---------------------------------------------------------------------------------------------
    def _feed(self, data: bytes) -> None:
        """Route every frame of one received chunk (on the reader task, or straight from a PushStream)."""
        for item in self.splitter.feed(data):
            if isinstance(item, DecodeError):
                self._garbled(item)
                continue
            if self.quiet_after_receive:
                gap_s = self.timing.inter_frame_gap_ms / 1000
                if gap_s:
                    self._free_at = max(self._free_at, asyncio.get_running_loop().time() + gap_s)
            try:
                self._route(item)
            except DecodeError as exc:  # a frame the family cannot make sense of is garbled input too
                self._garbled(exc)
            except Exception:  # a bug in routing or a listener must not stop the reader
                log.exception("%s: failed to route %s", self.name, item)

    async def _read_loop(self) -> None:
        try:
            while True:
                self._feed(await self.transport.read())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # TransportLost, or a transport that broke its contract: the link is unusable
            lost = exc if isinstance(exc, TransportLost) else TransportLost(f"{self.name}: reader failed: {exc!r}")
            log.warning("%s: %s", self.name, lost)
            if self._reader is asyncio.current_task():
                self._reader = None
                await self._lost(lost)

    def _garbled(self, exc: DecodeError) -> None:
        self.decode_errors += 1
        log.log(self.garbled_level, "%s: discarded garbled input: %s", self.name, exc)

    def _route(self, frame: F) -> None:
        """Hand one received frame to what waits for it (on the reader task)."""
        raise NotImplementedError


def _push_stream(transport: ByteStream) -> PushStream | None:
    """The transport as a PushStream when it can hand over what it receives (see PushStream)."""
    return cast(PushStream, transport) if callable(getattr(transport, "set_receiver", None)) else None


_REPLY = "reply"


class FramedLink(LinkCore[F, F]):
    """One request at a time, its reply picked by a predicate; unsolicited frames go to the listeners.

    A handshake (greeting, login, telnet refusal) runs once after each open, reading frames with ``receive()``.
    """

    garbled_level = logging.DEBUG

    def __init__(
        self,
        transport: ByteStream,
        splitter: Splitter[F],
        timing: Timing,
        *,
        handshake: Callable[[FramedLink[F]], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(transport, splitter, timing)
        self.handshake = handshake
        self._listeners: list[Callable[[F], None]] = []
        self._handshake_queue: asyncio.Queue[F] | None = None

    def add_listener(self, listener: Callable[[F], None]) -> None:
        """``listener(frame)`` for every frame no request is waiting for."""
        self._listeners.append(listener)

    async def _setup(self) -> None:
        if self.handshake is None:
            return
        self._handshake_queue = asyncio.Queue()
        try:
            await self.handshake(self)
        finally:
            self._handshake_queue = None

    async def request(
        self, data: bytes, accept: Callable[[F], bool] | None, timeout_ms: float | None = None
    ) -> F | None:
        """Write ``data``; with ``accept``, wait for the first frame it takes (DeviceTimeout after
        ``timeout_ms``, default the profile's ``ack_timeout_ms``). Requests are strictly one at a time."""
        async with self.lock(_REPLY):
            await self.ensure_open()
            if accept is None:
                await self._send(data)
                return None
            limit = (timeout_ms if timeout_ms is not None else self.timing.ack_timeout_ms) / 1000
            exchange = await self.exchange(
                _REPLY,
                data,
                limit,
                lambda: DeviceTimeout(f"{self.name}: no reply within {limit * 1000:.0f} ms"),
                accept=accept,
            )
            return exchange.first.result()

    async def send(self, data: bytes) -> None:
        """Write without waiting for a reply (handshake answers, telnet refusals)."""
        await self._send(data)

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

    def _route(self, frame: F) -> None:
        if self._handshake_queue is not None:
            self._handshake_queue.put_nowait(frame)
            return
        if self.answer(_REPLY, frame):  # a request's exchange always has its ``accept``
            return
        for listener in list(self._listeners):
            try:
                listener(frame)
            except CourtroomError as exc:
                log.warning("%s: %s", self.name, exc)
