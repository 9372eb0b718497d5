"""The simulated Tesira against a plain TCP client that knows only docs/protocols.md section 5.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import yaml

from sim.endpoints import TcpEndpoint
from sim.handles import AudioProcessorHandle
from sim.room import SimulatedRoom
from sim.tesira import Block, Tesira

NEGOTIATION = bytes.fromhex("FF FD 18 FF FD 20 FF FD 23 FF FD 27")
REFUSAL = bytes.fromhex("FF FC 18 FF FC 20 FF FC 23 FF FC 27")
WELCOME = b"Welcome to the Tesira Text Protocol Server...\r\n"


class Client:
    """A raw telnet-refusing client reading LF-terminated lines."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def line(self, timeout: float = 1.0) -> str:
        async with asyncio.timeout(timeout):
            return (await self.reader.readuntil(b"\n")).decode().rstrip("\r\n")

    async def ask(self, command: str, lines: int = 1) -> list[str]:
        self.writer.write(command.encode() + b"\n")
        return [await self.line() for _ in range(lines)]

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


Make = Callable[..., Awaitable[tuple[Tesira, Client]]]


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    made: list[Tesira] = []
    clients: list[Client] = []

    async def build(dsp: Tesira | None = None, *, echo: bool = False) -> tuple[Tesira, Client]:
        if dsp is None:
            dsp = Tesira(TcpEndpoint(), {"Level1": Block(8), "MyLevel1": Block(8)}, echo=echo)
            dsp.open()
            made.append(dsp)
        client = Client(*await asyncio.open_connection("127.0.0.1", dsp.endpoint.port))
        clients.append(client)
        async with asyncio.timeout(1):
            assert await client.reader.readexactly(len(NEGOTIATION)) == NEGOTIATION
        client.writer.write(REFUSAL)
        assert await client.line() == WELCOME.decode().rstrip("\r\n")
        return dsp, client

    yield build
    for client in clients:
        await client.close()
    for dsp in made:
        dsp.close()


async def test_golden_exchange(make: Make) -> None:
    dsp, c = await make()
    assert isinstance(dsp, AudioProcessorHandle)
    dsp.turn_knob("Level1", 1, -10)
    assert await c.ask("Level1 get level 1") == ['+OK "value":-10.000000']
    assert await c.ask("Level1 set level 1 -20") == ["+OK"]
    assert await c.ask("Level1 set mute 1 true") == ["+OK"]
    assert dsp.level("Level1", 1) == -20 and dsp.muted("Level1", 1)
    assert await c.ask("Level1 subscribe level 1 Lvl1 500", 2) == [
        '! "publishToken":"Lvl1" "value":-20.000000',
        "+OK",
    ]
    assert await c.ask("MyLevel1 get level 10") == [
        "-ERR INVALID_PARAMETER Index out of range:channelIndex min:1 max:8 received:10"
    ]
    assert await c.ask("Input1 get gain channel1") == ["-ERR Parse error at 16: could not parse value"]
    assert await c.ask("Level1 get gain 1") == ["-ERR INVALID_PARAMETER unknown attribute gain"]
    assert (await c.ask("Nowhere get level 1"))[0].startswith("-ERR address not found")
    assert await c.ask("DEVICE recallPreset 1001") == ["+OK"]
    assert dsp.presets == [1001]


async def test_subscriptions_are_per_session_and_rate_limited(make: Make) -> None:
    dsp, a = await make()
    _, b = await make(dsp)
    assert await a.ask("Level1 subscribe level 2 A 100", 2) == ['! "publishToken":"A" "value":0.000000', "+OK"]
    assert await b.ask("SESSION set verbose false") == ["+OK"]
    assert await b.ask("Level1 subscribe mute 2 B 0", 2) == ['! "B" false', "+OK"]
    dsp.turn_knob("Level1", 2, -5)
    dsp.turn_knob("Level1", 2, -6)  # within A's 100 ms: one push, with the latest value
    assert await a.line() == '! "publishToken":"A" "value":-6.000000'
    assert await b.ask("Level1 toggle mute 2", 2) == ['! "B" true', "+OK"]
    assert await b.ask("Level1 unsubscribe mute 2 B") == ["+OK"]
    dsp.press_mute("Level1", 2, False)
    assert await b.ask("Level1 get mute 2") == ['+OK "value":false']
    assert dsp.subscriptions == 1
    await a.close()
    await asyncio.sleep(0.05)
    assert dsp.subscriptions == 0


async def test_increment_clamp_and_echo(make: Make) -> None:
    dsp, c = await make(echo=True)
    assert await c.ask("Level1 set level 3 -30", 2) == ["Level1 set level 3 -30", "+OK"]
    assert await c.ask("Level1 increment level 3 2.5", 2) == ["Level1 increment level 3 2.5", "+OK"]
    assert dsp.level("Level1", 3) == -27.5
    await c.ask("Level1 set level 3 40", 2)
    assert dsp.level("Level1", 3) == 12.0


async def test_faults(make: Make) -> None:
    dsp, c = await make()
    dsp.garble()
    c.writer.write(b"Level1 get level 1\n")
    garbled = await c.reader.readuntil(b"\n")
    assert any(byte > 0x7F for byte in garbled)
    assert await c.ask("Level1 get level 1") == ['+OK "value":0.000000']
    dsp.fall_silent()
    c.writer.write(b"Level1 get level 1\n")
    with pytest.raises(TimeoutError):
        await c.line(0.2)
    dsp.fall_silent(False)
    assert await c.ask("Level1 get mute 1") == ['+OK "value":false']
    dsp.unplug()
    async with asyncio.timeout(1):
        assert await c.reader.read() == b""
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", dsp.endpoint.port)
    dsp.replug()
    await make(dsp)


async def test_no_banner_before_every_option_is_answered(make: Make) -> None:
    dsp, _ = await make()
    reader, writer = await asyncio.open_connection("127.0.0.1", dsp.endpoint.port)
    try:
        assert await reader.readexactly(len(NEGOTIATION)) == NEGOTIATION
        writer.write(REFUSAL[:6])
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.15):
                await reader.readuntil(b"\n")
        writer.write(REFUSAL[6:])
        async with asyncio.timeout(1):
            assert await reader.readuntil(b"\n") == WELCOME
    finally:
        writer.close()
        await writer.wait_closed()


async def test_room_builds_blocks_from_model_and_room_points(tmp_path: Path) -> None:
    config = {
        "devices": [
            {
                "id": "dsp",
                "kind": "audio_processor",
                "profile": "biamp/tesira-forte-ai",
                "transport": {"port": "tcp://192.0.2.30:23"},
                "options": {"points": {"gallery": {"tag": "GalleryLvl", "index": 3, "min_db": -60, "max_db": 0}}},
            }
        ]
    }
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    async with SimulatedRoom(path, tmp_path / "run") as room:
        dsp = room.device("dsp")
        assert isinstance(dsp, Tesira)
        assert set(dsp.blocks) == {"Level1", "MicLevels", "Master", "GalleryLvl"}
        assert dsp.blocks["GalleryLvl"].channels == 12
        dsp.turn_knob("GalleryLvl", 3, 6)
        assert dsp.level("GalleryLvl", 3) == 0.0
