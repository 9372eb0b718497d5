"""PJLink class 2 on UDP 4352: the status notifications projectors push, and the search for projectors.

Every class 2 projector in a room notifies the same UDP port of the control PC (4352), so one socket per port
serves them all: `StatusPort.subscribe(host, callback)` routes each datagram by the projector's IP address
(a projector is known by the host of its ``tcp://`` port). The socket is opened for the first projector and
closed with the last. `search()` sends ``%2SRCH`` and collects the ``%2ACKN=<MAC>`` answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.errors import ConfigError, DecodeError, TransportLost
from drivers.pjlink import codec
from drivers.pjlink.codec import Reply

log = logging.getLogger(__name__)

STATUS_PORT = 4352
Callback = Callable[[Reply], None]


def resolve(host: str) -> str:
    """The IP address notifications come from for ``host`` (a name resolves once, when subscribing)."""
    try:
        return socket.gethostbyname(host)
    except OSError as exc:
        raise ConfigError(f"PJLink: cannot resolve {host!r} for its status notifications: {exc}") from None


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, port: StatusPort) -> None:
        self.port = port

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.port.received(data, str(addr[0]))


@dataclass
class StatusPort:
    """One UDP port the projectors notify, shared by every projector subscribed to it."""

    port: int
    host: str = "0.0.0.0"  # projectors notify the control PC, on whichever interface
    callbacks: dict[str, list[Callback]] = field(default_factory=dict)
    transport: asyncio.DatagramTransport | None = None
    unknown: int = 0  # datagrams from addresses no projector is subscribed for

    async def subscribe(self, ip: str, callback: Callback) -> None:
        """Route notifications from ``ip`` to ``callback``; opens the socket for the first subscriber."""
        if self.transport is None:
            loop = asyncio.get_running_loop()
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Protocol(self), local_addr=(self.host, self.port)
                )
            except OSError as exc:
                raise TransportLost(f"PJLink status port udp {self.port}: cannot listen: {exc.strerror}") from None
            self.transport = transport
            log.debug("listening for PJLink status notifications on udp %s", self.port)
        self.callbacks.setdefault(ip, []).append(callback)

    def unsubscribe(self, ip: str, callback: Callback) -> None:
        """Stop routing to ``callback``; the socket closes with the last subscriber. Never raises."""
        callbacks = self.callbacks.get(ip, [])
        with contextlib.suppress(ValueError):
            callbacks.remove(callback)
        if not callbacks:
            self.callbacks.pop(ip, None)
        if not self.callbacks and self.transport is not None:
            self.transport.close()
            self.transport = None
            _PORTS.pop(self.port, None)

    def received(self, data: bytes, ip: str) -> None:
        callbacks = self.callbacks.get(ip)
        if not callbacks:
            self.unknown += 1
            log.debug("PJLink notification from %s, no projector subscribed: %r", ip, data[:60])
            return
        for frame in codec.parse_datagram(data):
            if isinstance(frame, DecodeError):
                log.info("PJLink notification from %s dropped: %s", ip, frame)
                continue
            for callback in list(callbacks):
                callback(frame)


_PORTS: dict[int, StatusPort] = {}


def status_port(port: int = STATUS_PORT) -> StatusPort:
    """The process's listener for UDP ``port`` (made on first use; it opens with its first subscriber)."""
    return _PORTS.setdefault(port, StatusPort(port))


async def search(address: str, port: int = STATUS_PORT, wait_s: float = 1.0) -> dict[str, str]:
    """Send ``%2SRCH`` to ``address`` (a broadcast address, or one projector) and collect the answers for
    ``wait_s``: {projector IP: MAC}."""
    found: dict[str, str] = {}
    loop = asyncio.get_running_loop()

    class Collect(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
            for frame in codec.parse_datagram(data):
                if isinstance(frame, Reply) and frame.body == "ACKN":
                    with contextlib.suppress(DecodeError):
                        found[str(addr[0])] = codec.parse_mac(frame.param)

    transport, _ = await loop.create_datagram_endpoint(Collect, local_addr=("0.0.0.0", 0), allow_broadcast=True)
    try:
        transport.sendto(codec.SEARCH, (address, port))
        await asyncio.sleep(wait_s)
    finally:
        transport.close()
    return found
