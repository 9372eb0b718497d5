"""One VISCA-over-IP camera over UDP: numbered messages, replies matched by sequence, bounded retransmits.

The link numbers every command and inquiry (the camera echoes the number in its replies) and routes each
reply to the request with that number. UDP is lossy, so a request with no first reply (ACK, answer or error)
is sent again with the same number, up to ``retransmits`` more times within its timeout; after an ACK the
command is never resent (that would run it twice), so a lost Completion ends in DeviceTimeout. A sequence
error (``0F 01``) makes the link send RESET (numbering back to 0) and send the request once more.

One request waits for its first reply at a time and one command runs at a time, so the numbers reach the
camera in order; inquiries may go while a command waits for its Completion.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from drivers.errors import ConfigError, CourtroomError, DecodeError, DeviceNak, DeviceTimeout, TransportLost
from drivers.profiles import Timing
from drivers.transports.base import SharedLink
from drivers.visca.codec import Ack, Completion, ErrorReply, InquiryAnswer, Reply, decode_reply, error_for
from drivers.visca_ip import header
from drivers.visca_ip.header import Message, PayloadType

log = logging.getLogger(__name__)

ADDRESS = 1
"""VISCA over IP uses a fixed address: ``81`` out, ``90`` back."""


class _SequenceError(Exception):
    """The camera answered ``0F 01``: it expected another sequence number."""


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
        future.exception()  # marks it retrieved: a request that stopped waiting must not log it again


@dataclass(eq=False)
class _Pending:
    """A numbered request and the replies it waits for."""

    datagram: bytes
    first: asyncio.Future[Reply]  # ACK, Completion or answer; an error reply as an exception
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, link: ViscaIpLink) -> None:
        self.link = link

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.link._received(data)

    def error_received(self, exc: Exception) -> None:
        self.link._error(exc)


def parse_udp_url(url: str) -> tuple[str, int]:
    """``udp://host:port`` (port 52381 when left out) as (host, port); ConfigError when malformed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"'{url}': not a udp://host:port URL: {exc}") from None
    if parts.scheme != "udp" or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(f"'{url}': expected udp://host:port for VISCA over IP")
    return parts.hostname, port if port is not None else header.DEFAULT_PORT


class ViscaIpLink(SharedLink):
    """The link to one VISCA-over-IP camera; same request surface as drivers.visca.line.ViscaLine.

    ``command()`` and ``inquire()`` open the link when it is closed and raise TransportLost (the socket
    cannot be opened or the camera's port refuses datagrams), DeviceTimeout, DeviceNak (BufferFull,
    NotExecutable, or a sequence error that a RESET did not cure) or DecodeError.
    """

    def __init__(self, host: str, port: int, timing: Timing, *, retransmits: int = 2) -> None:
        if retransmits < 0:
            raise ConfigError(f"retransmits: {retransmits} must not be negative")
        self.host = host
        self.port = port
        self.timing = timing
        self.retransmits = retransmits
        self.resets = 0  # RESETs sent since the link was made (at open and after sequence errors)
        self.retransmitted = 0  # datagrams sent again because no reply came in time
        self._transport: asyncio.DatagramTransport | None = None
        self._sequence = 0
        self._pending: dict[int, _Pending] = {}
        self._reset_reply: asyncio.Future[None] | None = None
        self._refused = False
        self._open_lock = asyncio.Lock()
        self._exchange_lock = asyncio.Lock()
        self._command_lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, timing: Timing, *, retransmits: int = 2) -> ViscaIpLink:
        """A link to the camera at ``udp://host:port``."""
        host, port = parse_udp_url(url)
        return cls(host, port, timing, retransmits=retransmits)

    @property
    def name(self) -> str:
        """The camera's URL, for messages."""
        return f"udp://{self.host}:{self.port}"

    @property
    def is_open(self) -> bool:
        """True between ``ensure_open()`` and ``close()``."""
        return self._transport is not None

    @property
    def sequence(self) -> int:
        """The number the last request went out with."""
        return self._sequence

    # -- open and close --------------------------------------------------------------------------------------
    async def ensure_open(self) -> None:
        """Open the UDP socket and send RESET so numbering starts at 0 (an unanswered RESET is only logged)."""
        if self._transport is not None:
            return
        async with self._open_lock:
            if self._transport is not None:
                return
            loop = asyncio.get_running_loop()
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Protocol(self), remote_addr=(self.host, self.port)
                )
            except OSError as exc:
                raise TransportLost(f"{self.name}: cannot open a UDP socket: {exc}") from exc
            self._transport = transport
            self._refused = False
            try:
                if not await self._reset():
                    log.warning("%s: RESET was not answered; numbering starts at 0 anyway", self.name)
            except BaseException:
                await self.close()
                raise
            log.info("%s: open", self.name)

    async def close(self) -> None:
        """Close the socket and fail every waiting request with TransportLost. Never raises."""
        transport, self._transport = self._transport, None
        self._fail_all(TransportLost(f"{self.name}: link closed"))
        if transport is not None:
            transport.close()

    def _fail_all(self, exc: CourtroomError) -> None:
        for pending in self._pending.values():
            _fail(pending.first, exc)
            _fail(pending.done, exc)
        self._pending.clear()
        if self._reset_reply is not None:
            _fail(self._reset_reply, exc)

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
        async with self._command_lock:
            sequence, pending, first = await self._exchange(PayloadType.COMMAND, frame, ack_s, "ACK")
            try:
                if isinstance(first, Completion) or not wait_completion:
                    return
                async with asyncio.timeout(done_s):
                    await pending.done
            except TimeoutError:
                raise DeviceTimeout(
                    f"{self.name}: no Completion within {done_s * 1000:.0f} ms for {frame.hex(' ')} "
                    f"(sequence {sequence})"
                ) from None
            finally:
                if self._pending.get(sequence) is pending:
                    del self._pending[sequence]

    async def inquire(self, address: int, frame: bytes, *, timeout_s: float | None = None) -> bytes:
        """Send an inquiry and return the answer's data bytes (between ``90 50`` and FF)."""
        _check_address(address)
        timeout = timeout_s if timeout_s is not None else self.timing.inquiry_timeout_ms / 1000
        await self.ensure_open()
        sequence, _, answer = await self._exchange(PayloadType.INQUIRY, frame, timeout, "answer")
        self._pending.pop(sequence, None)
        if not isinstance(answer, InquiryAnswer):
            raise DecodeError(f"{self.name}: {frame.hex(' ')} was answered with {answer}")
        return answer.data

    async def _exchange(
        self, kind: PayloadType, frame: bytes, timeout_s: float, what: str
    ) -> tuple[int, _Pending, Reply]:
        """Send a numbered request until its first reply; one RESET and a resend on a sequence error."""
        async with self._exchange_lock:
            for attempt in range(2):
                self._sequence = header.next_sequence(self._sequence)
                sequence = self._sequence
                loop = asyncio.get_running_loop()
                pending = _Pending(header.encode(kind, sequence, frame), loop.create_future())
                self._pending[sequence] = pending
                answered = False
                try:
                    first = await self._until_answered(pending.datagram, pending.first, timeout_s)
                    answered = True
                    return sequence, pending, first
                except _SequenceError:
                    if attempt:
                        raise DeviceNak(
                            f"{self.name}: sequence error for {frame.hex(' ')} persists after RESET", 0x0F01
                        ) from None
                    log.info("%s: sequence error on %d; sending RESET", self.name, sequence)
                    if not await self._reset():
                        raise DeviceTimeout(f"{self.name}: RESET after a sequence error was not answered") from None
                except TimeoutError:
                    if self._refused:
                        raise TransportLost(f"{self.name}: the camera's port refuses datagrams") from None
                    raise DeviceTimeout(
                        f"{self.name}: no {what} within {timeout_s * 1000:.0f} ms for {frame.hex(' ')} "
                        f"(sequence {sequence}, {self.retransmits + 1} sends)"
                    ) from None
                finally:
                    if not answered and self._pending.get(sequence) is pending:
                        del self._pending[sequence]
            raise AssertionError("unreachable")  # pragma: no cover

    async def _until_answered(self, datagram: bytes, future: asyncio.Future[Any], timeout_s: float) -> Any:
        """Send ``datagram`` and resend it while ``future`` is not done; TimeoutError when all sends fail."""
        sends = self.retransmits + 1
        for send in range(sends):
            if send:
                self.retransmitted += 1
                log.info("%s: no reply, sending again: %s", self.name, datagram.hex(" "))
            self._send(datagram)
            await asyncio.wait({future}, timeout=timeout_s / sends)
            if future.done():
                return future.result()
        raise TimeoutError

    async def _reset(self) -> bool:
        """Send RESET (sequence 0) until answered; True when the camera confirmed it."""
        self.resets += 1
        self._sequence = 0
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reset_reply = future
        self._fail_completions()
        try:
            await self._until_answered(header.reset(0), future, self.timing.ack_timeout_ms / 1000)
        except TimeoutError:
            return False
        finally:
            self._reset_reply = None
        return True

    def _fail_completions(self) -> None:
        # After a RESET the camera numbers from 0 again, so a running command's Completion can no longer be told
        # apart from a new request's replies.
        for sequence, pending in list(self._pending.items()):
            if pending.first.done():
                _fail(pending.done, TransportLost(f"{self.name}: sequence reset while {sequence} was running"))
                del self._pending[sequence]

    def _send(self, datagram: bytes) -> None:
        transport = self._transport
        if transport is None:
            raise TransportLost(f"{self.name}: link closed")
        transport.sendto(datagram)

    # -- received --------------------------------------------------------------------------------------------
    def _error(self, exc: Exception) -> None:
        log.debug("%s: socket error: %s", self.name, exc)
        if isinstance(exc, ConnectionRefusedError):
            self._refused = True

    def _received(self, data: bytes) -> None:
        self._refused = False
        try:
            message = header.decode(data)
            self._route(message)
        except DecodeError as exc:
            log.warning("%s: discarded garbled datagram: %s", self.name, exc)

    def _route(self, message: Message) -> None:
        if message.is_reset_reply:
            if self._reset_reply is not None and not self._reset_reply.done():
                self._reset_reply.set_result(None)
            return
        pending = self._pending.get(message.sequence)
        if pending is None:
            log.debug("%s: reply nothing waits for, discarded: %s", self.name, message)
            return
        error = message.error
        if error is not None:
            exc = (
                _SequenceError()
                if error == header.SEQUENCE_ERROR
                else DeviceNak(f"{self.name}: message error for {pending.datagram.hex(' ')}", 0x0F02)
            )
            _fail(pending.first, exc)
            return
        if message.type != PayloadType.REPLY:
            raise DecodeError(f"unexpected payload type {message.type.name} in {message.encode().hex(' ')}")
        reply = decode_reply(message.payload)
        if not pending.first.done():
            if isinstance(reply, ErrorReply):
                _fail(pending.first, error_for(reply, f"{self.name}: camera refused {pending.datagram.hex(' ')}"))
            elif isinstance(reply, Ack | InquiryAnswer | Completion):
                pending.first.set_result(reply)
            return
        if isinstance(reply, Completion) and not pending.done.done():
            pending.done.set_result(None)
        elif isinstance(reply, ErrorReply):
            _fail(pending.done, error_for(reply, f"{self.name}: camera aborted {pending.datagram.hex(' ')}"))


def _check_address(address: int) -> None:
    if address != ADDRESS:
        raise ConfigError(f"address: VISCA over IP uses address {ADDRESS}, got {address!r}")
