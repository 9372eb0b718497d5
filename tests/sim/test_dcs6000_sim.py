"""The simulated DCS 6000 CU against the frames of docs/protocols.md 5.2(a), through a plain pyserial client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import serial_asyncio_fast
import yaml

from sim.dcs6000 import Dcs6000Unit, crc8
from sim.endpoints import PtyEndpoint
from sim.handles import MicSystemHandle
from tests.conftest import REPO

MODEL = REPO / "firmware_profiles" / "models" / "shure" / "dcs-6000-cu6105.yaml"
ENTER = "FC 6D 00 63 6D 65 FD"
MIC10_ON_JOB = "FC 6A 2D 00 0F 3C 12 0E 00 0A 8C FD"


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def job(ident: int, item: int, mic: int = 0, sender: int = 3900) -> bytes:
    body = bytes([0x6A, ident, 0, sender >> 8, sender & 0xFF, 18, item, mic >> 8, mic & 0xFF])
    return b"\xfc" + body + bytes([crc8(body)]) + b"\xfd"


@dataclass
class Cu:
    unit: Dcs6000Unit
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def send(self, data: str | bytes) -> None:
        self.writer.write(hx(data) if isinstance(data, str) else data)

    async def enter(self) -> None:
        self.send(ENTER)
        async with asyncio.timeout(1):
            while not self.unit.mic_mode:  # noqa: ASYNC110 - the unit's state is a plain attribute
                await asyncio.sleep(0.005)

    async def frame(self, timeout: float = 1.0) -> str:
        async with asyncio.timeout(timeout):
            return (await self.reader.readuntil(b"\xfd")).hex(" ").upper()

    async def silence(self, seconds: float = 0.2) -> bytes:
        try:
            async with asyncio.timeout(seconds):
                return await self.reader.read(100)
        except TimeoutError:
            return b""


async def open_cu(tmp_path: Path, model: dict[str, Any] | None = None) -> AsyncIterator[Cu]:
    endpoint = PtyEndpoint(tmp_path / "cu")
    unit = Dcs6000Unit(endpoint, model or yaml.safe_load(MODEL.read_text(encoding="utf-8")))
    unit.open()
    reader, writer = await serial_asyncio_fast.open_serial_connection(url=str(tmp_path / "cu"), baudrate=115200)
    try:
        yield Cu(unit, reader, writer)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        unit.close()


@pytest.fixture
async def cu(tmp_path: Path) -> AsyncIterator[Cu]:
    async for value in open_cu(tmp_path):
        yield value


async def test_the_manual_frames_drive_the_cu(cu: Cu) -> None:
    assert isinstance(cu.unit, MicSystemHandle)
    cu.send(MIC10_ON_JOB)
    assert await cu.silence() == b""  # not in mic control mode yet: nothing happens
    assert cu.unit.active == set()
    await cu.enter()
    cu.unit.next_id = 5
    cu.send(MIC10_ON_JOB)
    assert await cu.frame() == "FC 63 05 0F A0 17 03 09 00 0A C0 FD"  # the constructed MIC_ON frame
    assert cu.unit.active == {10}
    cu.unit.release(10)
    assert await cu.frame() == "FC 63 06 0F A0 17 03 0A 00 0A 48 FD"  # the constructed MIC_OFF frame


async def test_reset_sends_the_manual_reset_frame_and_leaves_mic_mode(cu: Cu) -> None:
    await cu.enter()
    cu.unit.press(3)
    await cu.frame()
    cu.unit.next_id = 0
    cu.unit.reset()
    assert await cu.frame() == "FC 72 00 88 FD"
    assert cu.unit.active == set() and not cu.unit.mic_mode
    cu.unit.press(4)
    assert await cu.silence() == b""


async def test_status_answer_lists_speakers_and_requests_then_max_requests(cu: Cu) -> None:
    await cu.enter()
    for seat in (7, 300):
        cu.unit.press(seat)
        await cu.frame()
    cu.unit.request(9)
    assert (await cu.frame()).split()[6:11] == ["04", "0B", "00", "09", "01"]  # REQUEST_ON mic 9 at position 1
    cu.send(job(1, 20, sender=3901))
    frames = [(await cu.frame()).split() for _ in range(4)]
    assert all(f[3:5] == ["0F", "3D"] for f in frames)  # to the asking controller, 3901
    assert [f[7:10] for f in frames[:2]] == [["08", "00", "07"], ["08", "01", "2C"]]  # IN_SPEAK 7, 300
    assert frames[2][6:11] == ["04", "07", "00", "09", "01"]  # IN_REQUEST mic 9, position 1
    assert frames[3][6:9] == ["02", "0E", "0A"]  # MAX_REQUESTS 10 ends the answer


async def test_mic_off_request_and_delegate_off_jobs(cu: Cu) -> None:
    await cu.enter()
    cu.send(job(1, 16, 5))
    assert (await cu.frame()).split()[7] == "0B"
    cu.send(job(2, 14, 5))
    assert [(await cu.frame()).split()[7] for _ in range(2)] == ["0C", "09"]  # leaves the queue, speaks
    cu.send(job(3, 15, 5))
    assert (await cu.frame()).split()[7] == "0A"
    cu.unit.press(1)
    cu.unit.press(2)
    await cu.frame()
    await cu.frame()
    cu.send(job(4, 1))
    assert [(await cu.frame()).split()[7] for _ in range(2)] == ["0A", "0A"]
    cu.send(job(5, 14, 8))
    assert await cu.silence() == b""  # delegate off holds until item 2
    cu.send(job(6, 2))
    cu.send(job(7, 14, 8))
    assert (await cu.frame()).split()[7] == "09"
    cu.send(job(8, 14, 4000))  # outside the model's seats: ignored
    assert await cu.silence() == b""


async def test_faults_garble_silence_and_bad_crc(cu: Cu) -> None:
    await cu.enter()
    cu.unit.garble(1)
    cu.unit.press(1)
    bad = hx(await cu.frame())
    assert crc8(bad[1:-2]) != bad[-2]
    cu.unit.fall_silent()
    cu.unit.press(2)
    cu.send(job(1, 20))
    assert await cu.silence() == b""
    cu.unit.fall_silent(False)
    bad_job = bytearray(job(2, 14, 3))
    bad_job[-2] ^= 1
    cu.send(bytes(bad_job))
    assert await cu.silence() == b"" and 3 not in cu.unit.active
    assert cu.unit.framer.dropped >= 1


async def test_escaping_option(tmp_path: Path) -> None:
    model = yaml.safe_load(MODEL.read_text(encoding="utf-8"))
    model["simulate"]["escape"] = True
    async for cu in open_cu(tmp_path, model):
        await cu.enter()
        cu.unit.press(0xFC)  # mic 252: an FC data byte must be escaped
        frame = hx(await cu.frame())
        assert 0xFC not in frame[1:-1] and b"\xfe\xdc" in frame


async def test_unplug_and_replug(cu: Cu, tmp_path: Path) -> None:
    cu.unit.unplug()
    assert not (tmp_path / "cu").exists()
    cu.unit.press(1)
    cu.unit.replug()
    assert (tmp_path / "cu").is_symlink() and cu.unit.active == {1}
