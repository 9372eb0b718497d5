"""Polling at scale: a room of simulated VISCA-over-IP cameras polled several times a second shares one coarse
timer (devices due in the same tick wake together, no loop timer per poll or per request, no reader task per
camera), and a stop takes every camera offline together. Speed itself: bench/scale.py."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.config import load_config, load_profiles
from controller.room import Room
from controller.supervisor import STOPPED
from sim.room import SimulatedRoom
from sim.visca.ip import ViscaIpCameraSim
from tests.conftest import REPO

N = 60
POLL_S = 0.2


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[tuple[Room, SimulatedRoom]]:
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", profiles)
    proto = profiles / "protocols" / "visca_ip.yaml"
    data = yaml.safe_load(proto.read_text())
    data["timing"]["poll_interval_s"] = POLL_S
    proto.write_text(yaml.safe_dump(data))
    devices = [
        {"id": f"cam-{i:03d}", "kind": "camera", "profile": "sony/srg-300h", "transport": {"port": f"udp://10.1.{i}.1"}}
        for i in range(N)
    ]
    source = tmp_path / "source.yaml"
    source.write_text(yaml.safe_dump({"room": {"id": "polls"}, "devices": devices}))
    sim = SimulatedRoom(source, run_dir=tmp_path / "sim", profiles_dir=profiles)
    await sim.start()
    out = tmp_path / "room.yaml"
    sim.write_config(out)
    config_data = yaml.safe_load(out.read_text())
    config_data.update(state_dir=str(tmp_path / "state"), profiles_dir=str(profiles))
    out.write_text(yaml.safe_dump(config_data))
    config = load_config(out)
    room = Room(config, load_profiles(config, str(out)))
    room.start()
    try:
        deadline = time.monotonic() + 30
        while room.offline_devices():
            assert time.monotonic() < deadline, f"still offline: {room.offline_devices()[:5]}"
            await asyncio.sleep(0.05)
        yield room, sim
    finally:
        await room.stop()
        await sim.stop()


def inquiries(sim: SimulatedRoom) -> int:
    total = 0
    for i in range(N):
        handle = sim.device(f"cam-{i:03d}")
        assert isinstance(handle, ViscaIpCameraSim)
        total += len(handle.received())
    return total


async def test_polls_due_together_share_one_timer_and_no_reader_tasks(
    room: tuple[Room, SimulatedRoom], monkeypatch: Any
) -> None:
    rig, sim = room
    loop = asyncio.get_running_loop()
    timers = 0
    real_call_at = loop.call_at

    def counting_call_at(when: float, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        nonlocal timers
        timers += 1
        return real_call_at(when, *args, **kwargs)

    monkeypatch.setattr(loop, "call_at", counting_call_at)  # call_later goes through call_at too
    before = inquiries(sim)
    await asyncio.sleep(1.0)
    sent = inquiries(sim) - before
    monkeypatch.undo()
    polls = sent / 3  # power, zoom, pan/tilt
    assert polls >= N * 2, f"{polls:.0f} polls in 1 s of {N} cameras at {1 / POLL_S:.0f} Hz"
    # a loop timer per poll and per request (the old way) is 4 a poll; now at most one per 10 ms tick
    assert timers <= 110 + N // 10, f"{timers} loop timers for {polls:.0f} polls"
    assert not rig.offline_devices()
    readers = [t for t in asyncio.all_tasks() if t.get_name().startswith("reader udp://")]
    assert readers == []


async def test_a_stop_takes_every_camera_offline_together(room: tuple[Room, SimulatedRoom]) -> None:
    rig, _ = room
    await rig.stop()
    assert len(rig.offline_devices()) == N
    assert {rig.availability(d).reason for d in rig.device_ids()} == {STOPPED}
    assert not any(t.get_name().startswith("supervise:") for t in asyncio.all_tasks())
