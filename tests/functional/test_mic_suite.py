"""The mic-system suite: runs unchanged against every mic-system model profile and its simulator twin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drivers.devices.mic import MicSystem
from drivers.errors import CourtroomError, InvalidArgument
from sim.handles import MicSystemHandle
from tests.functional.harness import Rig, refs, rig

MODELS = refs("mic_system")


def _mics(r: Rig) -> tuple[MicSystem, list[tuple[str, dict[str, Any]]]]:
    assert isinstance(r.device, MicSystem)
    assert isinstance(r.handle, MicSystemHandle)
    events: list[tuple[str, dict[str, Any]]] = []
    r.device.add_event_listener(lambda event, data: events.append((event, data)))
    return r.device, events


@pytest.mark.parametrize("ref", MODELS)
async def test_buttons_become_events_and_speaking_state(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "mic_system", ref) as r:
        mics, events = _mics(r)
        seats = mics.profile.model.seats
        assert seats is not None
        seat = seats.min + 1
        r.handle.press(seat)
        await r.until(lambda: ("mic_on", {"seat": seat}) in events, what="mic_on event")
        assert mics.speaking(seat) and mics.snapshot()["active"] == [seat]
        r.handle.release(seat)
        await r.until(lambda: ("mic_off", {"seat": seat}) in events, what="mic_off event")
        assert not mics.speaking(seat)
        if "request_events" in mics.info.capabilities:
            r.handle.request(seat + 1)
            await r.until(lambda: ("request_on", {"seat": seat + 1}) in events, what="request_on event")
            assert seat + 1 in mics.requests


@pytest.mark.parametrize("ref", MODELS)
async def test_mic_control(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "mic_system", ref) as r:
        mics, _ = _mics(r)
        seats = mics.profile.model.seats
        assert seats is not None
        if "mic_control" not in mics.info.capabilities:
            with pytest.raises(CourtroomError, match="capability"):
                await mics.mic_on(seats.min)
            return
        await mics.mic_on(seats.min)
        await r.until(lambda: seats.min in r.handle.active and mics.speaking(seats.min), what="mic on")
        with pytest.raises(InvalidArgument, match="seat"):
            await mics.mic_on(seats.max + 1)
        await mics.mic_off(seats.min)
        await r.until(lambda: not mics.speaking(seats.min), what="mic off")
        assert seats.min not in r.handle.active
        if "all_off" in mics.info.capabilities:
            r.handle.press(seats.min)
            r.handle.press(seats.min + 2)
            await r.until(lambda: len(mics.active) == 2, what="two mics on")
            await mics.execute("all_off", {})
            await r.until(lambda: not mics.active, what="all off")
            assert not r.handle.active


@pytest.mark.parametrize("ref", MODELS)
async def test_a_dump_after_reconnect_catches_up(tmp_path: Path, ref: str) -> None:
    async with rig(tmp_path, "mic_system", ref) as r:
        mics, _ = _mics(r)
        seats = mics.profile.model.seats
        assert seats is not None
        r.handle.unplug()
        with pytest.raises(CourtroomError):
            await mics.poll()
        await mics.close()
        r.handle.replug()
        r.handle.press(seats.min)  # while we were away, nobody told us
        await r.recovers()
        await r.refresh_until(lambda: mics.speaking(seats.min), what="mic seen after reconnect")
        r.handle.fall_silent(True)
        with pytest.raises(CourtroomError):
            await mics.poll()
        r.handle.fall_silent(False)
        r.handle.garble(1)
        r.handle.press(seats.min + 3)
        r.handle.press(seats.min + 4)
        await r.until(lambda: mics.speaking(seats.min + 4), what="resynchronised after a garbled frame")
