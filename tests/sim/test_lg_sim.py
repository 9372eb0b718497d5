"""Golden vectors of protocols.md 3.2 against sim.lg with a plain pyserial client on a pty, as a third-party
program would speak to an LG set; plus the twin's [U] settings, chain routing and fault API."""

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
from sim.lg import LgHandle, LgLine, LgSet
from sim.room import SimulatedRoom
from tests.sim.conftest import hx

INPUTS = [0x90, 0x91, 0xC0]


class PlainClient:
    """pyserial with timeout 0; ``ask`` reads until the reply's ``x`` (or the timeout)."""

    def __init__(self, url: str) -> None:
        self.port = serial.Serial(url, baudrate=9600, timeout=0)

    async def ask(self, request: bytes, timeout: float = 0.5, replies: int = 1) -> bytes:
        self.port.write(request)
        data = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while data.count(b"x") < replies and loop.time() < deadline:
            data += self.port.read(64)
            await asyncio.sleep(0.002)
        return data

    def close(self) -> None:
        self.port.close()


@pytest.fixture
async def chain(tmp_path: Path) -> AsyncIterator[tuple[dict[int, LgHandle], PlainClient]]:
    """Sets 1 and 2 on one pty chain, without reply delay, and a pyserial client."""
    line = LgLine(PtyEndpoint(tmp_path / "lg"), reply_delay_ms=0)
    handles = {i: line.add(LgSet(i, INPUTS)) for i in (1, 2)}
    line.open()
    client = PlainClient(str(tmp_path / "lg"))
    yield handles, client
    client.close()
    line.close()


async def test_worked_examples_byte_exact(chain: tuple[dict[int, LgHandle], PlainClient]) -> None:
    sets, client = chain
    assert await client.ask(hx("6B 61 20 30 31 20 30 31 0D")) == hx("61 20 30 31 20 4F 4B 30 31 78")
    assert sets[1].power
    assert await client.ask(b"kf 01 14\r") == b"f 01 OK14x"
    assert sets[1].volume == 20
    assert await client.ask(b"xb 01 90\r") == b"b 01 OK90x"
    assert await client.ask(b"xb 01 33\r") == b"b 01 NG00x"  # not an input of this set
    assert await client.ask(b"ka 01 00\r") == b"a 01 OK00x"
    assert await client.ask(b"ka 01 ff\r") == b"a 01 OK00x"  # power query: off
    assert await client.ask(b"KF 01 FF\r") == b"f 01 OK14x"  # upper case is understood, replies are lower


async def test_mute_polarity_and_input_command_are_settings(tmp_path: Path) -> None:
    line = LgLine(PtyEndpoint(tmp_path / "lg"), reply_delay_ms=0)
    reversed_set = line.add(LgSet(1, INPUTS, mute_on_code=1, input_command="kb"))
    line.open()
    client = PlainClient(str(tmp_path / "lg"))
    try:
        assert await client.ask(b"ke 01 01\r") == b"e 01 OK01x"
        assert reversed_set.mute
        assert await client.ask(b"xb 01 91\r") == b"b 01 NG00x"  # an older monitor: kb only
        assert await client.ask(b"kb 01 91\r") == b"b 01 OK91x"
        assert reversed_set.input_code == "91"
    finally:
        client.close()
        line.close()


async def test_default_polarity_00_is_mute_on(chain: tuple[dict[int, LgHandle], PlainClient]) -> None:
    sets, client = chain
    assert await client.ask(b"ke 01 00\r") == b"e 01 OK00x"
    assert sets[1].mute
    assert await client.ask(b"ke 01 ff\r") == b"e 01 OK00x"


async def test_chain_routing_and_set_id_00(chain: tuple[dict[int, LgHandle], PlainClient]) -> None:
    sets, client = chain
    assert await client.ask(b"ka 02 01\r") == b"a 02 OK01x"
    assert sets[2].power and not sets[1].power
    assert await client.ask(b"ka 07 01\r", 0.1) == b""  # no set 7
    both = await client.ask(b"kf 00 0a\r", replies=2)
    assert sorted(both.split(b"x")[:2]) == [b"f 01 OK0a", b"f 02 OK0a"]


async def test_silent_in_standby_wakes_on_power_on(chain: tuple[dict[int, LgHandle], PlainClient]) -> None:
    sets, client = chain
    sets[1].set_silent_in_standby(True)
    assert await client.ask(b"ka 01 ff\r", 0.1) == b""
    assert await client.ask(b"ka 01 01\r") == b"a 01 OK01x"
    assert await client.ask(b"ka 01 ff\r") == b"a 01 OK01x"


async def test_faults_refusal_garble_silence(chain: tuple[dict[int, LgHandle], PlainClient]) -> None:
    sets, client = chain
    sets[1].refuse_next(code=2)
    assert await client.ask(b"ka 01 01\r") == b"a 01 NG02x"
    sets[1].garble()
    assert await client.ask(b"ka 01 ff\r") == b"a 01 O?00x"
    sets[1].fall_silent()
    assert await client.ask(b"ka 01 ff\r", 0.1) == b""
    sets[1].fall_silent(False)
    sets[1].press_power(True)
    assert await client.ask(b"ka 01 ff\r") == b"a 01 OK01x"


def _exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(request)
        return sock.recv(16)


async def test_a_tcp_port_speaks_the_same() -> None:
    line = LgLine(TcpEndpoint(), reply_delay_ms=0)
    line.add(LgSet(1, INPUTS))
    line.open()
    try:
        port = line.endpoint.port  # type: ignore[attr-defined]
        assert await asyncio.to_thread(_exchange, port, b"ka 01 01\r") == b"a 01 OK01x"
    finally:
        line.close()


async def test_room_reads_the_model_settings(tmp_path: Path) -> None:
    device = {"id": "tv", "kind": "display", "profile": "lg/49uh7f", "address": 3, "transport": {"port": "/dev/x"}}
    config = tmp_path / "room.yaml"
    config.write_text(yaml.safe_dump({"room": {"id": "r"}, "devices": [device]}))
    async with SimulatedRoom(config, tmp_path / "run") as room:
        handle = room.device("tv")
        assert isinstance(handle, LgHandle)
        assert (handle.set.set_id, handle.set.inputs[-1], handle.set.mute_on_code) == (3, 0x98, 0)
    profiles = tmp_path / "profiles"
    (profiles / "models" / "lg").mkdir(parents=True)
    (profiles / "models" / "lg" / "bad.yaml").write_text(
        "protocol: lg\ninputs: {hdmi1: '90'}\nsimulate: {mute_on_code: 2}\n"
    )
    device["profile"] = "lg/bad"
    config.write_text(yaml.safe_dump({"room": {"id": "r"}, "devices": [device]}))
    with pytest.raises(SimConfigError, match="mute_on_code"):
        SimulatedRoom(config, tmp_path / "run", profiles_dir=profiles)
