"""FramedLink over TcpTransport against a per-session simulator endpoint: replies, pushes, handshake, loss."""

from __future__ import annotations

import asyncio

import pytest

from drivers.errors import ConfigError, DecodeError, DeviceTimeout, InvalidArgument, TransportLost
from drivers.profiles import SerialSettings, Timing
from drivers.transports.link import FramedLink, LinkCore, PulledFrames, check_address, limit_s
from drivers.transports.serial import SerialTransport
from drivers.transports.tcp import TcpTransport, open_stream, parse_tcp_url
from drivers.visca.codec import Ack, Completion, FrameSplitter, decode_reply
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


class Staged:
    """``go N`` is acknowledged (``ack N``) and later done (``done N``); ``hang N`` is acknowledged only;
    ``mute N`` is not answered."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.buf = b""

    def received(self, data: bytes) -> None:
        self.buf += data
        while b"\r" in self.buf:
            line, self.buf = self.buf.split(b"\r", 1)
            verb, number = line.decode().split()
            if verb == "mute":
                continue
            self.session.write(f"ack {number}\r".encode())
            if verb == "go":
                asyncio.get_running_loop().call_later(0.05, self.session.write, f"done {number}\r".encode())

    def lost(self) -> None:
        pass


class TwoStageLink(LinkCore[str, str]):
    """Replies keyed by request number: the first reply through ``answer()``, the end through ``finish()``."""

    def _route(self, frame: str) -> None:
        kind, number = frame.split()
        key = int(number)
        if kind == "ack":
            if not self.answer(key, frame):
                raise DecodeError(f"nothing waits for {frame!r}")
        elif (exchange := self.exchanges.get(key)) is not None:
            exchange.finish()


async def test_the_engine_runs_a_two_stage_exchange_and_detaches_one_whose_end_is_late() -> None:
    ep = TcpEndpoint()
    ep.serve_sessions(Staged)
    ep.open()
    link = TwoStageLink(TcpTransport(ep.url), Lines(), TIMING)
    try:
        await link.ensure_open()
        first = await link.exchange(1, b"go 1\r", 1.0, lambda: DeviceTimeout("no ack"), keep=True)
        assert first.first.result() == "ack 1" and link.exchanges[1] is first
        await link.until_done(first, 1.0, lambda: DeviceTimeout("no end"))
        link.forget(1, first)
        assert link.exchanges == {}

        hung = await link.exchange(2, b"hang 2\r", 1.0, lambda: DeviceTimeout("no ack"), keep=True)
        with pytest.raises(DeviceTimeout, match="no end for 2"):
            await link.until_done(hung, 0.1, lambda: DeviceTimeout("no end for 2"))
        assert hung.detached and link.waiting(2) is None
        other = await link.exchange(3, b"go 3\r", 1.0, lambda: DeviceTimeout("no ack"))
        link.forget(2, other)  # not the exchange under 2: left alone
        assert link.exchanges == {2: hung}
        hung.finish()  # a late end of a detached exchange is absorbed
        assert link.decode_errors == 0
        mute = asyncio.create_task(link.exchange(4, b"mute 4\r", 5.0, lambda: DeviceTimeout("no ack")))
        await asyncio.sleep(0)  # the task registers its exchange before its first await
        assert link.waiting(4) is not None
    finally:
        await link.close()
        ep.close()
    assert link.exchanges == {}
    with pytest.raises(TransportLost):
        await mute


def test_pulled_frames_decode_each_frame_and_hand_on_garbage() -> None:
    frames = PulledFrames(FrameSplitter, decode_reply)
    assert frames.feed(bytes.fromhex("90 41")) == []
    out = frames.feed(bytes.fromhex("FF 90 51 FF 90 7F FF"))
    assert out[:2] == [Ack(address=1, socket=1), Completion(address=1, socket=1)]
    assert len(out) == 3 and isinstance(out[2], DecodeError)
    frames.feed(bytes.fromhex("90 41"))
    frames.reset()  # the partial frame is forgotten
    assert frames.feed(bytes.fromhex("FF")) != [Ack(address=1, socket=1)]


def test_addresses_and_limits() -> None:
    check_address(7, range(1, 8))
    for bad in (0, 8, True, "1", None):
        with pytest.raises(InvalidArgument, match=r"address: .* is outside 1\.\.7"):
            check_address(bad, range(1, 8))
    assert limit_s(None, 250) == 0.25
    assert limit_s(0.1, 250) == 0.1
