"""A small simulated room with the software recorder, driven in-process: Room, hearing, recording service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.config import load_config, load_profiles
from controller.events import AvailabilityChanged, HearingChanged, HearingEventRaised, StateChanged
from controller.hearing.service import HearingService
from controller.journal import Journal
from controller.recording.service import RecordingService
from controller.room import Room
from controller.signing import RoomKey
from controller.supervisor import Backoff
from drivers.recording.device import SoftwareRecorder
from sim.audio import alsa_env
from sim.room import SimulatedRoom
from tests.hearing.conftest import Court

ROOM = Path(__file__).with_name("room.yaml")


class RecordingCourt(Court):
    recording: RecordingService

    @property
    def recorder(self) -> SoftwareRecorder:
        device = self.room.device("rec-soft")
        assert isinstance(device, SoftwareRecorder)
        return device

    def alarms(self) -> dict[str, Any]:
        return {a.id: a for a in self.hearing.watchdog.alarms}


def recorder_options(**changes: Any) -> dict[str, Any]:
    return changes


@pytest.fixture
def recorder_changes() -> dict[str, Any]:
    """Changes to the recorder's options (tests override this fixture)."""
    return {}


@pytest.fixture
def live_media() -> bool:
    """Whether the cameras are live MJPEG streams and the microphones live pipes (True), not files (tests
    override this fixture)."""
    return False


@pytest.fixture
async def court(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorder_changes: dict[str, Any], live_media: bool
) -> AsyncIterator[RecordingCourt]:
    for key, value in alsa_env(tmp_path / "sim").items():
        monkeypatch.setenv(key, value)
    sim = SimulatedRoom(ROOM, run_dir=tmp_path / "sim", live=live_media)
    await sim.start()
    path = tmp_path / "room.yaml"
    sim.write_config(path)
    data = yaml.safe_load(path.read_text())
    data["state_dir"] = str(tmp_path / "state")
    data["hearing"] = {**data.get("hearing", {}), "watchdog_interval_s": 0.2}
    for dev in data["devices"]:
        if dev["id"] == "rec-soft":
            dev["options"] = {**dev["options"], "backup": str(tmp_path / "backup"), **recorder_changes}
            if "store" in recorder_changes:
                dev["transport"]["port"] = f"dir:{dev['options'].pop('store')}"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    config = load_config(path)
    library = load_profiles(config, str(path))
    journal = Journal(config.state_dir / "journal.sqlite", config.room.id)
    await journal.open()
    room = Room(config, library, backoff=Backoff(first_s=0.1, max_s=0.5), journal=journal)
    hearing = HearingService(room, journal)
    key = RoomKey.load_or_create(config.signing_key_path)
    recording = RecordingService(room, hearing, journal, key)
    court = RecordingCourt(sim, room, hearing, journal, path)
    court.recording = recording
    room.bus.subscribe("test", HearingEventRaised, lambda e: court.events.append(e.event))
    for kind in (HearingChanged, AvailabilityChanged, StateChanged):
        room.bus.subscribe("test", kind, lambda _e: court.changed.set())
    room.start()
    hearing.start()
    recording.start()
    try:
        await court.until(lambda: not room.offline_devices(), 20, "every device online")
        await court.until(lambda: room.state("video-judge").signal == "ok", 10, "pictures")  # type: ignore[union-attr]
        yield court
    finally:
        await hearing.stop()
        await room.stop()
        await recording.stop()
        await journal.close()
        await sim.stop()
        await asyncio.get_running_loop().shutdown_default_executor()
