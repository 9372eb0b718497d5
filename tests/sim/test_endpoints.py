"""Endpoints: the pty with its stable symlink, the TCP port, and what unplug and replug do to a client."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest
import serial

from sim.camera_profile import CameraProfile
from sim.endpoints import PtyEndpoint, TcpEndpoint, UdpEndpoint, bound_socket
from sim.errors import SimConfigError
from sim.visca.bus import ViscaBus
from sim.visca.camera import ViscaCamera
from tests.sim.conftest import Client, ClientFactory, hx, is_link


def exchange_with_pyserial(path: str, packet: bytes, reply_len: int) -> bytes:
    """A plain blocking pyserial client, as a technician's script would use."""
    with serial.Serial(path, 9600, timeout=1) as port:
        port.write(packet)
        return bytes(port.read(reply_len))


async def read_until_gone(client: Client) -> None:
    try:
        while await client.reader.read(100):
            pass
    except OSError:
        pass


async def test_pty_symlink_points_at_a_raw_pty(tmp_path: Path) -> None:
    endpoint = PtyEndpoint(tmp_path / "ttyCAM")
    received: list[bytes] = []
    arrived = asyncio.Event()

    def on_data(data: bytes) -> None:
        received.append(data)
        if data.endswith(b"\xff"):
            arrived.set()

    endpoint.attach(on_data)
    endpoint.open()
    try:
        assert endpoint.url == str(tmp_path / "ttyCAM")
        target = os.readlink(endpoint.url)
        assert target == endpoint.tty_path and target.startswith("/dev/pts/")
        reply = asyncio.create_task(asyncio.to_thread(exchange_with_pyserial, endpoint.url, b"\n\x81\xff", 2))
        await asyncio.wait_for(arrived.wait(), 2)
        endpoint.write(b"\r\n")
        assert await asyncio.wait_for(reply, 2) == b"\r\n"  # raw: no echo, no CR/LF translation
        assert b"".join(received) == b"\n\x81\xff"
    finally:
        endpoint.close()
    assert not (tmp_path / "ttyCAM").is_symlink()


async def test_blocking_pyserial_client_on_a_bus(tmp_path: Path, d70: CameraProfile) -> None:
    bus = ViscaBus(PtyEndpoint(tmp_path / "rs485"))
    bus.add_camera(ViscaCamera(d70, 1))
    bus.open()
    try:
        reply = await asyncio.to_thread(exchange_with_pyserial, bus.url, hx("81 01 04 00 02 FF"), 6)
        assert reply == hx("90 41 FF 90 51 FF")
    finally:
        bus.close()


async def test_pty_unplug_and_replug_keep_the_path(tmp_path: Path, connect: ClientFactory) -> None:
    endpoint = PtyEndpoint(tmp_path / "usb0")
    endpoint.attach(lambda data: endpoint.write(data.upper()))
    endpoint.open()
    try:
        client = await connect(endpoint.url)
        client.send(b"abc")
        assert await client.reader.readexactly(3) == b"ABC"
        endpoint.unplug()
        assert endpoint.tty_path is None and not is_link(endpoint.url)
        async with asyncio.timeout(1):
            await read_until_gone(client)
        endpoint.unplug()  # twice is harmless
        endpoint.replug()
        assert is_link(endpoint.url) and endpoint.tty_path is not None
        again = await connect(endpoint.url)
        again.send(b"xy")
        assert await again.reader.readexactly(2) == b"XY"
    finally:
        endpoint.close()


async def test_pty_replaces_a_stale_symlink_but_never_a_file(tmp_path: Path) -> None:
    stale = tmp_path / "stale"
    stale.symlink_to("/dev/pts/does-not-exist")
    endpoint = PtyEndpoint(stale)
    endpoint.open()
    try:
        assert os.readlink(stale) == endpoint.tty_path
    finally:
        endpoint.close()
    regular = tmp_path / "file"
    regular.write_text("keep me")
    with pytest.raises(SimConfigError, match="not a symlink"):
        PtyEndpoint(regular).open()
    assert regular.read_text() == "keep me"


async def test_tcp_endpoint_speaks_raw_bytes_to_a_socket_url(connect: ClientFactory, d70: CameraProfile) -> None:
    endpoint = TcpEndpoint()
    bus = ViscaBus(endpoint)
    bus.add_camera(ViscaCamera(d70, 1))
    bus.open()
    try:
        assert endpoint.port != 0
        assert bus.url == f"socket://127.0.0.1:{endpoint.port}"
        client = await connect(bus.url)
        assert await client.ask("81 01 04 00 02 FF", 2) == ["90 41 FF", "90 51 FF"]
        assert await client.ask("81 09 04 00 FF") == ["90 50 02 FF"]
        assert endpoint.connections == 1
    finally:
        bus.close()


async def test_tcp_unplug_drops_clients_and_replug_listens_on_the_same_port(
    connect: ClientFactory, d70: CameraProfile
) -> None:
    endpoint = TcpEndpoint()
    bus = ViscaBus(endpoint)
    bus.add_camera(ViscaCamera(d70, 1))
    bus.open()
    try:
        port = endpoint.port
        client = await connect(bus.url)
        assert await client.ask("81 09 04 00 FF") == ["90 50 02 FF"]
        bus.unplug()
        async with asyncio.timeout(1):
            await read_until_gone(client)
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)
        bus.replug()
        assert endpoint.port == port
        again = await connect(bus.url)
        assert await again.ask("81 09 04 00 FF") == ["90 50 02 FF"]
    finally:
        bus.close()
    assert endpoint.connections == 0


def test_300_udp_endpoints_get_distinct_ports() -> None:
    """bind(port 0) hands every simulated UDP device its own port (with SO_REUSEADDR Linux may hand out a port
    twice, and two simulated cameras would then answer on one port)."""
    socks = [bound_socket(socket.SOCK_DGRAM, "127.0.0.1", 0) for _ in range(300)]
    try:
        ports = {sock.getsockname()[1] for sock in socks}
        assert len(ports) == 300
        assert all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 0 for sock in socks)
    finally:
        for sock in socks:
            sock.close()


def test_a_hundred_free_tcp_ports_are_distinct() -> None:
    """SO_REUSEADDR comes after the bind of a free port (so the kernel never shares one), yet is set on the
    listener, whose connections inherit it, so a replug can bind the port again over their TIME_WAIT."""
    socks = [bound_socket(socket.SOCK_STREAM, "127.0.0.1", 0) for _ in range(100)]
    try:
        assert len({sock.getsockname()[1] for sock in socks}) == 100
        assert all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0 for sock in socks)
    finally:
        for sock in socks:
            sock.close()


async def test_udp_and_tcp_endpoints_keep_their_port_across_unplug_and_replug() -> None:
    for endpoint in (UdpEndpoint(), TcpEndpoint()):
        endpoint.open()
        try:
            port = endpoint.port
            assert endpoint.url.endswith(f"://127.0.0.1:{port}") and port != 0
            endpoint.unplug()
            assert not endpoint.plugged
            endpoint.replug()
            assert endpoint.port == port and endpoint.plugged
        finally:
            endpoint.close()
