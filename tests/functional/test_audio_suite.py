"""The audio-processor suite: runs unchanged against every DSP model profile and its simulator twin."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.devices.audio import AudioProcessor
from drivers.errors import CourtroomError, InvalidArgument
from sim.handles import AudioProcessorHandle
from tests.functional.harness import refs, rig

MODELS = refs("audio_processor")


@pytest.mark.parametrize("ref", MODELS)
async def test_levels_mutes_and_pushed_changes(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "audio_processor", ref) as r:
        dsp = r.device
        assert isinstance(dsp, AudioProcessor)
        assert isinstance(r.handle, AudioProcessorHandle)
        assert dsp.points, "a DSP model profile names at least one point"
        name, point = sorted(dsp.points.items())[0]
        await dsp.set_level(name, -20)
        assert r.handle.level(point.tag, point.index) == pytest.approx(-20)
        await r.refresh_until(lambda: dsp.state[name].level_db == pytest.approx(-20), what="level")
        await dsp.set_mute(name, True)
        assert r.handle.muted(point.tag, point.index)
        with pytest.raises(InvalidArgument, match="level_db"):
            await dsp.set_level(name, point.max_db + 1)
        with pytest.raises(InvalidArgument, match="point"):
            await dsp.set_level("no-such-point", 0)
        if "subscribe" in dsp.info.capabilities:
            r.handle.turn_knob(point.tag, point.index, -33)
            await r.until(lambda: dsp.state[name].level_db == pytest.approx(-33), what="pushed level")
        r.handle.fall_silent(True)
        with pytest.raises(CourtroomError):
            await dsp.poll()
        r.handle.fall_silent(False)
        r.handle.unplug()
        with pytest.raises(CourtroomError):
            await dsp.poll()
        await dsp.close()
        r.handle.replug()
        await r.recovers()
        await dsp.poll()
