"""SerialTransport over a real pty (through a udev-like symlink) and over a socket:// URL."""

from __future__ import annotations

import asyncio
import os
import termios
from pathlib import Path

import pytest

from drivers.errors import ConfigError, TransportLost
from drivers.profiles import SerialSettings
from drivers.transports.serial import SerialTransport
from tests.drivers.responder import PtyResponder


async def read_master(peer: PtyResponder, count: int) -> bytes:
    """Bytes the driver wrote, as the peer recorded them (the responder reads the master end)."""
    frames = await peer.wait_frames(count)
    return b"".join(frames)


async def test_symlinked_pty_round_trip(peer: PtyResponder) -> None:
    assert peer.link.is_symlink()
    transport = SerialTransport(peer.path, SerialSettings())
    await transport.open()
    try:
        assert transport.is_open
        await transport.write(bytes.fromhex("81 09 04 00 FF"))
        assert await read_master(peer, 1) == bytes.fromhex("81 09 04 00 FF")
        peer.send("90 50 02 FF")
        assert await asyncio.wait_for(transport.read(), 1) == bytes.fromhex("90 50 02 FF")
    finally:
        await transport.close()
    assert not transport.is_open


async def test_serial_settings_reach_the_tty(peer: PtyResponder) -> None:
    # only baud rate and stop bits: this machine's pty driver keeps CS8 whatever is set, and refuses PARENB
    # (and at times CS7) with EINVAL, so byte size and parity cannot be observed on a pty here
    settings = SerialSettings(baudrate=19200, stopbits=2)
    transport = SerialTransport(peer.path, settings)
    await transport.open()
    try:
        fd = os.open(peer.path, os.O_RDWR | os.O_NOCTTY)
        try:
            _, _, cflag, _, ispeed, ospeed, _ = termios.tcgetattr(fd)
        finally:
            os.close(fd)
    finally:
        await transport.close()
    assert (ispeed, ospeed) == (termios.B19200, termios.B19200)
    assert cflag & termios.CSTOPB


async def test_pulled_cable_raises_transport_lost_and_reopen_works(peer: PtyResponder) -> None:
    transport = SerialTransport(peer.path, SerialSettings())
    await transport.open()
    try:
        peer.unplug()
        with pytest.raises(TransportLost, match="ttyVISCA"):
            await asyncio.wait_for(transport.read(), 1)
        assert not transport.is_open
        with pytest.raises(TransportLost, match="not open"):
            await transport.write(b"\x81\x09\x04\x00\xff")
        peer.plug()
        await transport.open()
        await transport.write(bytes.fromhex("81 09 04 00 FF"))
        assert await read_master(peer, 1) == bytes.fromhex("81 09 04 00 FF")
    finally:
        await transport.close()


async def test_missing_port_raises_transport_lost(tmp_path: Path) -> None:
    transport = SerialTransport(str(tmp_path / "ttyUSB9"), SerialSettings())
    with pytest.raises(TransportLost, match=r"ttyUSB9.*cannot open"):
        await transport.open()
    assert not transport.is_open
    with pytest.raises(TransportLost, match="not open"):
        await transport.read()


async def test_unknown_url_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="bogus://x"):
        await SerialTransport("bogus://x", SerialSettings()).open()


async def test_socket_url_round_trip_and_eof() -> None:
    received: asyncio.Queue[bytes] = asyncio.Queue()
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        received.put_nowait(await reader.readexactly(5))
        writer.write(bytes.fromhex("90 50 03 FF"))
        await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = SerialTransport(f"socket://127.0.0.1:{port}", SerialSettings())
    try:
        await transport.open()
        await transport.write(bytes.fromhex("81 09 04 00 FF"))
        assert await asyncio.wait_for(received.get(), 1) == bytes.fromhex("81 09 04 00 FF")
        assert await asyncio.wait_for(transport.read(), 1) == bytes.fromhex("90 50 03 FF")
        writers[0].close()
        await writers[0].wait_closed()
        with pytest.raises(TransportLost, match="closed the link"):
            await asyncio.wait_for(transport.read(), 1)
    finally:
        await transport.close()
        server.close()
        await server.wait_closed()


async def test_refused_socket_raises_transport_lost() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(TransportLost, match="cannot open"):
        await SerialTransport(f"socket://127.0.0.1:{port}", SerialSettings()).open()
