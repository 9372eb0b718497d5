"""The Tesira driver against the simulated DSP: room points, pushes, resubscription, refusals, options."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from drivers.errors import ConfigError, DeviceNak, InvalidArgument
from drivers.factory import DeviceFactory
from drivers.profiles import DEFAULT_PROFILE_DIR, ProfileLibrary
from drivers.tesira.device import TesiraDsp
from sim.tesira import Block, Tesira
from tests.functional.harness import Rig, rig

FORTE = "biamp/tesira-forte-ai"
SERVER = "biamp/tesiraserver-io"
GALLERY = {"points": {"gallery": {"tag": "GalleryLvl", "index": 3, "min_db": -60, "max_db": 0}}}


def parts(r: Rig) -> tuple[TesiraDsp, Tesira]:
    assert isinstance(r.device, TesiraDsp) and isinstance(r.handle, Tesira)
    return r.device, r.handle


async def test_room_points_are_added_and_driven(tmp_path: Path) -> None:
    async with rig(tmp_path, "audio_processor", FORTE, options=GALLERY) as r:
        dsp, sim = parts(r)
        assert "gallery" in dsp.points and "program" in dsp.points
        await dsp.set_level("gallery", -12.5)
        assert sim.level("GalleryLvl", 3) == -12.5
        assert dsp.state["gallery"].level_db == -12.5
        with pytest.raises(InvalidArgument, match="level_db"):
            await dsp.set_level("gallery", 3)  # above the room's max_db 0
        await dsp.set_mute("gallery", True)
        assert sim.muted("GalleryLvl", 3)


async def test_panel_changes_are_pushed_and_survive_a_reconnect(tmp_path: Path) -> None:
    async with rig(tmp_path, "audio_processor", FORTE) as r:
        dsp, sim = parts(r)
        assert sim.subscriptions == 2 * len({point.tag for point in dsp.points.values()})  # levels + mutes per block
        sim.press_mute("MicLevels", 2, True)
        await r.until(lambda: dsp.state["witness-mic"].mute is True, what="pushed mute")
        sim.unplug()
        await dsp.close()
        sim.replug()
        await r.recovers()
        sim.turn_knob("MicLevels", 1, -42)
        await r.until(lambda: dsp.state["judge-mic"].level_db == -42, what="pushed level after reconnect")


async def test_identity_aliases_and_block_attributes_are_read_at_connect(tmp_path: Path) -> None:
    async with rig(tmp_path, "audio_processor", FORTE, options=GALLERY) as r:
        dsp, sim = parts(r)
        assert dsp.info.firmware == "4.7.1.23292"
        assert dsp.info.extra["hostname"] == "TesiraForte01" and dsp.info.extra["serial_number"] == "03725678"
        assert dsp.info.extra["blocks"] == {"GalleryLvl": 12, "Level1": 12, "Master": 12, "MicLevels": 12}
        assert dsp.info.extra["labels"]["witness-mic"] == "witness-mic"
        assert dsp.info.extra["ranges"]["room-master"] == [-80.0, 0.0]  # the block's minLevel / maxLevel
        assert "SESSION get aliases" in sim.received and "MicLevels get numChannels" in sim.received
        sim.turn_knob("GalleryLvl", 3, -30)  # a whole-block push carries all twelve channels
        await r.until(lambda: dsp.state["gallery"].level_db == -30, what="block push")
        await dsp.close()
        del sim.blocks["GalleryLvl"]  # the design lost a block the room names
        with pytest.raises(ConfigError, match="no instance tag GalleryLvl \\(points gallery\\)"):
            await dsp.connect()


async def test_per_point_subscriptions_for_older_firmware(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(DEFAULT_PROFILE_DIR, profiles)
    protocol = profiles / "protocols" / "tesira.yaml"
    text = protocol.read_text()
    for key in ("identify", "discover", "block_subscriptions"):
        text = text.replace(f"  {key}: true", f"  {key}: false")
    protocol.write_text(text)
    async with rig(tmp_path, "audio_processor", FORTE, profiles_dir=profiles) as r:
        dsp, sim = parts(r)
        assert sim.subscriptions == 2 * len(dsp.points) and dsp.info.firmware is None
        assert not any(line.startswith(("SESSION", "DEVICE")) for line in sim.received)
        sim.press_mute("MicLevels", 2, True)
        await r.until(lambda: dsp.state["witness-mic"].mute is True, what="pushed mute")


async def test_echoing_session_is_understood(tmp_path: Path) -> None:
    async with rig(tmp_path, "audio_processor", SERVER) as r:
        dsp, sim = parts(r)
        assert sim.echo
        await dsp.set_level("overflow-speakers", -7)
        await dsp.poll()
        assert dsp.state["overflow-speakers"].level_db == -7
        assert sim.received.count("ZoneLevels set level 2 -7") == 1


async def test_refusals_become_typed_errors(tmp_path: Path) -> None:
    async with rig(tmp_path, "audio_processor", FORTE) as r:
        dsp, sim = parts(r)
        del sim.blocks["Master"]  # the design lost a block the profile names
        with pytest.raises(DeviceNak, match="address not found") as caught:
            await dsp.set_level("room-master", -10)
        assert not isinstance(caught.value, InvalidArgument)


async def test_index_outside_the_block_is_refused_at_connect(tmp_path: Path) -> None:
    async with rig(tmp_path, "audio_processor", SERVER) as r:
        dsp, sim = parts(r)
        await dsp.close()
        sim.blocks["ZoneLevels"] = Block(1)  # a redesigned block with one channel: index 2 is gone
        with pytest.raises(InvalidArgument, match="Index out of range"):
            await dsp.connect()
        assert not dsp.link.is_open


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"point": {}}, r"dut: options\.point: unknown key"),
        ({"points": {"x": {"tag": "a b"}}}, r"dut: options\.points\.x\.tag"),
        ({"points": {"x": {"tag": "L", "index": 0}}}, r"dut: options\.points\.x\.index"),
    ],
)
def test_bad_room_options_name_the_key(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DeviceFactory(ProfileLibrary()).build("dut", FORTE, "tcp://192.0.2.10", options=options)
