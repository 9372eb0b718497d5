"""The simulated PJLink projector against a plain TCP client that knows only docs/protocols.md section 3.3."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import yaml

from sim.endpoints import TcpEndpoint
from sim.errors import SimConfigError
from sim.handles import DisplayHandle
from sim.pjlink import Projector
from sim.room import SimulatedRoom

INPUTS = {"computer": "11", "hdmi1": "31"}
Make = Callable[..., Awaitable[tuple[Projector, "Client"]]]


class Client:
    """A raw socket client: write lines, read CR-terminated lines."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Client:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def line(self, timeout: float = 1.0) -> bytes:
        async with asyncio.timeout(timeout):
            return await self.reader.readuntil(b"\r")

    async def ask(self, data: bytes) -> bytes:
        self.writer.write(data)
        return await self.line()

    async def closed(self, timeout: float = 1.0) -> bool:
        async with asyncio.timeout(timeout):
            return await self.reader.read(100) == b""

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    made: list[Projector] = []
    clients: list[Client] = []

    async def build(password: str | None = None, **kwargs: float) -> tuple[Projector, Client]:
        projector = Projector(TcpEndpoint(), inputs=INPUTS, password=password, lamp_hours=1234, **kwargs)
        projector.open()
        made.append(projector)
        client = await Client.open(projector.endpoint.port)
        clients.append(client)
        return projector, client

    yield build
    for client in clients:
        await client.close()
    for projector in made:
        projector.close()


async def test_golden_session_without_password(make: Make) -> None:
    projector, c = await make(warmup_s=0.2)
    assert isinstance(projector, DisplayHandle)
    assert await c.line() == b"PJLINK 0\r"
    assert await c.ask(bytes.fromhex("25 31 50 4F 57 52 20 31 0D")) == b"%1POWR=OK\r"
    assert await c.ask(b"%1POWR ?\r") == b"%1POWR=3\r"
    assert await c.ask(b"%1INPT 31\r") == b"%1INPT=ERR3\r"
    assert await c.ask(b"%1ERST ?\r") == b"%1ERST=000000\r"
    assert await c.ask(b"%1LAMP ?\r") == b"%1LAMP=1234 1\r"
    await asyncio.sleep(0.25)
    assert await c.ask(b"%1POWR ?\r") == b"%1POWR=1\r"
    assert await c.ask(b"%1INPT 31\r") == b"%1INPT=OK\r"
    assert await c.ask(b"%1INPT ?\r") == b"%1INPT=31\r"
    assert await c.ask(b"%1INPT 59\r") == b"%1INPT=ERR2\r"
    assert await c.ask(b"%1AVMT 31\r") == b"%1AVMT=OK\r"
    assert projector.av_mute and projector.mute
    assert await c.ask(b"%1AVMT 20\r") == b"%1AVMT=OK\r"
    assert await c.ask(b"%1AVMT ?\r") == b"%1AVMT=11\r"
    assert await c.ask(b"%1XXXX ?\r") == b"%1XXXX=ERR1\r"
    assert await c.ask(b"%1CLSS ?\r") == b"%1CLSS=1\r"
    assert await c.ask(b"%1POWR 0\r") == b"%1POWR=OK\r"
    assert await c.ask(b"%1POWR ?\r") == b"%1POWR=2\r"
    assert await c.ask(b"%1POWR 1\r") == b"%1POWR=ERR3\r"
    await asyncio.sleep(0.35)
    assert await c.ask(b"%1POWR ?\r") == b"%1POWR=0\r"


async def test_login_with_the_spec_token(make: Make) -> None:
    _, c = await make(password="JBMIAProjectorLink")
    greeting = await c.line()
    assert greeting.startswith(b"PJLINK 1 ") and len(greeting) == 18
    seed = greeting[9:17].decode()
    token = hashlib.md5((seed + "JBMIAProjectorLink").encode()).hexdigest().encode()
    assert await c.ask(token + b"%1POWR ?\r") == b"%1POWR=0\r"
    assert await c.ask(b"%1POWR ?\r") == b"%1POWR=0\r"


async def test_wrong_password_is_refused_and_hung_up(make: Make) -> None:
    _, c = await make(password="secret")
    await c.line()
    assert await c.ask(b"0" * 32 + b"%1POWR ?\r") == b"PJLINK ERRA\r"
    assert await c.closed()


async def test_idle_connection_is_dropped(make: Make) -> None:
    projector, c = await make(idle_drop_s=0.2)
    await c.line()
    assert await c.closed(1.0)
    assert projector.endpoint.connections == 0


async def test_faults_and_family_api(make: Make) -> None:
    projector, c = await make(warmup_s=0.0, cooldown_s=0.1)
    await c.line()
    projector.press_power(True)
    assert await c.ask(b"%1POWR ?\r") == b"%1POWR=1\r"
    projector.lamp_failure()
    assert await c.ask(b"%1ERST ?\r") == b"%1ERST=020000\r"
    assert await c.ask(b"%1LAMP ?\r") == b"%1LAMP=1234 0\r"
    assert await c.ask(b"%1POWR ?\r") == b"%1POWR=2\r"
    await asyncio.sleep(0.15)
    assert await c.ask(b"%1POWR 1\r") == b"%1POWR=ERR4\r"
    projector.lamp_failure(False)
    projector.set_warmup(0.5)
    assert await c.ask(b"%1POWR 1\r") == b"%1POWR=OK\r"
    assert await c.ask(b"%1POWR 0\r") == b"%1POWR=ERR3\r"  # no switching off during warm-up
    projector.garble()
    garbled = await c.ask(b"%1POWR ?\r")
    assert garbled.endswith(b"\r") and any(b > 0x7F for b in garbled)
    projector.fall_silent()
    c.writer.write(b"%1POWR ?\r")
    with pytest.raises(TimeoutError):
        await c.line(0.2)
    projector.fall_silent(False)
    assert await c.ask(b"%1POWR ?\r") == b"%1POWR=3\r"
    projector.unplug()
    assert await c.closed()
    with pytest.raises(OSError):
        await Client.open(projector.endpoint.port)
    projector.replug()
    again = await Client.open(projector.endpoint.port)
    assert await again.line() == b"PJLINK 0\r"
    await again.close()


async def test_room_reads_password_file_and_simulate_keys(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n", encoding="utf-8")
    config = {
        "devices": [
            {
                "id": "proj",
                "kind": "display",
                "profile": "nec/pa1004ul",
                "transport": {"port": "tcp://192.0.2.9:4352"},
                "options": {"password_file": str(secret)},
            }
        ]
    }
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    async with SimulatedRoom(path, tmp_path / "run") as room:
        projector = room.device("proj")
        assert isinstance(projector, Projector)
        assert projector.password == "s3cret"
        assert projector.warmup_s == pytest.approx(0.2)
        assert projector.inputs == {"11", "31", "32", "33", "36"}
    config["devices"][0]["options"] = {"password_file": str(tmp_path / "missing")}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(SimConfigError, match="password_file"):
        SimulatedRoom(path, tmp_path / "run")
