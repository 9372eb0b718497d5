"""Golden vectors: the worked 9-pin blocks of protocols.md 4.1 against sim.sony9pin over a real pty.

The client is plain pyserial at 38400 8O1 (non-blocking reads polled from the event loop), as a third-party
edit controller would open a USB RS-422 adapter; the exact reply bytes are checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import serial

from sim.endpoints import PtyEndpoint
from sim.sony9pin import Deck, DeckHandle, NinePinLine
from sim.sony9pin import register as register_family
from tests.sim.conftest import hx, is_link

ACK = "10 01 11"


class PlainClient:
    """pyserial with timeout 0: writes at once, reads whatever the pty holds while the loop runs the sim."""

    def __init__(self, url: str) -> None:
        self.port = serial.Serial(url, baudrate=38400, parity=serial.PARITY_ODD, timeout=0)

    async def read(self, count: int, timeout: float = 0.5) -> bytes:
        data = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(data) < count and loop.time() < deadline:
            data += self.port.read(count - len(data))
            await asyncio.sleep(0.002)
        return data

    async def ask(self, text: str, count: int = 3, timeout: float = 0.5) -> str:
        self.port.write(hx(text))
        return (await self.read(count, timeout)).hex(" ").upper()

    def close(self) -> None:
        self.port.close()


Rig = tuple[NinePinLine, DeckHandle, PlainClient]


@pytest.fixture
async def deck(tmp_path: Path) -> AsyncIterator[Rig]:
    """A deck (device type 0x2024, 25 fps) on a pty, and a pyserial client on it."""
    line = NinePinLine(PtyEndpoint(tmp_path / "deck"), Deck({"device_type": 0x2024, "remaining_s": 3600}))
    line.open()
    client = PlainClient(line.url)
    yield line, DeckHandle(line), client
    client.close()
    line.close()


async def test_golden_transport_and_sense(deck: Rig) -> None:
    _, handle, client = deck
    assert await client.ask("20 01 21") == ACK
    assert handle.transport == "play"
    assert await client.ask("20 00 20") == ACK
    assert handle.transport == "stopped"
    assert await client.ask("20 02 22") == ACK
    assert handle.transport == "record"
    assert await client.ask("61 20 0A 8B", 13) == "7A 20 00 03 80 00 00 00 00 00 00 00 1D"
    assert await client.ask("20 00 20") == ACK
    assert await client.ask("20 05 25") == ACK
    assert (await client.ask("61 20 02 83", 5)).startswith("72 20 00 A0")  # stop + standby
    handle.set_timecode(1, 2, 3, 4)
    assert await client.ask("61 0C 01 6E", 7) == "74 04 04 03 02 01 82"
    assert await client.ask("00 11 11", 5) == "12 11 20 24 67"


async def test_golden_naks(deck: Rig) -> None:
    _, handle, client = deck
    assert await client.ask("20 01 22", 4) == "11 12 04 27"  # bad checksum
    assert handle.transport == "stopped"
    assert await client.ask("20 13 33", 4) == "11 12 01 24"  # shuttle: not known to this deck
    handle.nak_next(0x80)
    assert await client.ask("20 01 21", 4) == "11 12 80 A3"
    assert await client.ask("20 01 21") == ACK


async def test_media_local_and_full_disk(deck: Rig) -> None:
    _, handle, client = deck
    handle.set_disk(False)
    assert await client.ask("20 02 22") == ACK  # acknowledged, not obeyed: the status says why
    assert handle.transport == "stopped"
    assert (await client.ask("61 20 02 83", 5)).startswith("72 20 20 20")
    handle.set_disk(True, remaining_s=0)
    assert await client.ask("20 02 22") == ACK
    assert handle.transport == "stopped"
    handle.set_disk(True, remaining_s=60)
    handle.set_remote(False)
    assert await client.ask("20 02 22") == ACK
    assert handle.transport == "stopped"
    assert (await client.ask("61 20 01 82", 4)) == "71 20 01 92"
    handle.set_remote(True)
    assert await client.ask("20 02 22") == ACK
    assert handle.transport == "record"
    handle.set_disk(False)
    assert handle.transport == "stopped"  # pulling the media stops the recording


async def test_the_disk_fills_while_recording(tmp_path: Path) -> None:
    deck = Deck({"remaining_s": 2, "countdown_speed": 40})
    line = NinePinLine(PtyEndpoint(tmp_path / "deck"), deck)
    line.open()
    client = PlainClient(line.url)
    try:
        handle = DeckHandle(line)
        assert await client.ask("20 02 22") == ACK
        assert handle.transport == "record"
        await asyncio.sleep(0.1)
        assert handle.transport == "stopped" and handle.remaining_s == 0
    finally:
        client.close()
        line.close()


async def test_reply_delay_and_faults(tmp_path: Path) -> None:
    line = NinePinLine(PtyEndpoint(tmp_path / "deck"), Deck({}), reply_delay_s=0.03)
    line.open()
    client = PlainClient(line.url)
    try:
        handle = DeckHandle(line)
        client.port.write(hx("20 01 21"))
        assert await client.read(3, 0.01) == b""  # not before the configured delay
        assert (await client.read(3)).hex(" ").upper() == ACK
        handle.garble()
        assert await client.ask("20 00 20") == "10 01 4B"
        handle.fall_silent()
        assert await client.ask("20 00 20", timeout=0.1) == ""
        handle.fall_silent(False)
        assert await client.ask("20 00 20") == ACK
        handle.unplug()
        assert not is_link(line.url)
        handle.replug()
        assert is_link(line.url)
    finally:
        client.close()
        line.close()


async def test_a_partial_block_is_dropped_after_a_gap(deck: Rig) -> None:
    _, handle, client = deck
    client.port.write(hx("20"))
    await asyncio.sleep(0.05)
    assert await client.ask("20 01 21") == ACK
    assert handle.transport == "play"


def test_the_family_registers() -> None:
    from sim.registry import FAMILIES

    register_family()
    assert "recorder" in FAMILIES["sony9pin"].kinds
