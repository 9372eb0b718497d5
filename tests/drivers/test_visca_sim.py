"""The VISCA driver against the independent simulator (sim.room.SimulatedRoom) on one simulated RS-485 line.

Both sides read the same profiles from a temporary copy of firmware_profiles/ with shorter timeouts, heads
five times faster than the shipped motion rates, and an extra model whose simulated ROM is a v1.x firmware.
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

from drivers.errors import DeviceTimeout, NotExecutable, TransportLost
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.visca.camera import ViscaCamera
from sim.room import SimulatedRoom
from tests.conftest import REPO

PORT = "/dev/courtroom/rs485-cameras"
ROLES = {
    "cam-judge": ("sony/evi-d70", 1),
    "cam-plaintiff": ("generic/visca-ptz-20x", 2),
    "cam-witness": ("sony/evi-d70-v1", 3),
}


def _edit_yaml(path: Path, edit: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def make_profiles(root: Path) -> Path:
    shutil.copytree(REPO / "firmware_profiles", root)
    timing = {"inter_frame_gap_ms": 1, "ack_timeout_ms": 200, "completion_timeout_ms": 3000, "inquiry_timeout_ms": 200}
    _edit_yaml(root / "protocols" / "visca.yaml", lambda d: d["timing"].update(timing))
    for path in (root / "models").glob("*/*.yaml"):
        _edit_yaml(path, lambda d: "motion" in d and d.update(motion={k: v * 5 for k, v in d["motion"].items()}))
    shutil.copy(root / "models" / "sony" / "evi-d70.yaml", root / "models" / "sony" / "evi-d70-v1.yaml")
    _edit_yaml(root / "models" / "sony" / "evi-d70-v1.yaml", lambda d: d.update(simulate={"rom": 0x0150}))
    return root


@dataclass
class Room:
    sim: SimulatedRoom
    cams: dict[str, ViscaCamera]
    factory: DeviceFactory


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    profiles = make_profiles(tmp_path / "profiles")
    devices = [
        {"id": i, "kind": "camera", "profile": p, "transport": {"port": PORT}, "address": a}
        for i, (p, a) in ROLES.items()
    ]
    config = tmp_path / "room.yaml"
    config.write_text(yaml.safe_dump({"room": {"id": "t-sim"}, "devices": devices}), encoding="utf-8")
    factory = DeviceFactory(ProfileLibrary(profiles))
    async with SimulatedRoom(config, tmp_path / "run", profiles_dir=profiles) as sim:
        cams = {}
        for device_id, (profile, address) in ROLES.items():
            cam = factory.build(device_id, profile, sim.endpoints[device_id], address)
            assert isinstance(cam, ViscaCamera)
            cams[device_id] = cam
        try:
            yield Room(sim, cams, factory)
        finally:
            for cam in cams.values():
                await cam.close()


def state_of(room: Room, device_id: str) -> dict[str, object]:
    sim = room.sim.camera(device_id)
    return {"power": sim.power, "zoom": sim.zoom, "pan": sim.pan, "tilt": sim.tilt}


async def test_cameras_identify_their_firmware_and_read_state(room: Room) -> None:
    room.sim.camera("cam-plaintiff").set_position(pan=-0x01B0, tilt=0x0100, zoom=0x1000)
    await asyncio.gather(*(cam.connect() for cam in room.cams.values()))
    judge, plaintiff, witness = room.cams.values()
    assert (judge.info.firmware, judge.info.firmware_label) == ("0x0210", "v2.x and later")
    assert (plaintiff.info.firmware, plaintiff.info.firmware_label) == ("0x0101", "all")
    assert (witness.info.firmware, witness.info.firmware_label) == ("0x0150", "v1.x")
    assert [c.quirks.preset_recall_no_completion for c in (judge, plaintiff, witness)] == [False, False, True]
    assert all("identity_mismatch" not in c.info.extra for c in room.cams.values())
    assert judge.line is plaintiff.line is witness.line
    assert judge.line.camera_count == 3
    for device_id, cam in room.cams.items():
        assert {k: cam.snapshot()[k] for k in ("power", "zoom", "pan", "tilt")} == state_of(room, device_id)


async def test_a_move_runs_while_other_cameras_answer(room: Room) -> None:
    judge, plaintiff = room.cams["cam-judge"], room.cams["cam-plaintiff"]
    await judge.connect()
    await plaintiff.connect()
    move = asyncio.create_task(judge.pan_tilt_to(0x0800, 0x0200))
    await asyncio.sleep(0.02)
    assert judge.state.moving
    room.sim.camera("cam-plaintiff").set_position(pan=0x0123)
    await plaintiff.poll()  # answered at once although the judge's camera still moves
    assert plaintiff.state.pan == 0x0123
    assert not move.done()
    await move
    assert not judge.state.moving
    await judge.settle()
    head = room.sim.camera("cam-judge")
    assert (judge.state.pan, judge.state.tilt) == (0x0800, 0x0200) == (head.pan, head.tilt)


async def test_preset_recall_waits_for_completion_on_v2_and_ack_on_v1(room: Room) -> None:
    judge, witness = room.cams["cam-judge"], room.cams["cam-witness"]
    await judge.connect()
    await witness.connect()
    for device_id, cam in (("cam-judge", judge), ("cam-witness", witness)):
        room.sim.camera(device_id).set_position(pan=0x0700, tilt=0x0300, zoom=0x3000)
        await cam.store_preset(4)
        room.sim.camera(device_id).set_position(pan=-0x0700, tilt=-0x0100, zoom=0)
        await cam.recall_preset(4)
        assert cam.state.preset == 4
    assert not room.sim.camera("cam-judge").moving
    await judge.settle()
    assert (judge.state.pan, judge.state.zoom) == (0x0700, 0x3000)
    assert room.sim.camera("cam-witness").moving  # v1.x never completes a recall: the driver went on at the ACK


async def test_standby_camera_refuses_moves(room: Room) -> None:
    judge = room.cams["cam-judge"]
    await judge.connect()
    await judge.power(False)
    assert room.sim.camera("cam-judge").power is False
    with pytest.raises(NotExecutable) as caught:
        await judge.home()
    assert caught.value.device_code == 0x41
    await judge.power(True)
    await judge.home()
    assert (judge.state.pan, judge.state.tilt) == (0, 0)


async def test_silent_and_garbled_replies_time_out_and_recover(room: Room) -> None:
    judge, plaintiff = room.cams["cam-judge"], room.cams["cam-plaintiff"]
    await judge.connect()
    await plaintiff.connect()
    room.sim.camera("cam-plaintiff").fall_silent()
    with pytest.raises(DeviceTimeout, match="camera 2 sent no answer"):
        await plaintiff.poll()
    await judge.poll()  # its neighbour on the line is unaffected
    room.sim.camera("cam-plaintiff").resume()
    room.sim.camera("cam-plaintiff").garble()
    with pytest.raises(DeviceTimeout):
        await plaintiff.poll()
    await plaintiff.poll()
    assert plaintiff.state.power is True


async def test_pulled_line_raises_transport_lost_then_reopens(room: Room) -> None:
    judge, witness = room.cams["cam-judge"], room.cams["cam-witness"]
    await judge.connect()
    await witness.connect()
    bus = room.sim.bus_for("cam-judge")
    bus.unplug()
    with pytest.raises(TransportLost):
        await judge.poll()
    with pytest.raises(TransportLost, match="cannot open"):
        await witness.poll()
    bus.replug()
    address_set = bus.expect_frame(lambda data: data == bytes.fromhex("88 30 01 FF"))
    await witness.poll()
    await judge.poll()
    await asyncio.wait_for(address_set, 1)
    assert judge.line.is_open


async def test_network_change_reruns_address_set(room: Room) -> None:
    judge = room.cams["cam-judge"]
    heard: list[int] = []
    judge.line.add_listener(heard.append)
    await judge.connect()
    bus = room.sim.bus_for("cam-judge")
    address_set = bus.expect_frame(lambda data: data == bytes.fromhex("88 30 01 FF"))
    room.sim.camera("cam-witness").send_network_change()
    await asyncio.wait_for(address_set, 1)
    assert heard == [3]
    await judge.poll()
