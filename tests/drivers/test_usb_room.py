"""A controller Room with USB devices on the simulated bus, in one process: availability follows unplug and
replug, a preset recall moves the simulated camera, the foot switch's presses reach the room's event hooks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import yaml

from controller.config import RoomConfig
from controller.events import DeviceEventRaised
from controller.mqtt.contract import DeviceEvent
from controller.room import Room
from controller.supervisor import Backoff
from drivers.profiles import ProfileLibrary
from drivers.usb import backend as usb_backend
from sim import room as sim_room
from sim.usb import backend as sim_usb
from sim.usb.hid import FakeHidButton, FakeHidLight
from sim.usb.uvc import FakeUvcCamera

ROOM = """
room: {id: usb-room}
devices:
  - id: cam
    kind: camera
    profile: logitech/ptz-pro-2
    transport: {port: "usb:046d:085f:CAM1"}
    options: {state_dir: STATE}
  - {id: light, kind: indicator, profile: generic/hid-status-light, transport: {port: "usb:16c0:05df"}}
  - {id: pedal, kind: button, profile: generic/usb-foot-switch, transport: {port: "usb:0c45:7403"}}
"""


@pytest.fixture
async def rooms(tmp_path: Path) -> AsyncIterator[tuple[sim_room.SimulatedRoom, Room]]:
    """The simulated room (devices on sim.usb.backend.BUS) and a controller Room using that bus as its backend."""
    text = ROOM.replace("STATE", str(tmp_path / "presets"))
    (tmp_path / "room.yaml").write_text(text)
    config = RoomConfig.model_validate({**yaml.safe_load(text), "state_dir": str(tmp_path / "state")})
    usb_backend.set_backend(sim_usb.BUS)
    simulated = sim_room.SimulatedRoom(tmp_path / "room.yaml", tmp_path / "run")
    await simulated.start()
    room = Room(config, ProfileLibrary(), backoff=Backoff(first_s=0.05, max_s=0.2))
    try:
        yield simulated, room
    finally:
        await room.stop()
        await simulated.stop()
        usb_backend.set_backend(None)


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - room state is plain data, polled
            await asyncio.sleep(0.02)


async def test_unplug_marks_offline_and_replug_brings_it_back(rooms: tuple[sim_room.SimulatedRoom, Room]) -> None:
    simulated, room = rooms
    room.start()
    await until(lambda: not room.offline_devices())
    cam = simulated.device("cam")
    assert isinstance(cam, FakeUvcCamera)
    cam.unplug()
    await until(lambda: room.availability("cam").state == "offline")
    assert "unplugged" in (room.availability("cam").reason or "") or "gone" in (room.availability("cam").reason or "")
    assert room.availability("light").state == "online"
    with pytest.raises(Exception, match="offline"):
        await room.execute("cam", "zoom_to", {"position": 300})
    cam.replug()
    await until(lambda: room.availability("cam").state == "online")
    await room.execute("cam", "zoom_to", {"position": 300})
    cam.settle()  # the PTZ Pro 2 profile's motion: the simulated camera takes its time
    assert cam.zoom == 300


async def test_preset_recall_moves_the_fake_camera(rooms: tuple[sim_room.SimulatedRoom, Room]) -> None:
    simulated, room = rooms
    room.start()
    await until(lambda: not room.offline_devices())
    cam = simulated.device("cam")
    assert isinstance(cam, FakeUvcCamera)
    await room.execute("cam", "pan_tilt_to", {"pan": 90000, "tilt": -36000})
    await room.execute("cam", "zoom_to", {"position": 640})
    cam.settle()
    await room.execute("cam", "preset_set", {"preset": 4})
    await room.execute("cam", "home", {})
    cam.settle()
    assert (cam.pan, cam.tilt, cam.zoom) == (0, 0, 100)
    await room.execute("cam", "preset_recall", {"preset": 4})
    cam.settle()
    assert (cam.pan, cam.tilt, cam.zoom) == (90000, -36000, 640)
    await until(lambda: getattr(room.state("cam"), "preset", None) == 4)


async def test_light_and_foot_switch_through_the_room(rooms: tuple[sim_room.SimulatedRoom, Room]) -> None:
    simulated, room = rooms
    events: list[tuple[str, DeviceEvent]] = []
    room.bus.subscribe("test", DeviceEventRaised, lambda e: events.append((e.device_id, e.event)))
    room.start()
    await until(lambda: not room.offline_devices())
    light, pedal = simulated.device("light"), simulated.device("pedal")
    assert isinstance(light, FakeHidLight) and isinstance(pedal, FakeHidButton)
    await room.execute("light", "set", {"on": True, "color": "red"})
    assert light.color == "red"
    await until(
        lambda: (
            getattr(room.state("light"), "on", None) is True and getattr(room.state("light"), "color", None) == "red"
        )
    )
    pedal.tap()
    await until(lambda: len(events) == 2)
    assert [(d, e.event, e.data) for d, e in events] == [
        ("pedal", "pressed", {"presses": 1}),
        ("pedal", "released", {"presses": 1}),
    ]
    await until(lambda: getattr(room.state("pedal"), "presses", None) == 1)
