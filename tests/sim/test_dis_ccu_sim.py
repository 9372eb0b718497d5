"""The simulated DIS-CCU against docs/protocols.md 5.2(b), through plain TCP clients as a control system uses."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import yaml

from sim.dis_ccu import DisCcuUnit
from sim.endpoints import TcpEndpoint
from sim.handles import MicSystemHandle
from tests.conftest import REPO

MODEL = REPO / "firmware_profiles" / "models" / "shure" / "mxc-ccu.yaml"


@dataclass
class Client:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def send(self, line: str) -> None:
        self.writer.write(line.encode() + b"\r\n")

    async def line(self, timeout: float = 1.0) -> str:
        async with asyncio.timeout(timeout):
            raw = await self.reader.readuntil(b"\r\n")
        return raw.decode("ascii", "replace").removesuffix("\r\n")

    async def lines(self, count: int) -> list[str]:
        return [await self.line() for _ in range(count)]

    async def silence(self, seconds: float = 0.2) -> bytes:
        try:
            async with asyncio.timeout(seconds):
                return await self.reader.read(100)
        except TimeoutError:
            return b""


Connect = Callable[[], Awaitable[Client]]


@dataclass
class Ccu:
    unit: DisCcuUnit
    connect: Connect


@pytest.fixture
async def ccu() -> AsyncIterator[Ccu]:
    model = yaml.safe_load(MODEL.read_text(encoding="utf-8"))
    model["simulate"]["reply_delay_ms"] = 0
    endpoint = TcpEndpoint()
    unit = DisCcuUnit(endpoint, model)
    unit.open()
    clients: list[Client] = []

    async def connect() -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
        clients.append(Client(reader, writer))
        await asyncio.sleep(0.02)  # let the endpoint accept
        return clients[-1]

    try:
        yield Ccu(unit, connect)
    finally:
        for client in clients:
            client.writer.close()
            with contextlib.suppress(OSError):
                await client.writer.wait_closed()
        unit.close()


async def test_mic_status_dumps_seats_speakers_and_requests(ccu: Ccu) -> None:
    assert isinstance(ccu.unit, MicSystemHandle)
    client = await ccu.connect()
    ccu.unit.press(3)
    ccu.unit.request(5)
    assert await client.lines(2) == ["mic_on 3", "mic_request_on 5"]
    client.send("mic_status")
    lines = await client.lines(10)
    assert lines[:8] == [f"seat_state {s} active Seat {s}" for s in range(1, 9)]  # registered_seats: 8
    assert lines[8:] == ["mic_on 3", "mic_request_on 5"]


async def test_events_go_to_every_session_and_errors_to_the_asker(ccu: Ccu) -> None:
    first, second = await ccu.connect(), await ccu.connect()
    first.send("mic_on 12")
    assert await first.line() == "mic_on 12"
    assert await second.line() == "mic_on 12"
    assert ccu.unit.active == {12}
    first.send("mic_on 12")  # no change: only the asker gets the confirmation
    assert await first.line() == "mic_on 12"
    assert await second.silence() == b""
    second.send("mic_on 999")
    assert (await second.line()).startswith("command_error")
    second.send("mic_explode 1")
    assert (await second.line()).startswith("command_error")
    assert await first.silence() == b""
    first.send("mic_all_off")
    assert await second.line() == "mic_off 12"
    first.send("mic_priority 3 5")
    first.send("mic_mute_all activate")
    await asyncio.sleep(0.05)
    assert ccu.unit.priorities == {3: 5} and ccu.unit.muted


async def test_request_queue_and_chairman_all_off(ccu: Ccu) -> None:
    client = await ccu.connect()
    client.send("mic_request_on 4")
    assert await client.line() == "mic_request_on 4"
    ccu.unit.press(4)
    assert await client.lines(2) == ["mic_on 4", "mic_request_off 4"]
    ccu.unit.press(6)
    await client.line()
    ccu.unit.chairman_all_off()
    assert sorted(await client.lines(2)) == ["mic_off 4", "mic_off 6"]
    ccu.unit.set_seat(40, registered=True)
    assert await client.line() == "seat_state 40 active Seat 40"


async def test_faults(ccu: Ccu) -> None:
    client = await ccu.connect()
    ccu.unit.garble(1)
    ccu.unit.press(1)
    assert "\ufffd" in await client.line()  # not ASCII any more
    ccu.unit.fall_silent()
    client.send("mic_status")
    ccu.unit.press(2)
    assert await client.silence() == b""
    ccu.unit.fall_silent(False)
    ccu.unit.unplug()
    assert await client.reader.read(100) == b""  # the connection is gone
    ccu.unit.press(3)
    ccu.unit.replug()
    again = await ccu.connect()
    again.send("mic_status")
    lines = await again.lines(11)
    assert lines[8:] == ["mic_on 1", "mic_on 2", "mic_on 3"]


async def test_reset_drops_connections_and_mics(ccu: Ccu) -> None:
    client = await ccu.connect()
    ccu.unit.press(1)
    await client.line()
    ccu.unit.reset()
    assert await client.reader.read(100) == b""
    assert ccu.unit.active == set()
