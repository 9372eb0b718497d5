"""The Tesira driver against the simulated DSP: room points, pushes, resubscription, refusals, options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drivers.errors import ConfigError, DeviceNak, InvalidArgument
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
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
        assert sim.subscriptions == 2 * len(dsp.points)
        sim.press_mute("MicLevels", 2, True)
        await r.until(lambda: dsp.state["witness-mic"].mute is True, what="pushed mute")
        sim.unplug()
        await dsp.close()
        sim.replug()
        await r.recovers()
        sim.turn_knob("MicLevels", 1, -42)
        await r.until(lambda: dsp.state["judge-mic"].level_db == -42, what="pushed level after reconnect")


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
        ({"point": {}}, r"dut: options\.point: Extra inputs"),
        ({"points": {"x": {"tag": "a b"}}}, r"dut: options\.points\.x\.tag"),
        ({"points": {"x": {"tag": "L", "index": 0}}}, r"dut: options\.points\.x\.index"),
    ],
)
def test_bad_room_options_name_the_key(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DeviceFactory(ProfileLibrary()).build("dut", FORTE, "tcp://192.0.2.10", options=options)
