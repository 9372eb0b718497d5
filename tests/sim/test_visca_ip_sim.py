"""The simulated VISCA-over-IP camera against a plain UDP client that knows only protocols.md section 1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest
import yaml

from sim.camera_profile import CameraProfile
from sim.errors import SimConfigError
from sim.room import SimulatedRoom
from sim.visca import ip as visca_ip
from sim.visca.camera import ViscaCamera
from sim.visca.ip import ViscaIpCameraSim


def hx(text: str) -> bytes:
    """Bytes from protocols.md notation."""
    return bytes.fromhex(text)


def show(data: bytes) -> str:
    return data.hex(" ").upper()


class UdpClient(asyncio.DatagramProtocol):
    """A third-party style client: sends datagrams, queues what comes back."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.errors: list[Exception] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.inbox.put_nowait(data)

    def error_received(self, exc: Exception) -> None:
        self.errors.append(exc)

    def send(self, text: str) -> None:
        assert self.transport is not None
        self.transport.sendto(hx(text))

    async def receive(self, count: int = 1, timeout: float = 1.0) -> list[str]:
        async with asyncio.timeout(timeout):
            return [show(await self.inbox.get()) for _ in range(count)]

    async def ask(self, text: str, count: int = 1) -> list[str]:
        self.send(text)
        return await self.receive(count)

    async def silence(self, seconds: float = 0.15) -> list[str]:
        await asyncio.sleep(seconds)
        out = []
        while not self.inbox.empty():
            out.append(show(self.inbox.get_nowait()))
        return out


@pytest.fixture
def generic() -> CameraProfile:
    return CameraProfile.load("generic/visca-ptz-20x")


@pytest.fixture
async def cam(generic: CameraProfile) -> AsyncIterator[ViscaIpCameraSim]:
    sim = ViscaIpCameraSim(ViscaCamera(generic, 1))
    sim.open()
    yield sim
    sim.close()


@pytest.fixture
async def client(cam: ViscaIpCameraSim) -> AsyncIterator[UdpClient]:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(UdpClient, remote_addr=("127.0.0.1", cam.endpoint.port))
    yield proto
    transport.close()


async def test_url_names_the_udp_port(cam: ViscaIpCameraSim) -> None:
    assert cam.url == f"udp://127.0.0.1:{cam.endpoint.port}"
    assert cam.endpoint.port != 0


async def test_worked_power_on(client: UdpClient) -> None:
    assert await client.ask("01 00 00 06 00 00 00 01 81 01 04 00 02 FF", 2) == [
        "01 11 00 03 00 00 00 01 90 41 FF",
        "01 11 00 03 00 00 00 01 90 51 FF",
    ]


async def test_worked_power_inquiry(client: UdpClient) -> None:
    client.send("01 00 00 06 00 00 00 01 81 01 04 00 02 FF")
    await client.receive(2)
    assert await client.ask("01 10 00 05 00 00 00 02 81 09 04 00 FF") == ["01 11 00 04 00 00 00 02 90 50 02 FF"]


async def test_worked_reset(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    assert await client.ask("02 00 00 01 00 00 00 00 01") == ["02 01 00 01 00 00 00 00 01"]
    assert cam.last_sequence is None  # RESET forgets the count
    assert await client.ask("01 10 00 05 00 00 00 01 81 09 04 00 FF") == ["01 11 00 04 00 00 00 01 90 50 02 FF"]


async def test_the_first_number_after_reset_starts_the_count(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    """Sony: RESET sets the number to 0 and ignores the number it carried. A strict camera takes whatever the
    controller numbers next (1 from this project's driver, 2 from a client that counts the RESET), then +1."""
    assert await client.ask("02 00 00 01 00 00 00 01 01") == ["02 01 00 01 00 00 00 01 01"]  # RESET numbered 1
    assert await client.ask("01 10 00 05 00 00 00 02 81 09 04 00 FF") == ["01 11 00 04 00 00 00 02 90 50 02 FF"]
    assert await client.ask("01 10 00 05 00 00 00 03 81 09 04 00 FF") == ["01 11 00 04 00 00 00 03 90 50 02 FF"]
    assert await client.ask("01 10 00 05 00 00 00 09 81 09 04 00 FF") == ["02 01 00 02 00 00 00 09 0F 01"]
    assert cam.last_sequence == 3


async def test_strict_camera_refuses_a_wrong_number(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    await client.ask("02 00 00 01 00 00 00 00 01")
    assert await client.ask("01 10 00 05 00 00 00 01 81 09 04 00 FF") == ["01 11 00 04 00 00 00 01 90 50 02 FF"]
    assert await client.ask("01 00 00 06 00 00 00 05 81 01 04 00 03 FF") == ["02 01 00 02 00 00 00 05 0F 01"]
    assert cam.power, "a refused command is not run"
    cam.strict = False
    assert await client.ask("01 00 00 06 00 00 00 05 81 01 04 00 03 FF", 2) == [
        "01 11 00 03 00 00 00 05 90 41 FF",
        "01 11 00 03 00 00 00 05 90 51 FF",
    ]
    assert not cam.power


async def test_skewed_sequence_then_reset(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    await client.ask("02 00 00 01 00 00 00 00 01")
    cam.skew_sequence()
    assert await client.ask("01 10 00 05 00 00 00 01 81 09 04 00 FF") == ["02 01 00 02 00 00 00 01 0F 01"]
    await client.ask("02 00 00 01 00 00 00 00 01")
    assert await client.ask("01 10 00 05 00 00 00 01 81 09 04 00 FF") == ["01 11 00 04 00 00 00 01 90 50 02 FF"]


async def test_retransmit_replays_replies_without_running_twice(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    await client.ask("02 00 00 01 00 00 00 00 01")
    cam.drop_next_reply(2)
    client.send("01 00 00 07 00 00 00 01 81 01 04 3F 01 03 FF")  # preset set 3: ACK + Completion, both lost
    assert await client.silence() == []
    assert 3 in cam.presets
    cam.set_position(pan=100)
    assert await client.ask("01 00 00 07 00 00 00 01 81 01 04 3F 01 03 FF", 2) == [
        "01 11 00 03 00 00 00 01 90 41 FF",
        "01 11 00 03 00 00 00 01 90 51 FF",
    ]
    assert cam.presets[3][0] == 0, "the repeated number was not stored again at the new position"


async def test_dropped_request_gets_no_reply(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    cam.drop_next()
    client.send("01 10 00 05 00 00 00 01 81 09 04 00 FF")
    assert await client.silence() == []
    assert await client.ask("01 10 00 05 00 00 00 01 81 09 04 00 FF") == ["01 11 00 04 00 00 00 01 90 50 02 FF"]


async def test_garbled_reply(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    cam.garble()
    assert await client.ask("01 10 00 05 00 00 00 01 81 09 04 00 FF") == ["EE EE 00 04 00 00 00 01 90 50 02 FF"]


async def test_completion_carries_the_number_of_its_command(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    await client.ask("02 00 00 01 00 00 00 00 01")
    client.send("01 00 00 0F 00 00 00 01 81 01 06 02 18 14 00 00 01 00 00 00 01 00 FF")  # pan/tilt to 0x10, 0x10
    assert await client.receive() == ["01 11 00 03 00 00 00 01 90 41 FF"]
    assert await client.ask("01 10 00 05 00 00 00 02 81 09 04 00 FF") == ["01 11 00 04 00 00 00 02 90 50 02 FF"]
    assert await client.receive(timeout=2) == ["01 11 00 03 00 00 00 01 90 51 FF"]
    assert (cam.pan, cam.tilt) == (0x10, 0x10)


async def test_message_errors(client: UdpClient) -> None:
    assert await client.ask("01 20 00 02 00 00 00 01 81 FF") == ["02 01 00 02 00 00 00 01 0F 02"]
    assert await client.ask("02 00 00 01 00 00 00 03 02") == ["02 01 00 02 00 00 00 03 0F 02"]
    assert await client.ask("01 00 00 09 00 00 00 04 81 01 04 00 02 FF") == ["02 01 00 02 00 00 00 04 0F 02"]
    client.send("01 00 00")
    assert await client.silence() == []


async def test_silent_camera_obeys_but_says_nothing(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    cam.fall_silent()
    client.send("01 00 00 06 00 00 00 01 81 01 04 00 03 FF")
    assert await client.silence() == []
    assert not cam.power
    cam.resume()
    assert await client.ask("01 10 00 05 00 00 00 02 81 09 04 00 FF") == ["01 11 00 04 00 00 00 02 90 50 03 FF"]


async def test_unplug_refuses_and_replug_keeps_the_port(client: UdpClient, cam: ViscaIpCameraSim) -> None:
    port = cam.endpoint.port
    cam.unplug()
    client.send("01 10 00 05 00 00 00 01 81 09 04 00 FF")
    assert await client.silence() == []
    assert any(isinstance(exc, ConnectionRefusedError) for exc in client.errors)
    cam.replug()
    assert cam.endpoint.port == port
    assert cam.last_sequence is None, "a replugged camera takes any number first"
    assert await client.ask("01 10 00 05 00 00 00 09 81 09 04 00 FF") == ["01 11 00 04 00 00 00 09 90 50 02 FF"]


# -- the room --------------------------------------------------------------------------------------------------
def write_room(tmp_path: Path, port: str = "udp://10.0.0.21:52381") -> Path:
    config = {
        "devices": [
            {"id": "cam-bench", "kind": "camera", "profile": "sony/srg-300h", "transport": {"port": port}},
        ]
    }
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def test_room_serves_a_udp_camera_and_rewrites_its_port(tmp_path: Path) -> None:
    visca_ip.register()
    room = SimulatedRoom(write_room(tmp_path), tmp_path / "run")
    async with room:
        sim = room.device("cam-bench")
        assert isinstance(sim, ViscaIpCameraSim)
        url = room.endpoints["cam-bench"]
        assert url == sim.url and url.startswith("udp://127.0.0.1:")
        room.write_config(tmp_path / "sim-room.yaml")
        written = yaml.safe_load((tmp_path / "sim-room.yaml").read_text(encoding="utf-8"))
        assert written["devices"][0]["transport"]["port"] == url
        loop = asyncio.get_running_loop()
        transport, client = await loop.create_datagram_endpoint(
            UdpClient, remote_addr=("127.0.0.1", int(url.rsplit(":", 1)[1]))
        )
        try:
            assert await client.ask("02 00 00 01 00 00 00 00 01") == ["02 01 00 01 00 00 00 00 01"]
        finally:
            transport.close()


async def test_a_visca_ip_camera_on_a_serial_port_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(SimConfigError, match="udp://HOST:PORT"):
        SimulatedRoom(write_room(tmp_path, port="/dev/ttyUSB0"), tmp_path / "run")
