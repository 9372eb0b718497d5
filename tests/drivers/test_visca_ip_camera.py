"""ViscaIpCamera against the simulated VISCA-over-IP camera, and raw VISCA over TCP through the serial family.

Both sides read a temporary copy of firmware_profiles/ with short timeouts and heads five times faster. The
devices are built by DeviceFactory from a room config, as the daemon builds them, once the simulator knows the family.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim.visca.ip
from drivers.errors import ConfigError, DeviceTimeout, TransportLost
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.visca.camera import ViscaCamera
from drivers.visca_ip import header
from drivers.visca_ip.camera import ViscaIpCamera
from drivers.visca_ip.link import ViscaIpLink, parse_udp_url
from sim.room import SimulatedRoom
from sim.visca.handle import SimCamera
from sim.visca.ip import ViscaIpCameraSim
from tests.conftest import REPO

TIMING = {"inter_frame_gap_ms": 0, "ack_timeout_ms": 300, "completion_timeout_ms": 3000, "inquiry_timeout_ms": 300}
DEVICES: list[dict[str, Any]] = [
    {"id": "cam-ip", "kind": "camera", "profile": "sony/srg-300h", "transport": {"port": "udp://10.0.0.21:52381"}},
    {
        "id": "cam-tcp",
        "kind": "camera",
        "profile": "generic/visca-ptz-20x",
        "address": 1,
        "transport": {"port": "socket://10.0.0.22:5678"},
    },
]


def _edit_yaml(path: Path, edit: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def make_profiles(root: Path) -> Path:
    shutil.copytree(REPO / "firmware_profiles", root)
    for family in ("visca", "visca_ip"):
        _edit_yaml(root / "protocols" / f"{family}.yaml", lambda d: d["timing"].update(TIMING))
    for path in (root / "models").glob("*/*.yaml"):
        _edit_yaml(path, lambda d: "motion" in d and d.update(motion={k: v * 5 for k, v in d["motion"].items()}))
    return root


@dataclass
class Room:
    sim: SimulatedRoom
    factory: DeviceFactory
    ip: ViscaIpCamera
    ip_sim: ViscaIpCameraSim
    tcp: ViscaCamera
    tcp_sim: SimCamera

    @property
    def link(self) -> ViscaIpLink:
        return self.ip.link


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    sim.visca.ip.register()
    profiles = make_profiles(tmp_path / "profiles")
    config = tmp_path / "room.yaml"
    config.write_text(yaml.safe_dump({"devices": DEVICES}), encoding="utf-8")
    simulated = SimulatedRoom(config, tmp_path / "run", profiles_dir=profiles)
    await simulated.start()
    factory = DeviceFactory(ProfileLibrary(profiles))
    urls = simulated.endpoints
    ip = factory.build("cam-ip", "sony/srg-300h", urls["cam-ip"])
    tcp = factory.build("cam-tcp", "generic/visca-ptz-20x", urls["cam-tcp"], 1)
    assert isinstance(ip, ViscaIpCamera) and isinstance(tcp, ViscaCamera)
    ip_sim = simulated.device("cam-ip")
    assert isinstance(ip_sim, ViscaIpCameraSim)
    try:
        await ip.connect()
        yield Room(simulated, factory, ip, ip_sim, tcp, simulated.camera("cam-tcp"))
    finally:
        await ip.close()
        await tcp.close()
        await factory.close()
        await simulated.stop()


async def test_connect_resets_numbering_and_reads_state(room: Room) -> None:
    first = room.ip_sim.received()[0]
    assert first == header.reset(0)
    assert header.decode(room.ip_sim.received()[1]).sequence == 1
    assert room.ip.info.firmware == "0x0100"
    assert room.ip.info.extra["transport"] == "visca-ip"
    assert room.ip.snapshot() == {"power": True, "zoom": 0, "pan": 0, "tilt": 0, "moving": False, "preset": None}


async def test_power(room: Room) -> None:
    await room.ip.power(False)
    assert room.ip_sim.power is False
    assert room.ip.state.power is False
    await room.ip.power(True)
    assert room.ip_sim.power is True
    assert room.ip.state.power is True


async def test_absolute_move_and_inquiries(room: Room) -> None:
    await room.ip.pan_tilt_to(0x0990, -0x01B0)
    assert (room.ip_sim.pan, room.ip_sim.tilt) == (0x0990, -0x01B0)
    await room.ip.zoom_to(0x4000)
    await room.ip.settle()
    assert room.ip.snapshot()["pan"] == 0x0990 and room.ip.snapshot()["tilt"] == -0x01B0
    assert room.ip.state.zoom == 0x4000
    room.ip_sim.set_position(pan=-0x0100, tilt=0x0200, zoom=0x1000)
    await room.ip.poll()
    assert (room.ip.state.pan, room.ip.state.tilt, room.ip.state.zoom) == (-0x0100, 0x0200, 0x1000)


async def test_preset_set_and_recall(room: Room) -> None:
    room.ip_sim.set_position(pan=0x0300, tilt=0x0100, zoom=0x2000)
    await room.ip.store_preset(2)
    assert room.ip_sim.presets[2] == (0x0300, 0x0100, 0x2000)
    room.ip_sim.set_position(pan=-0x0500, tilt=0, zoom=0)
    await room.ip.recall_preset(2)
    await room.ip.settle()
    assert (room.ip_sim.pan, room.ip_sim.tilt, room.ip_sim.zoom) == (0x0300, 0x0100, 0x2000)
    assert room.ip.state.preset == 2
    assert (room.ip.state.pan, room.ip.state.zoom) == (0x0300, 0x2000)


async def test_a_dropped_request_is_retransmitted(room: Room) -> None:
    before = len(room.ip_sim.received())
    room.ip_sim.drop_next()
    await room.ip.power(False)
    assert room.ip_sim.power is False
    assert room.link.retransmitted == 1
    sent = room.ip_sim.received()[before:]
    assert sent[0] == sent[1], "the retransmit carries the same number"


async def test_a_dropped_reply_is_replayed_not_rerun(room: Room) -> None:
    room.ip_sim.set_position(pan=0x0100)
    room.ip_sim.drop_next_reply(2)  # the ACK and the Completion of "store preset 1"
    await room.ip.store_preset(1)
    assert room.link.retransmitted == 1
    assert room.ip_sim.presets[1][0] == 0x0100


async def test_a_garbled_reply_is_discarded_and_retransmitted(room: Room) -> None:
    room.ip_sim.garble()
    await room.ip.poll()
    assert room.link.retransmitted == 1
    assert room.ip.state.power is True


async def test_sequence_error_resets_and_succeeds(room: Room) -> None:
    resets = room.link.resets
    room.ip_sim.skew_sequence()
    await room.ip.power(False)
    assert room.ip_sim.power is False
    assert room.link.resets == resets + 1
    assert room.ip_sim.received()[-2] == header.reset(0)
    assert header.decode(room.ip_sim.received()[-1]).sequence == 1


async def test_silent_camera_times_out(room: Room) -> None:
    room.ip_sim.fall_silent()
    with pytest.raises(DeviceTimeout, match="no answer within 300 ms"):
        await room.ip.poll()
    with pytest.raises(DeviceTimeout, match="no ACK"):
        await room.ip.power(False)
    room.ip_sim.resume()
    await room.ip.poll()
    assert room.ip.state.power is False, "a silent camera still obeys"


async def test_unplugged_camera_is_transport_lost_until_replugged(room: Room) -> None:
    room.ip_sim.unplug()
    with pytest.raises(TransportLost, match="refuses datagrams"):
        await room.ip.poll()
    room.ip_sim.replug()
    await room.ip.poll()
    assert room.ip.state.power is True


async def test_raw_visca_over_tcp_is_the_serial_family_on_a_socket_url(room: Room) -> None:
    assert room.sim.endpoints["cam-tcp"].startswith("socket://127.0.0.1:")
    await room.tcp.connect()
    await room.tcp.pan_tilt_to(0x0990, -0x01B0)
    assert (room.tcp_sim.pan, room.tcp_sim.tilt) == (0x0990, -0x01B0)
    await room.tcp.power(False)
    assert room.tcp_sim.power is False


async def test_factory_refuses_other_addresses_and_bad_urls(room: Room) -> None:
    with pytest.raises(ConfigError, match="address 1"):
        room.factory.build("cam-x", "sony/srg-300h", "udp://10.0.0.30:52381", 2)
    with pytest.raises(ConfigError, match="udp://host:port"):
        room.factory.build("cam-y", "sony/srg-300h", "socket://10.0.0.31:52381")
    assert parse_udp_url("udp://cam.local") == ("cam.local", 52381)


async def test_inquiries_go_while_a_move_waits_for_its_completion(room: Room) -> None:
    move = asyncio.create_task(room.ip.pan_tilt_to(-0x0990, 0x0500))
    try:
        await asyncio.sleep(0.05)  # the full move takes about 0.2 s
        await room.ip.poll()
        assert room.ip.state.moving
        assert room.ip.state.pan is not None and -0x0990 < room.ip.state.pan < 0
    finally:
        await move
    await room.ip.settle()
    assert (room.ip.state.pan, room.ip.state.tilt, room.ip.state.moving) == (-0x0990, 0x0500, False)


async def test_replies_are_routed_as_they_arrive_without_a_reader_task(room: Room) -> None:
    assert room.link.is_open
    readers = [t for t in asyncio.all_tasks() if (t.get_name() or "").startswith("reader udp://")]
    assert readers == []  # the socket hands each datagram to the link: no task woken per reply
    await room.ip.poll()
    assert room.ip.state.power is True
    await room.ip.close()
    assert not room.link.is_open and room.link.udp._receiver is None
    await room.ip.connect()  # reopened: routed again
    await room.ip.poll()
