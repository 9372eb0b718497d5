"""The display suite: runs unchanged against every display model profile and its simulator twin."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.devices.display import Display
from drivers.errors import CourtroomError, InvalidArgument
from sim.handles import DisplayHandle
from tests.functional.harness import Rig, refs, rig

MODELS = refs("display")


async def _on(r: Rig) -> Display:
    display = r.device
    assert isinstance(display, Display)
    await display.power(True)
    assert r.handle.power
    await r.refresh_until(lambda: display.state.power_state == "on", 5, "power_state on (after warm-up)")
    return display


@pytest.mark.parametrize("ref", MODELS)
async def test_power_and_inputs(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "display", ref) as r:
        assert isinstance(r.handle, DisplayHandle)
        display = await _on(r)
        assert display.state.power is True
        for name, code in display.profile.model.inputs.items():
            await display.select_input(name)
            assert r.handle.input_code.lower() == code.lower(), name
            await r.refresh_until(lambda name=name: display.state.input == name, what=f"input {name}")
        await display.power(False)
        assert not r.handle.power
        await r.refresh_until(lambda: display.state.power is False, 5, "power off")


@pytest.mark.parametrize("ref", MODELS)
async def test_volume_and_mute(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "display", ref) as r:
        display = await _on(r)
        caps = display.info.capabilities
        if "volume" in caps:
            assert display.profile.model.volume is not None
            level = (display.profile.model.volume.min + display.profile.model.volume.max) // 2
            await display.set_volume(level)
            assert r.handle.volume == level
            await r.refresh_until(lambda: display.state.volume == level, what="volume")
            with pytest.raises(InvalidArgument, match="level"):
                await display.set_volume(display.profile.model.volume.max + 1)
        if "mute" in caps:
            await display.set_mute(True)
            assert r.handle.mute
            await r.refresh_until(lambda: display.state.mute is True, what="mute")
            await display.set_mute(False)
            assert not r.handle.mute
        if "volume" not in caps and "mute" not in caps:
            with pytest.raises(CourtroomError, match="capability"):
                await display.set_volume(10)


@pytest.mark.parametrize("ref", MODELS)
async def test_bad_input_never_reaches_the_wire(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "display", ref) as r:
        display = r.device
        assert isinstance(display, Display)
        with pytest.raises(InvalidArgument, match="not an input"):
            await display.select_input("no-such-input")
        with pytest.raises(InvalidArgument, match="unknown action"):
            await display.execute("explode", {})
        with pytest.raises(InvalidArgument, match="on"):
            await display.execute("power", {"on": "yes"})


@pytest.mark.parametrize("ref", MODELS)
async def test_remote_control_change_is_seen(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "display", ref) as r:
        display = await _on(r)
        r.handle.press_power(False)
        await r.refresh_until(lambda: display.state.power is False, 5, "power off seen after the remote")


@pytest.mark.parametrize("ref", MODELS)
async def test_faults_unplug_silence_garble(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "display", ref) as r:
        display = r.device
        r.handle.fall_silent(True)
        with pytest.raises(CourtroomError):
            await display.poll()
        r.handle.fall_silent(False)
        await r.answers_again()
        await display.poll()
        r.handle.garble(1)
        with pytest.raises(CourtroomError):
            await display.poll()
        await display.poll()  # resynchronised on the next good reply
        r.handle.unplug()
        with pytest.raises(CourtroomError):
            await display.poll()
        await display.close()
        r.handle.replug()
        await r.recovers()
        await display.poll()
