"""The simulated Tesira's session, device and block commands (docs/protocols-tesira.md), over telnet and SSH.

Golden lines against a raw telnet-refusing client, and the same unit over SSH with asyncssh's client, as a
control program logging in to a current Tesira would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest
import yaml

from sim.endpoints import TcpEndpoint
from sim.room import SimulatedRoom
from sim.tesira import Block, Tesira
from sim.tesira_ssh import SshEndpoint
from tests.sim.test_tesira_sim import WELCOME, Make, make

__all__ = ["make"]  # the fixture, imported for its use here


async def test_session_and_device_commands(make: Make) -> None:
    _, c = await make()
    assert await c.ask("SESSION get aliases") == ['+OK "list":["Level1" "MyLevel1"]']
    assert await c.ask("DEVICE get hostname") == ['+OK "value":"TesiraForte01"']
    assert await c.ask("DEVICE get version") == ['+OK "value":"4.7.1.23292"']
    assert await c.ask("DEVICE get serialNumber") == ['+OK "value":"03725678"']
    assert await c.ask("SESSION set detailedResponse false") == ["+OK"]
    assert await c.ask("SESSION set detailedResponse maybe") == ["-ERR Parse error: could not parse value"]
    assert await c.ask("DEVICE get colour") == ["-ERR INVALID_PARAMETER DEVICE get colour"]


async def test_block_attributes_and_whole_block_subscriptions(make: Make) -> None:
    dsp, c = await make()
    dsp.blocks["Level1"].labels[0] = "judge"
    assert await c.ask("Level1 get numChannels") == ['+OK "value":8']
    assert await c.ask("Level1 get minLevel 1") == ['+OK "value":-100.000000']
    assert await c.ask("Level1 get maxLevel 1") == ['+OK "value":12.000000']
    assert await c.ask("Level1 get label 1") == ['+OK "value":"judge"']
    assert await c.ask("Level1 set maxLevel 1 0") == ["-ERR INVALID_PARAMETER maxLevel is read-only"]
    assert await c.ask("Level1 get maxLevel 9") == [
        "-ERR INVALID_PARAMETER Index out of range:channelIndex min:1 max:8 received:9"
    ]
    assert await c.ask("Level1 set numChannels 4") == ["-ERR INVALID_PARAMETER numChannels is read-only"]
    assert await c.ask("Nowhere get numChannels") == [
        '-ERR address not found: {"deviceId":0 "classCode":0 "instanceNum":0}'
    ]
    dsp.turn_knob("Level1", 2, -6)
    levels = "[0.000000 -6.000000 0.000000 0.000000 0.000000 0.000000 0.000000 0.000000]"
    assert await c.ask("Level1 get levels") == [f'+OK "value":{levels}']
    assert await c.ask("Level1 subscribe levels Lv 0", 2) == [f'! "publishToken":"Lv" "value":{levels}', "+OK"]
    assert await c.ask("Level1 subscribe mutes Mu 0", 2) == [
        '! "publishToken":"Mu" "value":[false false false false false false false false]',
        "+OK",
    ]
    dsp.press_mute("Level1", 8, True)
    assert await c.line() == '! "publishToken":"Mu" "value":[false false false false false false false true]'
    assert await c.ask("SESSION set verbose false") == ["+OK"]
    dsp.turn_knob("Level1", 1, -3)
    assert await c.line() == '! "Lv" [-3.000000 -6.000000 0.000000 0.000000 0.000000 0.000000 0.000000 0.000000]'
    assert await c.ask("Level1 unsubscribe levels Lv") == ["+OK"]
    assert await c.ask("Level1 unsubscribe mutes Mu") == ["+OK"]
    assert dsp.subscriptions == 0


@pytest.fixture
async def ssh_unit() -> AsyncIterator[Tesira]:
    endpoint = SshEndpoint({"admin": "s3cret"})
    dsp = Tesira(endpoint, {"Level1": Block(2)})
    dsp.open()
    yield dsp
    folder = endpoint.key_folder
    dsp.close()
    assert folder is not None and not folder.exists()  # the throw-away host key is gone


def _trust(endpoint: SshEndpoint, known_hosts: Path) -> None:
    known_hosts.write_text(endpoint.known_hosts_line + "\n")


async def _login(dsp: Tesira, known_hosts: Path, password: str = "s3cret") -> asyncssh.SSHClientConnection:
    endpoint = dsp.endpoint
    assert isinstance(endpoint, SshEndpoint)
    _trust(endpoint, known_hosts)
    return await asyncssh.connect(
        endpoint.host, endpoint.port, username="admin", password=password, known_hosts=str(known_hosts)
    )


async def test_ttp_over_ssh(ssh_unit: Tesira, tmp_path: Path) -> None:
    async with await _login(ssh_unit, tmp_path / "known_hosts") as conn:
        writer, reader, _ = await conn.open_session(encoding=None)
        async with asyncio.timeout(3):
            assert await reader.readuntil(b"\n") == WELCOME  # no telnet options over SSH
            writer.write(b"Level1 set level 2 -12\n")
            assert await reader.readuntil(b"\n") == b"+OK\r\n"
            writer.write(b"SESSION get aliases\n")
            assert await reader.readuntil(b"\n") == b'+OK "list":["Level1"]\r\n'
        assert ssh_unit.level("Level1", 2) == -12
    with pytest.raises(asyncssh.PermissionDenied):
        await _login(ssh_unit, tmp_path / "known_hosts", password="wrong")


async def test_unplug_drops_ssh_sessions_and_replug_serves_again(ssh_unit: Tesira, tmp_path: Path) -> None:
    conn = await _login(ssh_unit, tmp_path / "known_hosts")
    try:
        _, reader, _ = await conn.open_session(encoding=None)
        async with asyncio.timeout(3):
            await reader.readuntil(b"\n")
            ssh_unit.unplug()
            assert await reader.read() == b""
    finally:
        conn.close()
    ssh_unit.replug()
    async with await _login(ssh_unit, tmp_path / "known_hosts") as again:
        _, reader, _ = await again.open_session(encoding=None)
        async with asyncio.timeout(3):
            assert await reader.readuntil(b"\n") == WELCOME


async def test_room_serves_ssh_with_the_credentials_file(tmp_path: Path) -> None:
    secret = tmp_path / "tesira-login.yaml"
    secret.write_text("username: courtroom\npassword: hunter2\n")
    config = {
        "devices": [
            {
                "id": "dsp",
                "kind": "audio_processor",
                "profile": "biamp/tesira-forte-ai",
                "transport": {"port": "ssh://192.0.2.30:22"},
                "options": {"credentials_file": str(secret)},
            }
        ]
    }
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    async with SimulatedRoom(path, tmp_path / "run") as room:
        dsp = room.device("dsp")
        assert isinstance(dsp, Tesira) and isinstance(dsp.endpoint, SshEndpoint)
        assert room.endpoints["dsp"] == dsp.endpoint.url and dsp.endpoint.url.startswith("ssh://127.0.0.1:")
        assert dsp.endpoint.users == {"courtroom": "hunter2"}
        assert dsp.blocks["Level1"].labels[0]  # labels are the profile's point names


def test_a_telnet_unit_is_still_a_tcp_endpoint() -> None:
    assert isinstance(Tesira(TcpEndpoint(), {}).endpoint, TcpEndpoint)
