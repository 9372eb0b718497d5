"""Golden vectors of protocols.md 3.1 against sim.samsung_mdc with plain clients (pyserial on a pty, a socket),
as a third-party program would speak to a display; plus the twin's chain routing and fault API."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import serial
import yaml

from sim.endpoints import PtyEndpoint, TcpEndpoint
from sim.errors import SimConfigError
from sim.room import SimulatedRoom
from sim.samsung_mdc import MdcDisplay, MdcHandle, MdcLine
from sim.samsung_mdc_tls import BANNER
from tests.sim.conftest import hx

HDMI1, HDMI2, DP1 = 0x21, 0x23, 0x25


class PlainClient:
    """pyserial with timeout 0: writes at once, reads whatever the pty holds while the loop runs the sim."""

    def __init__(self, url: str) -> None:
        self.port = serial.Serial(url, baudrate=9600, timeout=0)

    async def ask(self, text: str, count: int, timeout: float = 0.5) -> str:
        self.port.write(hx(text))
        data = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(data) < count and loop.time() < deadline:
            data += self.port.read(count - len(data))
            await asyncio.sleep(0.002)
        return data.hex(" ").upper()

    def close(self) -> None:
        self.port.close()


@pytest.fixture
async def chain(tmp_path: Path) -> AsyncIterator[tuple[dict[int, MdcHandle], PlainClient]]:
    """Displays 1 and 2 on one pty chain, without reply delay, and a pyserial client."""
    line = MdcLine(PtyEndpoint(tmp_path / "mdc"), reply_delay_ms=0)
    handles = {i: line.add(MdcDisplay(i, [HDMI1, HDMI2, DP1])) for i in (1, 2)}
    line.open()
    client = PlainClient(str(tmp_path / "mdc"))
    yield handles, client
    client.close()
    line.close()


async def test_worked_examples_byte_exact(chain: tuple[dict[int, MdcHandle], PlainClient]) -> None:
    displays, client = chain
    assert await client.ask("AA 11 01 01 01 14", 8) == "AA FF 01 03 41 11 01 56"
    assert displays[1].power and not displays[2].power
    assert await client.ask("AA 11 01 00 12", 8) == "AA FF 01 03 41 11 01 56"
    assert await client.ask("AA 14 01 01 21 37", 8) == "AA FF 01 03 41 14 21 79"
    assert await client.ask("AA 12 01 01 18 2C", 8) == "AA FF 01 03 41 12 18 6E"
    assert await client.ask("AA 00 01 00 01", 14) == "AA FF 01 09 41 00 01 18 00 21 10 00 00 94"
    assert displays[1].volume == 24 and displays[1].input_code == "21"


async def test_refusals_are_naks_with_the_error_byte(chain: tuple[dict[int, MdcHandle], PlainClient]) -> None:
    displays, client = chain
    displays[1].refuse_next()
    assert await client.ask("AA 11 01 01 01 14", 8) == "AA FF 01 03 4E 11 01 63"  # the NAK example
    assert not displays[1].power
    assert (await client.ask("AA 14 01 01 55 6B", 8)).startswith("AA FF 01 03 4E 14")  # HDBaseT: not on it
    assert (await client.ask("AA 12 01 01 65 79", 8)).startswith("AA FF 01 03 4E 12")  # volume 101


async def test_the_chain_routes_by_display_id(chain: tuple[dict[int, MdcHandle], PlainClient]) -> None:
    displays, client = chain
    assert await client.ask("AA 11 02 01 01 15", 8) == "AA FF 02 03 41 11 01 57"
    assert displays[2].power and not displays[1].power
    assert await client.ask("AA 11 07 01 01 1A", 8, 0.1) == ""  # no display 7 on the chain
    assert await client.ask("AA 13 FE 01 01 13", 8, 0.1) == ""  # 0xFE: all obey, none answers
    assert displays[1].mute and displays[2].mute


async def test_a_bad_checksum_is_ignored(chain: tuple[dict[int, MdcHandle], PlainClient]) -> None:
    displays, client = chain
    assert await client.ask("AA 11 01 01 01 15", 8, 0.1) == ""
    assert not displays[1].power


async def test_faults_garble_silence_and_remote(chain: tuple[dict[int, MdcHandle], PlainClient]) -> None:
    displays, client = chain
    displays[1].garble()
    garbled = await client.ask("AA 11 01 00 12", 8)
    assert garbled[:-2] == "AA FF 01 03 41 11 00 " and garbled[-2:] != "55"
    displays[1].fall_silent()
    assert await client.ask("AA 11 01 00 12", 8, 0.1) == ""
    displays[1].fall_silent(False)
    displays[1].press_power(True)
    displays[1].select_input(DP1)
    assert await client.ask("AA 00 01 00 01", 14) == "AA FF 01 09 41 00 01 14 00 25 10 00 00 94"


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=1)
    sock.settimeout(1)
    return sock


def _exchange(sock: socket.socket, request: bytes, count: int) -> bytes:
    sock.sendall(request)
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


async def test_tcp_port_answers_each_client_and_tls_mode_greets_then_hangs_up() -> None:
    line = MdcLine(TcpEndpoint(), reply_delay_ms=0)
    handle = line.add(MdcDisplay(1, [HDMI1]))
    line.open()
    port = line.endpoint.port  # type: ignore[attr-defined]
    try:
        first, second = await asyncio.gather(*(asyncio.to_thread(_connect, port) for _ in range(2)))
        reply = await asyncio.to_thread(_exchange, first, hx("AA 11 01 01 01 14"), 8)
        assert reply == hx("AA FF 01 03 41 11 01 56")
        second.settimeout(0.1)
        with pytest.raises(TimeoutError):
            await asyncio.to_thread(second.recv, 8)  # replies go to the asking client only
        first.close()
        second.close()
        handle.set_tls(True)
        secured = await asyncio.to_thread(_connect, port)
        assert await asyncio.to_thread(_exchange, secured, b"", len(BANNER)) == BANNER
        assert await asyncio.to_thread(_exchange, secured, hx("AA 11 01 00 12"), 8) == b""  # hung up
        secured.close()
    finally:
        line.close()


async def test_room_builds_a_chain_from_the_config(tmp_path: Path) -> None:
    devices = [
        {"id": f"d{i}", "kind": "display", "profile": "samsung/qm55r", "address": i, "transport": {"port": "/dev/x"}}
        for i in (0, 5)
    ]
    config = tmp_path / "room.yaml"
    config.write_text(yaml.safe_dump({"room": {"id": "r"}, "devices": devices}))
    async with SimulatedRoom(config, tmp_path / "run") as room:
        handles = [room.device("d0"), room.device("d5")]
        assert all(isinstance(h, MdcHandle) for h in handles)
        assert [h.display.display_id for h in handles] == [0, 5]  # type: ignore[attr-defined]
        assert handles[0].line is handles[1].line  # type: ignore[attr-defined]
    devices[1]["address"] = 0
    config.write_text(yaml.safe_dump({"room": {"id": "r"}, "devices": devices}))
    with pytest.raises(SimConfigError, match="taken"):
        SimulatedRoom(config, tmp_path / "run")
