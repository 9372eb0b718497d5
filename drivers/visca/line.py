"""One VISCA serial line shared by every camera on it (up to 7 on a daisy chain or an RS-485 bus).

The line owns the transport and one reader task that cuts frames and routes each reply by its sender
address (``z0``, z = 8 + address) to the request waiting for it. Per camera, one command is in flight at a
time (sent, ACK or error, then Completion or its timeout) while inquiries to it and to other cameras go on.
Each request waits for its first reply under a per-camera lock, because errors on socket 0 do not say which
request they answer. A lost link fails every waiter with TransportLost; the next request reopens the line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.errors import CourtroomError, DecodeError, DeviceNak, DeviceTimeout, InvalidArgument, TransportLost
from drivers.profiles import SerialSettings, Timing
from drivers.transports.base import ByteStream, SharedLink
from drivers.transports.serial import SerialTransport
from drivers.visca.codec import (
    ADDRESS_SET_BROADCAST,
    IF_CLEAR_BROADCAST,
    Ack,
    AddressSetReply,
    Completion,
    ErrorReply,
    FrameSplitter,
    IfClearBroadcast,
    InquiryAnswer,
    NetworkChange,
    Reply,
    decode_reply,
    error_for,
)

log = logging.getLogger(__name__)

NetworkListener = Callable[[int], None]
"""Called with the address of the camera that reported a network change."""


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
        future.exception()  # marks it retrieved: a request that stopped waiting must not log it again


@dataclass(eq=False)
class _Pending:
    """A frame sent to one camera and the replies it waits for."""

    frame: bytes
    inquiry: bool
    first: asyncio.Future[Reply]  # ACK, Completion or InquiryAnswer; an ErrorReply as an exception
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    detached: bool = False  # its sender returned at the ACK or gave up: a late Completion or error is absorbed


class ViscaLine(SharedLink):
    """The shared port object of one physical VISCA line; cameras hold it and call it concurrently.

    ``command()`` and ``inquire()`` open the line when it is closed (one attempt, no retry loop: the daemon's
    supervisor retries with backoff) and raise TransportLost, DeviceTimeout, DeviceNak (BufferFull,
    NotExecutable) or InvalidArgument (an address outside 1-7).
    """

    def __init__(self, transport: ByteStream, timing: Timing, *, address_set: bool = True) -> None:
        self.transport = transport
        self.timing = timing
        self.address_set = address_set  # False on a bus where cameras keep fixed addresses
        self.camera_count: int | None = None  # from the last AddressSet reply
        self._ready = False
        self._reader: asyncio.Task[None] | None = None
        self._readdress: asyncio.Task[None] | None = None
        self._readdress_again = False
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._broadcast_lock = asyncio.Lock()
        self._command_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._reply_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._first: dict[int, _Pending] = {}
        self._sockets: dict[tuple[int, int], _Pending] = {}
        self._broadcast: tuple[type[Reply], asyncio.Future[Reply]] | None = None
        self._last_frame_at = 0.0
        self._listeners: list[NetworkListener] = []

    @classmethod
    def serial(cls, port: str, settings: SerialSettings, timing: Timing, *, address_set: bool = True) -> ViscaLine:
        """A line on a serial port path (or pyserial URL) with the given settings."""
        return cls(SerialTransport(port, settings), timing, address_set=address_set)

    @property
    def name(self) -> str:
        """The port, for messages."""
        return self.transport.name

    @property
    def is_open(self) -> bool:
        """True once opened and set up, until closed or lost."""
        return self._ready

    # -- listeners ---------------------------------------------------------------------------------------------
    def add_listener(self, listener: NetworkListener) -> None:
        """``listener(address)`` runs when a camera reports a network change (before addresses are re-set)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: NetworkListener) -> None:
        """Stop calling ``listener``."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    # -- open and close --------------------------------------------------------------------------------------
    async def ensure_open(self) -> None:
        """Open the port, start the reader, set addresses (AddressSet) and clear the interfaces (IF_Clear).

        Raises TransportLost when the port cannot be opened or drops meanwhile, ConfigError when the port
        string is malformed. A camera chain that does not answer the broadcasts is only logged.
        """
        if self._ready:
            return
        async with self._open_lock:
            if self._ready:
                return
            await self.transport.open()
            self._reader = asyncio.create_task(self._read_loop(), name=f"visca-reader {self.name}")
            try:
                if self.address_set:
                    await self._set_addresses()
                if await self._send_broadcast(IF_CLEAR_BROADCAST, IfClearBroadcast) is None:
                    log.warning("%s: IF_Clear broadcast did not come back", self.name)
                if self._reader is None:
                    raise TransportLost(f"{self.name}: link lost while opening")
            except BaseException:
                await self._teardown(TransportLost(f"{self.name}: link lost while opening"))
                raise
            self._ready = True
            log.info("%s: open (%s camera(s) answered AddressSet)", self.name, self.camera_count)

    async def close(self) -> None:
        """Stop the reader, fail every waiting request with TransportLost and close the port. Never raises."""
        await self._teardown(TransportLost(f"{self.name}: line closed"))

    async def _teardown(self, exc: CourtroomError) -> None:
        self._ready = False
        tasks = [t for t in (self._reader, self._readdress) if t is not None and t is not asyncio.current_task()]
        self._reader = self._readdress = None
        self._fail_all(exc)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        await self.transport.close()

    def _fail_all(self, exc: CourtroomError) -> None:
        for pending in [*self._first.values(), *self._sockets.values()]:
            _fail(pending.first, exc)
            _fail(pending.done, exc)
        self._sockets.clear()
        if self._broadcast is not None:
            _fail(self._broadcast[1], exc)

    # -- requests --------------------------------------------------------------------------------------------
    async def command(
        self,
        address: int,
        frame: bytes,
        *,
        wait_completion: bool = True,
        ack_timeout_s: float | None = None,
        completion_timeout_s: float | None = None,
    ) -> None:
        """Send a command; return at its Completion (or at the ACK when ``wait_completion`` is False)."""
        ack_s = ack_timeout_s if ack_timeout_s is not None else self.timing.ack_timeout_ms / 1000
        done_s = completion_timeout_s if completion_timeout_s is not None else self.timing.completion_timeout_ms / 1000
        _check_address(address)
        await self.ensure_open()
        async with self._command_locks[address]:
            pending, first = await self._exchange(address, frame, inquiry=False, timeout_s=ack_s, what="ACK")
            if isinstance(first, Completion):
                return
            if not wait_completion:
                pending.detached = True
                return
            try:
                async with asyncio.timeout(done_s):
                    await pending.done
            except TimeoutError:
                pending.detached = True  # keeps its socket, so a late Completion is not taken for the next one
                raise DeviceTimeout(
                    f"{self.name}: camera {address} sent no Completion within {done_s * 1000:.0f} ms "
                    f"for {frame.hex(' ')}"
                ) from None

    async def inquire(self, address: int, frame: bytes, *, timeout_s: float | None = None) -> bytes:
        """Send an inquiry and return the answer's data bytes (between ``z0 50`` and FF)."""
        _check_address(address)
        timeout = timeout_s if timeout_s is not None else self.timing.inquiry_timeout_ms / 1000
        await self.ensure_open()
        _, answer = await self._exchange(address, frame, inquiry=True, timeout_s=timeout, what="answer")
        if not isinstance(answer, InquiryAnswer):  # the router hands inquiries nothing else
            raise DecodeError(f"{self.name}: camera {address} answered {frame.hex(' ')} with {answer}")
        return answer.data

    async def _exchange(
        self, address: int, frame: bytes, *, inquiry: bool, timeout_s: float, what: str
    ) -> tuple[_Pending, Reply]:
        async with self._reply_locks[address]:
            pending = _Pending(frame, inquiry, asyncio.get_running_loop().create_future())
            self._first[address] = pending
            try:
                await self._send(frame)
                async with asyncio.timeout(timeout_s):
                    return pending, await pending.first
            except TimeoutError:
                raise DeviceTimeout(
                    f"{self.name}: camera {address} sent no {what} within {timeout_s * 1000:.0f} ms "
                    f"for {frame.hex(' ')}"
                ) from None
            finally:
                if self._first.get(address) is pending:
                    del self._first[address]

    async def _send(self, frame: bytes) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with self._write_lock:
                wait = self._last_frame_at + self.timing.inter_frame_gap_ms / 1000 - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self.transport.write(frame)
                self._last_frame_at = loop.time()
        except TransportLost as exc:
            if self._ready:  # the write noticed the loss before the reader did: the next request reopens
                await self._teardown(exc)
            raise

    # -- broadcasts ------------------------------------------------------------------------------------------
    async def _send_broadcast(self, frame: bytes, expect: type[Reply]) -> Reply | None:
        async with self._broadcast_lock:
            future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
            self._broadcast = (expect, future)
            try:
                await self._send(frame)
                async with asyncio.timeout(self.timing.ack_timeout_ms / 1000):
                    return await future
            except TimeoutError:
                return None
            finally:
                self._broadcast = None

    async def _set_addresses(self) -> None:
        reply = await self._send_broadcast(ADDRESS_SET_BROADCAST, AddressSetReply)
        if isinstance(reply, AddressSetReply):
            self.camera_count = reply.count
        else:
            log.warning("%s: AddressSet broadcast did not come back", self.name)

    def _on_network_change(self, address: int) -> None:
        log.info("%s: camera %d reports a network change", self.name, address)
        for listener in list(self._listeners):
            try:
                listener(address)
            except Exception:
                log.exception("%s: network change listener failed", self.name)
        if not self.address_set:
            return
        if self._readdress is None:
            self._readdress = asyncio.create_task(self._readdress_loop(), name=f"visca-readdress {self.name}")
        else:
            self._readdress_again = True

    async def _readdress_loop(self) -> None:
        try:
            while True:
                self._readdress_again = False
                await self._set_addresses()
                if not self._readdress_again:
                    return
        except CourtroomError as exc:
            log.warning("%s: re-running AddressSet failed: %s", self.name, exc)
        finally:
            if self._readdress is asyncio.current_task():
                self._readdress = None

    # -- the reader ------------------------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        splitter = FrameSplitter()
        try:
            while True:
                splitter.feed(await self.transport.read())
                while True:
                    try:
                        frame = splitter.next_frame()
                        if frame is None:
                            break
                        reply = decode_reply(frame)
                    except DecodeError as exc:
                        log.warning("%s: discarded garbled input: %s", self.name, exc)
                        continue
                    self._last_frame_at = asyncio.get_running_loop().time()
                    try:
                        self._route(reply)
                    except Exception:
                        log.exception("%s: failed to route %s", self.name, reply)
        except Exception as exc:  # TransportLost, or a transport that broke its contract: the link is unusable
            lost = exc if isinstance(exc, TransportLost) else TransportLost(f"{self.name}: reader failed: {exc!r}")
            log.warning("%s: %s", self.name, lost)
            if self._reader is asyncio.current_task():
                self._reader = None
                await self._teardown(lost)

    def _route(self, reply: Reply) -> None:
        if isinstance(reply, AddressSetReply | IfClearBroadcast):
            waiter = self._broadcast
            if waiter is not None and isinstance(reply, waiter[0]) and not waiter[1].done():
                waiter[1].set_result(reply)
            else:
                log.debug("%s: unexpected broadcast reply %s", self.name, reply)
            return
        if isinstance(reply, NetworkChange):
            self._on_network_change(reply.address)
            return
        address = reply.address
        current = self._first.get(address)
        if current is not None and current.first.done():
            current = None
        if isinstance(reply, Ack) and current is not None and not current.inquiry:
            self._sockets[(address, reply.socket)] = current
            current.first.set_result(reply)
        elif isinstance(reply, InquiryAnswer) and current is not None and current.inquiry:
            current.first.set_result(reply)
        elif isinstance(reply, Completion | ErrorReply) and self._to_socket_owner(address, reply, current):
            pass
        elif isinstance(reply, Completion) and current is not None and not current.inquiry:
            current.first.set_result(reply)  # no ACK came first (IF_Clear for one camera answers z0 50 FF)
        elif isinstance(reply, ErrorReply) and current is not None:
            _fail(current.first, self._nak(address, reply, current.frame))
        else:
            log.warning("%s: reply nothing waits for, discarded: %s", self.name, reply)

    def _to_socket_owner(self, address: int, reply: Completion | ErrorReply, current: _Pending | None) -> bool:
        """Hand a Completion or error on socket y to the command that socket runs; False if none does."""
        owner = self._sockets.get((address, reply.socket)) if reply.socket else None
        if owner is None:
            return False
        if isinstance(reply, ErrorReply) and owner.detached and current is not None and not current.inquiry:
            return False  # a command still waiting for its ACK is the likelier addressee of the error
        del self._sockets[(address, reply.socket)]
        if isinstance(reply, Completion):
            if not owner.done.done():
                owner.done.set_result(None)
            return True
        nak = self._nak(address, reply, owner.frame)
        if owner.detached:
            log.warning("%s", nak)
        _fail(owner.done, nak)
        return True

    def _nak(self, address: int, reply: ErrorReply, frame: bytes) -> DeviceNak:
        return error_for(reply, f"{self.name}: camera {address} refused {frame.hex(' ')}")


def _check_address(address: int) -> None:
    if not isinstance(address, int) or isinstance(address, bool) or not 1 <= address <= 7:
        raise InvalidArgument(f"address: {address!r} is outside 1..7")
