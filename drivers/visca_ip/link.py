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

import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from drivers.errors import ConfigError, DecodeError, DeviceNak, DeviceTimeout, TransportLost
from drivers.profiles import Timing
from drivers.transports.link import Exchange, LinkCore, limit_s
from drivers.transports.udp import UdpTransport
from drivers.visca.codec import Ack, Completion, ErrorReply, InquiryAnswer, Reply, decode_reply, error_for
from drivers.visca_ip import header
from drivers.visca_ip.header import Message, PayloadType

log = logging.getLogger(__name__)

ADDRESS = 1
"""VISCA over IP uses a fixed address: ``81`` out, ``90`` back."""

_RESET = "reset"


class _SequenceError(Exception):
    """The camera answered ``0F 01``: it expected another sequence number."""


class Datagrams:
    """Each datagram decoded into a Message (a garbled one as a DecodeError)."""

    def feed(self, data: bytes) -> Sequence[Message | DecodeError]:
        try:
            return [header.decode(data)]
        except DecodeError as exc:
            return [exc]

    def reset(self) -> None:
        """A datagram is whole: nothing is ever half-read."""


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


class ViscaIpLink(LinkCore[Message, Reply | Message]):
    """The link to one VISCA-over-IP camera; same request surface as drivers.visca.line.ViscaLine.

    A request's first reply is a VISCA reply; RESET's is the camera's confirming message.

    ``command()`` and ``inquire()`` open the link when it is closed and raise TransportLost (the socket
    cannot be opened or the camera's port refuses datagrams), DeviceTimeout, DeviceNak (BufferFull,
    NotExecutable, or a sequence error that a RESET did not cure) or DecodeError.
    """

    def __init__(self, host: str, port: int, timing: Timing, *, retransmits: int = 2) -> None:
        if retransmits < 0:
            raise ConfigError(f"retransmits: {retransmits} must not be negative")
        self.udp = UdpTransport(host, port)
        super().__init__(self.udp, Datagrams(), timing)
        self.host = host
        self.port = port
        self.retransmits = retransmits
        self.resets = 0  # RESETs sent since the link was made (at open and after sequence errors)
        self._sequence = 0

    @classmethod
    def from_url(cls, url: str, timing: Timing, *, retransmits: int = 2) -> ViscaIpLink:
        """A link to the camera at ``udp://host:port``."""
        host, port = parse_udp_url(url)
        return cls(host, port, timing, retransmits=retransmits)

    @property
    def sequence(self) -> int:
        """The number the last request went out with."""
        return self._sequence

    # -- open ------------------------------------------------------------------------------------------------
    async def _setup(self) -> None:
        """Send RESET so numbering starts at 0 (an unanswered RESET is only logged)."""
        if not await self._reset():
            log.warning("%s: RESET was not answered; numbering starts at 0 anyway", self.name)

    def _opened(self) -> None:
        log.info("%s: open", self.name)

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
        _check_address(address)
        if not self.is_open:
            await self.ensure_open()
        async with self.lock("command"):
            sequence, pending = await self._exchange(PayloadType.COMMAND, frame, ack_s, "ACK")
            try:
                if isinstance(pending.first.result(), Completion) or not wait_completion:
                    return
                await self.until_done(
                    pending,
                    done_s,
                    lambda: DeviceTimeout(
                        f"{self.name}: no Completion within {done_s * 1000:.0f} ms for {frame.hex(' ')} "
                        f"(sequence {sequence})"
                    ),
                )
            finally:
                self.forget(sequence, pending)

    async def inquire(self, address: int, frame: bytes, *, timeout_s: float | None = None) -> bytes:
        """Send an inquiry and return the answer's data bytes (between ``90 50`` and FF)."""
        _check_address(address)
        timeout = limit_s(timeout_s, self.timing.inquiry_timeout_ms)
        if not self.is_open:
            await self.ensure_open()
        sequence, pending = await self._exchange(PayloadType.INQUIRY, frame, timeout, "answer")
        self.forget(sequence, pending)
        answer = pending.first.result()
        if not isinstance(answer, InquiryAnswer):
            raise DecodeError(f"{self.name}: {frame.hex(' ')} was answered with {answer}")
        return answer.data

    async def _exchange(
        self, kind: PayloadType, frame: bytes, timeout_s: float, what: str
    ) -> tuple[int, Exchange[Reply | Message]]:
        """Send a numbered request until its first reply; one RESET and a resend on a sequence error.

        One request waits for its first reply at a time, so the numbers reach the camera in order.
        """
        lock = self.lock("exchange")
        await lock.acquire()  # not ``async with``: two coroutines less for every request of every poll
        try:
            for attempt in range(2):
                self._sequence = header.next_sequence(self._sequence)
                sequence = self._sequence
                try:
                    pending = await self.exchange(
                        sequence,
                        header.encode(kind, sequence, frame),
                        timeout_s,
                        TimeoutError,  # turned into the error below: no closure made for every request
                        sends=self.retransmits + 1,
                        keep=True,
                    )
                    return sequence, pending
                except TimeoutError:
                    if self.udp.refused:
                        raise TransportLost(f"{self.name}: the camera's port refuses datagrams") from None
                    raise DeviceTimeout(
                        f"{self.name}: no {what} within {timeout_s * 1000:.0f} ms for {frame.hex(' ')} "
                        f"(sequence {sequence}, {self.retransmits + 1} sends)"
                    ) from None
                except _SequenceError:
                    if attempt:
                        raise DeviceNak(
                            f"{self.name}: sequence error for {frame.hex(' ')} persists after RESET", 0x0F01
                        ) from None
                    log.info("%s: sequence error on %d; sending RESET", self.name, sequence)
                    if not await self._reset():
                        raise DeviceTimeout(f"{self.name}: RESET after a sequence error was not answered") from None
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            lock.release()

    async def _reset(self) -> bool:
        """Send RESET (sequence 0) until answered; True when the camera confirmed it."""
        self.resets += 1
        self._sequence = 0
        self._fail_completions()
        try:
            await self.exchange(
                _RESET,
                header.reset(0),
                self.timing.ack_timeout_ms / 1000,
                lambda: DeviceTimeout(f"{self.name}: RESET was not answered"),
                sends=self.retransmits + 1,
            )
        except DeviceTimeout:
            return False
        return True

    def _fail_completions(self) -> None:
        # After a RESET the camera numbers from 0 again, so a running command's Completion can no longer be told
        # apart from a new request's replies.
        for key, pending in list(self.exchanges.items()):
            if key != _RESET and pending.first.done():
                pending.abort(TransportLost(f"{self.name}: sequence reset while {key} was running"))
                del self.exchanges[key]

    # -- routing ---------------------------------------------------------------------------------------------
    def _route(self, message: Message) -> None:
        if message.is_reset_reply:
            self.answer(_RESET, message)
            return
        pending = self.exchanges.get(message.sequence)
        if pending is None:
            log.debug("%s: reply nothing waits for, discarded: %s", self.name, message)
            return
        error = message.error
        if error is not None:
            exc = (
                _SequenceError()
                if error == header.SEQUENCE_ERROR
                else DeviceNak(f"{self.name}: message error for {pending.data.hex(' ')}", 0x0F02)
            )
            pending.refuse(exc)
            return
        if message.type != PayloadType.REPLY:
            raise DecodeError(f"unexpected payload type {message.type.name} in {message.encode().hex(' ')}")
        reply = decode_reply(message.payload)
        if pending.waiting:
            if isinstance(reply, ErrorReply):
                pending.refuse(error_for(reply, f"{self.name}: camera refused {pending.data.hex(' ')}"))
            elif isinstance(reply, Ack | InquiryAnswer | Completion):
                pending.first.set_result(reply)
            return
        if isinstance(reply, Completion):
            pending.finish()
        elif isinstance(reply, ErrorReply):
            pending.abort(error_for(reply, f"{self.name}: camera aborted {pending.data.hex(' ')}"))


def _check_address(address: int) -> None:
    if address != ADDRESS:
        raise ConfigError(f"address: VISCA over IP uses address {ADDRESS}, got {address!r}")
