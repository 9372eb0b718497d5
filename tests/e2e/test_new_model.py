"""A camera model that speaks a known family is one YAML file and no code: proven with a model made here."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import yaml

from controller.config import load_config, load_profiles
from controller.events import AvailabilityChanged
from controller.room import Room
from drivers.errors import InvalidArgument
from sim.room import SimulatedRoom
from tests.conftest import REPO

NEW_MODEL = """\
schema: 1
vendor: Acme
model: CourtCam 12
device_class: camera
protocol: visca
identity: {vendor_id: 0x0777, model_id: 0x0C0C}
capabilities: [power, zoom, zoom_direct, pan_tilt, pan_tilt_absolute, home, presets]
ranges:
  zoom: {min: 0, max: 0x3000}
  pan: {min: -0x0500, max: 0x0500}
  tilt: {min: -0x0100, max: 0x0300}
  pan_speed: {min: 1, max: 0x10}
  tilt_speed: {min: 1, max: 0x10}
  zoom_speed: {min: 0, max: 7}
presets: 10
motion: {pan_units_per_s: 4000, tilt_units_per_s: 4000, zoom_units_per_s: 20000}
firmware:
  - rom: {min: 0x0000, max: 0xFFFF}
    label: "1.x"
    presets: 12
simulate: {rom: 0x0105}
"""


async def test_a_model_added_as_one_yaml_file_is_driven_end_to_end(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", profiles)
    (profiles / "models" / "acme").mkdir()
    (profiles / "models" / "acme" / "courtcam-12.yaml").write_text(NEW_MODEL)
    room_file = tmp_path / "room.yaml"
    room_file.write_text(
        yaml.safe_dump(
            {
                "room": {"id": "t-new-model"},
                "state_dir": str(tmp_path / "state"),
                "profiles_dir": str(profiles),
                "devices": [
                    {
                        "id": "cam-acme",
                        "kind": "camera",
                        "profile": "acme/courtcam-12",
                        "transport": {"port": "/dev/courtroom/acme"},
                        "address": 1,
                    },
                ],
            }
        )
    )
    async with SimulatedRoom(room_file, tmp_path / "sim", profiles_dir=profiles) as sim:
        sim.write_config(tmp_path / "sim-room.yaml")
        config = load_config(tmp_path / "sim-room.yaml")
        room = Room(config, load_profiles(config))
        online = asyncio.Event()
        room.bus.subscribe(
            "test", AvailabilityChanged, lambda e: online.set() if e.availability.state == "online" else None
        )
        room.start()
        try:
            supervisor = room.supervisors["cam-acme"]
            await asyncio.wait_for(online.wait(), 10)
            info = supervisor.device.info
            assert (info.vendor, info.model, info.firmware, info.firmware_label) == (
                "Acme",
                "CourtCam 12",
                "0x0105",
                "1.x",
            )
            await room.execute("cam-acme", "pan_tilt_to", {"pan": 0x0400, "tilt": 0x0200})
            await room.execute("cam-acme", "preset_set", {"preset": 11})  # the firmware entry allows 12
            await room.execute("cam-acme", "home", {})
            await room.execute("cam-acme", "preset_recall", {"preset": 11})
            head = sim.camera("cam-acme")
            assert (head.pan, head.tilt) == (0x0400, 0x0200)
            with pytest.raises(InvalidArgument, match=r"pan: 1536 is outside -1280\.\.1280"):
                await room.execute("cam-acme", "pan_tilt_to", {"pan": 0x0600, "tilt": 0})
            with pytest.raises(InvalidArgument, match=r"preset: 12 is outside 0\.\.11"):
                await room.execute("cam-acme", "preset_recall", {"preset": 12})
        finally:
            await room.stop()
