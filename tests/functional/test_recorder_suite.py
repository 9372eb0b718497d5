"""The recorder suite: runs unchanged against every recorder model profile and its simulator twin."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.devices.recorder import Recorder
from drivers.errors import CourtroomError, NotExecutable
from sim.handles import RecorderHandle
from tests.functional.harness import Rig, refs, rig

MODELS = [ref for ref in refs("recorder") if ref != "generic/software-recorder"]
"""Recorders with a simulated twin; the software recorder is itself the program (its suite: tests/recording/)."""


def _recorder(r: Rig) -> Recorder:
    assert isinstance(r.device, Recorder)
    assert isinstance(r.handle, RecorderHandle)
    return r.device


@pytest.mark.parametrize("ref", MODELS)
async def test_record_and_stop(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "recorder", ref) as r:
        rec = _recorder(r)
        named = "record_named" in rec.info.capabilities
        await rec.record("Court2_0930" if named else None)
        assert r.handle.transport == "record"
        await r.refresh_until(lambda: rec.state.transport == "record", what="transport record")
        if named:
            assert r.handle.clip == "Court2_0930"
            assert rec.state.clip == "Court2_0930"
        await rec.stop()
        assert r.handle.transport == "stopped"
        await r.refresh_until(lambda: rec.state.transport == "stopped", what="transport stopped")


@pytest.mark.parametrize("ref", MODELS)
async def test_record_without_disk_or_space_is_refused_at_once(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "recorder", ref) as r:
        rec = _recorder(r)
        r.handle.set_disk(False)
        with pytest.raises(NotExecutable, match="disk"):
            await rec.record()  # the state may not know yet: the device's refusal is the same error
        assert r.handle.transport != "record"
        await r.refresh_until(lambda: rec.state.disk_present is False, what="disk_present false")
        with pytest.raises(NotExecutable, match="no disk"):
            await rec.record()
        r.handle.set_disk(True, remaining_s=0)
        with pytest.raises(NotExecutable, match=r"full|disk"):
            await rec.record()
        assert r.handle.transport != "record"
        r.handle.set_disk(True, remaining_s=3600)
        await r.refresh_until(lambda: rec.state.disk_present is True, what="disk back")
        r.handle.set_remote(False)
        with pytest.raises(NotExecutable, match="remote"):
            await rec.record()
        assert r.handle.transport != "record"
        r.handle.set_remote(True)
        await r.refresh_until(lambda: rec.state.remote_enabled is not False, what="remote back")
        await rec.record()
        assert r.handle.transport == "record"


@pytest.mark.parametrize("ref", MODELS)
async def test_stop_on_the_panel_is_seen(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "recorder", ref) as r:
        rec = _recorder(r)
        await rec.record()
        r.handle.press_stop()
        await r.refresh_until(lambda: rec.state.transport == "stopped", what="stop seen")


@pytest.mark.parametrize("ref", MODELS)
async def test_faults_unplug_silence_garble(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "recorder", ref) as r:
        rec = _recorder(r)
        r.handle.fall_silent(True)
        with pytest.raises(CourtroomError):
            await rec.poll()
        r.handle.fall_silent(False)
        await r.answers_again()
        r.handle.garble(1)
        with pytest.raises(CourtroomError):
            await rec.poll()
        await rec.poll()
        r.handle.unplug()
        with pytest.raises(CourtroomError):
            await rec.poll()
        await rec.close()
        r.handle.replug()
        await r.recovers()
        await rec.poll()
