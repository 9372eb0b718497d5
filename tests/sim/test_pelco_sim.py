"""Golden vectors: the worked Pelco-D/P frames of protocols.md section 2 against sim.pelco, over a real pty.

The client is plain pyserial (non-blocking reads polled from the event loop), as a third-party program would
open a USB RS-485 adapter; the exact reply bytes are checked. Motion is sped up tenfold.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import serial
import yaml

from sim.camera_profile import CameraProfile
from sim.endpoints import PtyEndpoint
from sim.pelco import DomeHandle, PelcoBus, PelcoDome, register
from sim.room import SimulatedRoom
from tests.sim.conftest import fast, hx

QUERYING = frozenset({"pan", "tilt", "zoom"})


class PlainClient:
    """pyserial with timeout 0: writes at once, reads whatever the pty holds while the loop runs the sim."""

    def __init__(self, url: str, baudrate: int) -> None:
        self.port = serial.Serial(url, baudrate=baudrate, timeout=0)

    def send(self, text: str) -> None:
        self.port.write(hx(text))

    async def read(self, count: int, timeout: float = 0.5) -> bytes:
        data = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(data) < count and loop.time() < deadline:
            data += self.port.read(count - len(data))
            await asyncio.sleep(0.002)
        return data

    async def ask(self, text: str, count: int = 7) -> str:
        self.send(text)
        return (await self.read(count)).hex(" ").upper()

    async def silent(self, text: str) -> bool:
        """Send a frame; True when nothing comes back within 0.1 s."""
        self.send(text)
        return await self.read(1, 0.1) == b""

    def close(self) -> None:
        self.port.close()


Line = tuple[PelcoBus, dict[int, DomeHandle], PlainClient]
LineFactory = Callable[..., Line]


@pytest.fixture
async def make_line(tmp_path: Path) -> AsyncIterator[LineFactory]:
    """A Pelco bus on a pty with domes at the given addresses, and a pyserial client on it."""
    opened: list[tuple[PelcoBus, PlainClient]] = []

    def build(variant: str = "D", addresses: tuple[int, ...] = (1,), answers: frozenset[str] = QUERYING) -> Line:
        ref = "generic/pelco-d-dome" if variant == "D" else "generic/pelco-p-dome"
        profile = fast(CameraProfile.load(ref))
        bus = PelcoBus(PtyEndpoint(tmp_path / f"pelco-{len(opened)}"), variant)  # type: ignore[arg-type]
        domes = {a: bus.add_dome(PelcoDome(profile, a, variant, answers=answers)) for a in addresses}  # type: ignore[arg-type]
        bus.open()
        client = PlainClient(bus.url, 2400 if variant == "D" else 4800)
        opened.append((bus, client))
        return bus, domes, client

    yield build
    for bus, client in opened:
        client.close()
        bus.close()


async def test_query_pan_answers_the_worked_reply(make_line: LineFactory) -> None:
    _, domes, client = make_line()
    domes[1].set_position(pan=9000)
    assert await client.ask("FF 01 00 51 00 00 52") == "FF 01 00 59 23 28 A5"


async def test_tilt_and_zoom_queries_and_set_position(make_line: LineFactory) -> None:
    _, domes, client = make_line()
    domes[1].set_position(tilt=0x0102, zoom=0x0304)
    assert await client.ask("FF 01 00 53 00 00 54") == "FF 01 00 5B 01 02 5F"
    assert await client.ask("FF 01 00 55 00 00 56") == "FF 01 00 5D 03 04 65"
    client.send("FF 01 00 4B 23 28 97")  # set pan 9000
    assert await client.read(1, 0.05) == b""  # no ACK in Pelco
    await asyncio.sleep(0.05)
    assert not domes[1].moving and domes[1].pan == 9000


async def test_pan_right_then_stop(make_line: LineFactory) -> None:
    _, domes, client = make_line()
    domes[1].set_position(pan=1000)
    client.send("FF 01 00 02 20 00 23")
    await asyncio.sleep(0.05)
    assert domes[1].moving and domes[1].pan > 1000
    client.send("FF 01 00 00 00 00 01")
    await asyncio.sleep(0.02)
    stopped = domes[1].pan
    assert not domes[1].moving
    await asyncio.sleep(0.02)
    assert domes[1].pan == stopped


async def test_up_left_and_zoom_tele(make_line: LineFactory) -> None:
    _, domes, client = make_line()
    domes[1].set_position(pan=18000, tilt=4000, zoom=0)
    client.send("FF 01 00 0C 20 20 4D")
    await asyncio.sleep(0.05)
    assert domes[1].pan < 18000 and domes[1].tilt > 4000
    client.send("FF 01 00 20 00 00 21")  # zoom tele: pan and tilt stop, zoom runs
    await asyncio.sleep(0.05)
    pan = domes[1].pan
    assert domes[1].zoom > 0
    await asyncio.sleep(0.02)
    assert domes[1].pan == pan


async def test_presets_set_recall_clear(make_line: LineFactory) -> None:
    _, domes, client = make_line()
    dome = domes[1]
    dome.set_position(pan=9000, tilt=1000, zoom=0x2000)
    client.send("FF 01 00 03 00 05 09")  # set preset 5
    await asyncio.sleep(0.02)
    assert dome.presets == {5: (9000, 1000, 0x2000)}
    dome.set_position(pan=0, tilt=0, zoom=0)
    client.send("FF 01 00 07 00 05 0D")  # go to preset 5
    await asyncio.sleep(0.02)
    assert dome.moving
    await asyncio.sleep(0.3)
    assert (dome.pan, dome.tilt, dome.zoom) == (9000, 1000, 0x2000)
    client.send("FF 01 00 05 00 05 0B")  # clear preset 5
    await asyncio.sleep(0.02)
    assert dome.presets == {}


async def test_camera_on_off_and_no_reply(make_line: LineFactory) -> None:
    _, domes, client = make_line()
    assert await client.silent("FF 01 08 00 00 00 09")
    assert domes[1].power is False
    client.send("FF 01 88 00 00 00 89")
    await asyncio.sleep(0.02)
    assert domes[1].power is True


async def test_bad_checksum_is_silently_dropped(make_line: LineFactory) -> None:
    bus, domes, client = make_line()
    domes[1].set_position(pan=9000)
    assert await client.silent("FF 01 00 51 00 00 53")
    assert bus.framer.dropped >= 1
    assert await client.ask("FF 01 00 51 00 00 52") == "FF 01 00 59 23 28 A5"


async def test_two_domes_answer_by_address(make_line: LineFactory) -> None:
    _, domes, client = make_line(addresses=(1, 2))
    domes[1].set_position(pan=100)
    domes[2].set_position(pan=9000)
    assert await client.ask("FF 02 00 51 00 00 53") == "FF 02 00 59 23 28 A6"
    assert await client.silent("FF 03 00 51 00 00 54")  # nobody at 3


async def test_a_dome_without_queries_stays_silent(make_line: LineFactory) -> None:
    _, _, client = make_line(answers=frozenset())
    assert await client.silent("FF 01 00 51 00 00 52")


async def test_faults_drop_garble_silence_unplug(make_line: LineFactory) -> None:
    _, domes, client = make_line()
    dome = domes[1]
    dome.set_position(pan=9000)
    dome.drop_next_reply()
    assert await client.silent("FF 01 00 51 00 00 52")
    dome.garble()
    assert await client.ask("FF 01 00 51 00 00 52") == "FF 01 00 59 23 28 FF"  # A5 ^ 5A: bad checksum
    dome.fall_silent()
    client.send("FF 01 00 02 20 00 23")  # still obeys
    assert await client.read(1, 0.05) == b""
    assert dome.moving
    dome.resume()
    dome.unplug()
    client.send("FF 01 00 00 00 00 01")  # does not hear the stop
    assert await client.silent("FF 01 00 51 00 00 52")
    assert dome.moving
    dome.replug()
    client.send("FF 01 00 00 00 00 01")
    await asyncio.sleep(0.02)
    assert not dome.moving


async def test_pelco_p_worked_frames(make_line: LineFactory) -> None:
    _, domes, client = make_line("P", addresses=(0,))
    dome = domes[0]
    dome.set_position(pan=1000, tilt=0, zoom=0)
    assert await client.silent("A0 00 00 02 20 00 AF 2D")  # pan right; Pelco-P never answers
    assert dome.moving and dome.pan > 1000
    client.send("A0 00 00 00 00 00 AF 0F")  # stop
    await asyncio.sleep(0.02)
    assert not dome.moving
    client.send("A0 00 00 03 00 05 AF 09")  # set preset 5
    await asyncio.sleep(0.02)
    stored = dome.presets[5]
    dome.set_position(pan=0)
    client.send("A0 00 00 07 00 05 AF 0D")  # go to preset 5
    await asyncio.sleep(0.3)
    assert (dome.pan, dome.tilt, dome.zoom) == stored
    client.send("A0 00 00 02 20 00 AF 2C")  # bad checksum: dropped
    await asyncio.sleep(0.02)
    assert not dome.moving


async def test_room_builds_pelco_lines(tmp_path: Path) -> None:
    register()
    devices = [
        {"id": "dome-d", "kind": "camera", "profile": "generic/pelco-d-dome", "transport": {"port": "/dev/d"}},
        {
            "id": "dome-p",
            "kind": "camera",
            "profile": "generic/pelco-p-dome",
            "transport": {"port": "/dev/p"},
            "address": 3,
        },
    ]
    config = tmp_path / "room.yaml"
    config.write_text(yaml.safe_dump({"room": {"id": "t"}, "devices": devices}), encoding="utf-8")
    async with SimulatedRoom(config, tmp_path / "run") as room:
        d, p = room.device("dome-d"), room.device("dome-p")
        assert isinstance(d, DomeHandle) and isinstance(p, DomeHandle)
        assert (d.address, d.dome.variant, p.address, p.dome.variant) == (1, "D", 3, "P")
        d.set_position(pan=9000)
        client = PlainClient(room.endpoints["dome-d"], 2400)
        try:
            assert await client.ask("FF 01 00 51 00 00 52") == "FF 01 00 59 23 28 A5"
        finally:
            client.close()
