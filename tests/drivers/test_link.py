"""FramedLink over TcpTransport against a per-session simulator endpoint: replies, pushes, handshake, loss."""

from __future__ import annotations

import asyncio

import pytest

from drivers.errors import ConfigError, DecodeError, DeviceTimeout, TransportLost
from drivers.profiles import SerialSettings, Timing
from drivers.transports.link import FramedLink
from drivers.transports.serial import SerialTransport
from drivers.transports.tcp import TcpTransport, open_stream, parse_tcp_url
from sim.endpoints import Session, TcpEndpoint


class Lines:
    """CR-terminated ASCII lines; a line with a NUL byte is a decode error."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> list[str | DecodeError]:
        self.buf += data
        out: list[str | DecodeError] = []
        while b"\r" in self.buf:
            line, self.buf = self.buf.split(b"\r", 1)
            out.append(DecodeError(f"NUL in {line!r}") if b"\0" in line else line.decode())
        return out

    def reset(self) -> None:
        self.buf = b""


class Echo:
    """Greets, answers `ping` with `pong`, pushes `!tick` before answering `push`, hangs up on `bye`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        session.write(b"HELLO\r")
        self.buf = b""

    def received(self, data: bytes) -> None:
        self.buf += data
        while b"\r" in self.buf:
            line, self.buf = self.buf.split(b"\r", 1)
            if line == b"ping":
                self.session.write(b"\0junk\rpong\r")
            elif line == b"push":
                self.session.write(b"!tick\rok\r")
            elif line == b"bye":
                self.session.close()

    def lost(self) -> None:
        pass


TIMING = Timing(ack_timeout_ms=300, inter_frame_gap_ms=1)


@pytest.fixture
async def endpoint() -> TcpEndpoint:
    ep = TcpEndpoint()
    ep.serve_sessions(Echo)
    ep.open()
    yield ep
    ep.close()


async def _greeting(link: FramedLink[str]) -> None:
    assert await link.receive() == "HELLO"


async def test_request_reply_push_and_decode_errors(endpoint: TcpEndpoint) -> None:
    link: FramedLink[str] = FramedLink(TcpTransport(endpoint.url), Lines(), TIMING, handshake=_greeting)
    pushed: list[str] = []
    link.add_listener(pushed.append)
    try:
        assert await link.request(b"ping\r", lambda f: f == "pong") == "pong"
        assert link.decode_errors == 1
        assert await link.request(b"push\r", lambda f: f == "ok") == "ok"
        assert pushed == ["!tick"]
        assert len(endpoint.sessions) == 1
        with pytest.raises(DeviceTimeout, match="no reply within 50 ms"):
            await link.request(b"nothing\r", lambda f: True, timeout_ms=50)
    finally:
        await link.close()


async def test_hang_up_fails_the_waiter_and_the_next_request_reconnects(endpoint: TcpEndpoint) -> None:
    link: FramedLink[str] = FramedLink(TcpTransport(endpoint.url), Lines(), TIMING, handshake=_greeting)
    lost: list[str] = []
    link.add_lost_listener(lost.append)
    try:
        with pytest.raises(TransportLost, match="closed the connection"):
            await link.request(b"bye\r", lambda f: True)
        assert lost and not link.is_open
        assert await link.request(b"ping\r", lambda f: f == "pong") == "pong"
    finally:
        await link.close()


async def test_unplugged_endpoint_is_transport_lost(endpoint: TcpEndpoint) -> None:
    endpoint.unplug()
    link: FramedLink[str] = FramedLink(TcpTransport(endpoint.url), Lines(), TIMING)
    with pytest.raises(TransportLost, match="cannot connect"):
        await link.request(b"ping\r", None)
    endpoint.replug()
    await link.request(b"ping\r", None)
    await link.close()


async def test_a_failed_handshake_leaves_nothing_open(endpoint: TcpEndpoint) -> None:
    async def wrong(link: FramedLink[str]) -> None:
        assert await link.receive(timeout_ms=50) == "HELLO"
        await link.receive(timeout_ms=50)

    link: FramedLink[str] = FramedLink(TcpTransport(endpoint.url), Lines(), TIMING, handshake=wrong)
    with pytest.raises(DeviceTimeout):
        await link.ensure_open()
    assert not link.is_open
    await asyncio.sleep(0.05)
    assert endpoint.sessions == []


def test_port_strings() -> None:
    assert parse_tcp_url("tcp://10.0.0.5:4352") == ("10.0.0.5", 4352)
    assert parse_tcp_url("tcp://projector", 4352) == ("projector", 4352)
    with pytest.raises(ConfigError, match="needs a port number"):
        parse_tcp_url("tcp://projector")
    with pytest.raises(ConfigError, match="not tcp://host:port"):
        parse_tcp_url("/dev/ttyUSB0")
    assert isinstance(open_stream("socket://127.0.0.1:9", SerialSettings()), TcpTransport)
    assert isinstance(open_stream("/dev/ttyUSB0", SerialSettings()), SerialTransport)
