"""One VISCA serial line shared by every camera on it (up to 7 on a daisy chain or an RS-485 bus).

The line runs on the shared request engine (``LinkCore``): one reader cuts frames and routes each reply by its
sender address (``z0``, z = 8 + address) to the request waiting for it. Per camera, one command is in flight at
a time (sent, ACK or error, then Completion or its timeout) while inquiries to it and to other cameras go on.
Each request waits for its first reply under a per-camera lock, because errors on socket 0 do not say which
request they answer. A lost link fails every waiter with TransportLost; the next request reopens the line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from drivers.errors import CourtroomError, DecodeError, DeviceNak, DeviceTimeout
from drivers.profiles import SerialSettings, Timing
from drivers.transports.base import ByteStream
from drivers.transports.link import Exchange, LinkCore, PulledFrames, check_address, limit_s
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


ADDRESSES = range(1, 8)
"""Camera addresses on one line."""

_BROADCAST = "broadcast"


def _first(address: int) -> tuple[str, int]:
    """The exchange key of the request to camera ``address`` that waits for its first reply."""
    return ("first", address)


def _socket(address: int, socket: int) -> tuple[str, int, int]:
    """The exchange key of the command camera ``address`` runs in ``socket``, waiting for its Completion."""
    return ("socket", address, socket)


class ViscaLine(LinkCore[Reply, Reply]):
    """The shared port object of one physical VISCA line; cameras hold it and call it concurrently.

    ``command()`` and ``inquire()`` open the line when it is closed (one attempt, no retry loop: the daemon's
    supervisor retries with backoff) and raise TransportLost, DeviceTimeout, DeviceNak (BufferFull,
    NotExecutable) or InvalidArgument (an address outside 1-7).
    """

    closed_text = "line closed"

    def __init__(self, transport: ByteStream, timing: Timing, *, address_set: bool = True) -> None:
        super().__init__(transport, PulledFrames(FrameSplitter, decode_reply), timing)
        self.address_set = address_set  # False on a bus where cameras keep fixed addresses
        self.camera_count: int | None = None  # from the last AddressSet reply
        self._readdress: asyncio.Task[None] | None = None
        self._readdress_again = False
        self._listeners: list[NetworkListener] = []

    @classmethod
    def serial(cls, port: str, settings: SerialSettings, timing: Timing, *, address_set: bool = True) -> ViscaLine:
        """A line on a serial port path (or pyserial URL) with the given settings."""
        return cls(SerialTransport(port, settings), timing, address_set=address_set)

    # -- listeners ---------------------------------------------------------------------------------------------
    def add_listener(self, listener: NetworkListener) -> None:
        """``listener(address)`` runs when a camera reports a network change (before addresses are re-set)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: NetworkListener) -> None:
        """Stop calling ``listener``."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    # -- open ------------------------------------------------------------------------------------------------
    async def _setup(self) -> None:
        """Set addresses (AddressSet) and clear the interfaces (IF_Clear); a chain that does not answer the
        broadcasts is only logged."""
        if self.address_set:
            await self._set_addresses()
        if await self._send_broadcast(IF_CLEAR_BROADCAST, IfClearBroadcast) is None:
            log.warning("%s: IF_Clear broadcast did not come back", self.name)

    def _opened(self) -> None:
        log.info("%s: open (%s camera(s) answered AddressSet)", self.name, self.camera_count)

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
        ack_s = limit_s(ack_timeout_s, self.timing.ack_timeout_ms)
        done_s = limit_s(completion_timeout_s, self.timing.completion_timeout_ms)
        check_address(address, ADDRESSES)
        await self.ensure_open()
        async with self.lock(("command", address)):
            pending = await self._exchange(address, frame, inquiry=False, timeout_s=ack_s, what="ACK")
            if isinstance(pending.first.result(), Completion):
                return
            if not wait_completion:
                pending.detached = True
                return
            # On a timeout the command keeps its socket (detached), so a late Completion is not taken for the next.
            await self.until_done(
                pending,
                done_s,
                lambda: DeviceTimeout(
                    f"{self.name}: camera {address} sent no Completion within {done_s * 1000:.0f} ms "
                    f"for {frame.hex(' ')}"
                ),
            )

    async def inquire(self, address: int, frame: bytes, *, timeout_s: float | None = None) -> bytes:
        """Send an inquiry and return the answer's data bytes (between ``z0 50`` and FF)."""
        check_address(address, ADDRESSES)
        timeout = limit_s(timeout_s, self.timing.inquiry_timeout_ms)
        await self.ensure_open()
        answer = (await self._exchange(address, frame, inquiry=True, timeout_s=timeout, what="answer")).first.result()
        if not isinstance(answer, InquiryAnswer):  # the router hands inquiries nothing else
            raise DecodeError(f"{self.name}: camera {address} answered {frame.hex(' ')} with {answer}")
        return answer.data

    async def _exchange(
        self, address: int, frame: bytes, *, inquiry: bool, timeout_s: float, what: str
    ) -> Exchange[Reply]:
        def timed_out() -> DeviceTimeout:
            return DeviceTimeout(
                f"{self.name}: camera {address} sent no {what} within {timeout_s * 1000:.0f} ms for {frame.hex(' ')}"
            )

        async with self.lock(("reply", address)):
            return await self.exchange(_first(address), frame, timeout_s, timed_out, inquiry=inquiry)

    # -- broadcasts ------------------------------------------------------------------------------------------
    async def _send_broadcast(self, frame: bytes, expect: type[Reply]) -> Reply | None:
        """Send a broadcast and return the reply of type ``expect`` that came back round the chain, or None."""
        async with self.lock(_BROADCAST):
            try:
                exchange = await self.exchange(
                    _BROADCAST,
                    frame,
                    self.timing.ack_timeout_ms / 1000,
                    lambda: DeviceTimeout(f"{self.name}: broadcast {frame.hex(' ')} did not come back"),
                    accept=lambda reply: isinstance(reply, expect),
                )
            except DeviceTimeout:
                return None
            return exchange.first.result()

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
        if self._readdress is None or self._readdress.done():
            self._readdress = self.start(self._readdress_loop(), "visca-readdress")
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

    # -- routing ---------------------------------------------------------------------------------------------
    def _route(self, reply: Reply) -> None:
        if isinstance(reply, AddressSetReply | IfClearBroadcast):
            if not self.answer(_BROADCAST, reply):  # a broadcast's exchange takes only the reply it expects
                log.debug("%s: unexpected broadcast reply %s", self.name, reply)
            return
        if isinstance(reply, NetworkChange):
            self._on_network_change(reply.address)
            return
        address = reply.address
        current = self.waiting(_first(address))
        if isinstance(reply, Ack) and current is not None and not current.inquiry:
            self.exchanges[_socket(address, reply.socket)] = current
            current.first.set_result(reply)
        elif isinstance(reply, InquiryAnswer) and current is not None and current.inquiry:
            current.first.set_result(reply)
        elif isinstance(reply, Completion | ErrorReply) and self._to_socket_owner(address, reply, current):
            pass
        elif isinstance(reply, Completion) and current is not None and not current.inquiry:
            current.first.set_result(reply)  # no ACK came first (IF_Clear for one camera answers z0 50 FF)
        elif isinstance(reply, ErrorReply) and current is not None:
            current.refuse(self._nak(address, reply, current.data))
        else:
            log.warning("%s: reply nothing waits for, discarded: %s", self.name, reply)

    def _to_socket_owner(self, address: int, reply: Completion | ErrorReply, current: Exchange[Reply] | None) -> bool:
        """Hand a Completion or error on socket y to the command that socket runs; False if none does."""
        key = _socket(address, reply.socket)
        owner = self.exchanges.get(key) if reply.socket else None
        if owner is None:
            return False
        if isinstance(reply, ErrorReply) and owner.detached and current is not None and not current.inquiry:
            return False  # a command still waiting for its ACK is the likelier addressee of the error
        del self.exchanges[key]
        if isinstance(reply, Completion):
            owner.finish()
            return True
        nak = self._nak(address, reply, owner.data)
        if owner.detached:
            log.warning("%s", nak)
        owner.abort(nak)
        return True

    def _nak(self, address: int, reply: ErrorReply, frame: bytes) -> DeviceNak:
        return error_for(reply, f"{self.name}: camera {address} refused {frame.hex(' ')}")
