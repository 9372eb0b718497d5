"""The simulated PJLink class 2 projector (docs/protocols-pjlink.md) against raw TCP and UDP sockets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from sim.endpoints import TcpEndpoint
from sim.pjlink import Projector
from sim.pjlink_class2 import Class2
from sim.room import SimulatedRoom

INPUTS = {"computer": "11", "hdmi1": "31", "hdbaset": "3A"}


class Udp(asyncio.DatagramProtocol):
    """A UDP socket on a free port, collecting what arrives."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.queue.put_nowait((data, str(addr[0])))

    async def next(self, timeout: float = 2.0) -> tuple[bytes, str]:
        async with asyncio.timeout(timeout):
            return await self.queue.get()


Rig = tuple[Projector, asyncio.StreamReader, asyncio.StreamWriter, Udp, asyncio.DatagramTransport]


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    """A class 2 projector notifying a UDP socket of ours, and a TCP client connected to it."""
    loop = asyncio.get_running_loop()
    udp = Udp()
    transport, _ = await loop.create_datagram_endpoint(lambda: udp, local_addr=("127.0.0.1", 0))
    notify_port = transport.get_extra_info("sockname")[1]
    facts = Class2.from_mapping({"serial_number": "GP2X0001234", "lamp_models": ["LMP-2X1"]}, INPUTS)
    projector = Projector(
        TcpEndpoint(), inputs=INPUTS, warmup_s=0.05, cooldown_s=0.05, class2=facts, notify_port=notify_port
    )
    projector.open()
    reader, writer = await asyncio.open_connection("127.0.0.1", projector.endpoint.port)
    try:
        assert await reader.readuntil(b"\r") == b"PJLINK 0\r"
        yield projector, reader, writer, udp, transport
    finally:
        writer.close()
        transport.close()
        projector.close()


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: bytes) -> bytes:
    writer.write(line)
    async with asyncio.timeout(1):
        return await reader.readuntil(b"\r")


async def test_golden_class2_queries(rig: Rig) -> None:
    projector, reader, writer, _, _ = rig
    assert await ask(reader, writer, b"%2CLSS ?\r") == b"%2CLSS=2\r"
    assert await ask(reader, writer, b"%1CLSS ?\r") == b"%1CLSS=2\r"
    assert await ask(reader, writer, b"%2SNUM ?\r") == b"%2SNUM=GP2X0001234\r"
    assert await ask(reader, writer, b"%2SVER ?\r") == b"%2SVER=1.00\r"
    assert await ask(reader, writer, b"%2INNM ?31\r") == b"%2INNM=HDMI1\r"
    assert await ask(reader, writer, b"%2INNM ?3A\r") == b"%2INNM=HDBASET\r"
    assert await ask(reader, writer, b"%2INNM ?39\r") == b"%2INNM=ERR2\r"
    assert await ask(reader, writer, b"%2RLMP ?\r") == b"%2RLMP=LMP-2X1\r"
    assert await ask(reader, writer, b"%2RFIL ?\r") == b"%2RFIL=\r"
    assert await ask(reader, writer, b"%2FILT ?\r") == b"%2FILT=0\r"
    assert await ask(reader, writer, b"%2RRES ?\r") == b"%2RRES=1920x1200\r"
    assert await ask(reader, writer, b"%2IRES ?\r") == b"%2IRES=-\r"  # in standby: no signal
    assert await ask(reader, writer, b"%2FREZ 1\r") == b"%2FREZ=ERR3\r"  # nothing to freeze in standby
    assert await ask(reader, writer, b"%2INST ?\r") == b"%2INST=11 31 3A\r"
    assert await ask(reader, writer, b"%1SNUM ?\r") == b"%1SNUM=ERR1\r"  # a class 2 command needs %2
    assert await ask(reader, writer, b"%2SVOL 1\r") == b"%2SVOL=OK\r"
    assert await ask(reader, writer, b"%2SVOL 7\r") == b"%2SVOL=ERR2\r"
    assert projector.klass == 2


async def test_status_notifications_reach_the_last_controller(rig: Rig) -> None:
    projector, reader, writer, udp, _ = rig
    assert await ask(reader, writer, b"%1POWR 1\r") == b"%1POWR=OK\r"
    assert await udp.next() == (b"%2POWR=1\r", "127.0.0.1")  # on, once warmed up
    assert await ask(reader, writer, b"%2FREZ 1\r") == b"%2FREZ=OK\r"
    assert await ask(reader, writer, b"%2FREZ ?\r") == b"%2FREZ=1\r"
    assert await ask(reader, writer, b"%1INPT 3A\r") == b"%1INPT=OK\r"
    assert (await udp.next())[0] == b"%2INPT=3A\r"
    assert await ask(reader, writer, b"%1AVMT 31\r") == b"%1AVMT=OK\r"
    assert (await udp.next())[0] == b"%2AVMT=31\r"
    projector.set_error("filter", "warning")
    assert (await udp.next())[0] == b"%2ERST=000010\r"
    projector.select_input("31")  # the remote control
    assert (await udp.next())[0] == b"%2INPT=31\r"
    projector.press_power(False)
    assert (await udp.next())[0] == b"%2POWR=0\r"
    projector.unplug()
    projector.replug()
    assert (await udp.next())[0] == b"%2LKUP=00:1b:2c:3d:4e:5f\r"


async def test_search_is_answered_with_the_mac(rig: Rig) -> None:
    projector, _, _, udp, transport = rig
    transport.sendto(b"%2SRCH\r", ("127.0.0.1", projector.status.port))
    assert await udp.next() == (b"%2ACKN=00:1b:2c:3d:4e:5f\r", "127.0.0.1")


async def test_a_class1_projector_refuses_class2_commands() -> None:
    projector = Projector(TcpEndpoint(), inputs=INPUTS)
    projector.open()
    reader, writer = await asyncio.open_connection("127.0.0.1", projector.endpoint.port)
    try:
        await reader.readuntil(b"\r")
        assert await ask(reader, writer, b"%2SNUM ?\r") == b"%2SNUM=ERR1\r"
        assert await ask(reader, writer, b"%1CLSS ?\r") == b"%1CLSS=1\r"
        assert projector.status.port == 0  # no UDP side
    finally:
        writer.close()
        projector.close()


async def test_the_room_gives_each_class2_twin_its_own_address(tmp_path: Path) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    devices = [
        {
            "id": f"proj{n}",
            "kind": "display",
            "profile": "generic/pjlink-class2-projector",
            "transport": {"port": f"tcp://192.0.2.{n}:4352"},
            "options": {"notify_port": port},
        }
        for n in (1, 2)
    ]
    source = tmp_path / "room.yaml"
    source.write_text(yaml.safe_dump({"devices": devices}))
    async with SimulatedRoom(source, tmp_path / "run") as room:
        first, second = room.device("proj1"), room.device("proj2")
        assert isinstance(first, Projector) and isinstance(second, Projector)
        assert first.endpoint.host != second.endpoint.host and first.endpoint.host.startswith("127.")
        assert first.status.notify_port == port and first.status.host == first.endpoint.host
        assert first.class2 is not None and first.class2.input_names["3A"] == "HDBaseT"
