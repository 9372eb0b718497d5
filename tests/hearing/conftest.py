"""A whole simulated standard courtroom driven in-process: Room, HearingService and journal, no MQTT."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.config import load_config, load_profiles
from controller.events import AvailabilityChanged, HearingChanged, HearingEventRaised, StateChanged
from controller.hearing.record import room_facts
from controller.hearing.service import HearingService
from controller.journal import Journal, Kind
from controller.mqtt.contract import HearingEvent
from controller.room import Room
from controller.supervisor import Backoff
from sim.room import SimulatedRoom
from tests.conftest import REPO

EXAMPLE = REPO / "deploy" / "examples" / "courtroom-standard.yaml"


@dataclass
class Court:
    sim: SimulatedRoom
    room: Room
    hearing: HearingService
    journal: Journal
    config_path: Path
    events: list[HearingEvent] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def handle(self, device_id: str) -> Any:
        return self.sim.device(device_id)

    async def until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> float:
        """Wait until ``predicate()`` holds (woken by any room or hearing change); returns the seconds taken."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    self.changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.changed.wait(), 0.05)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None
        return loop.time() - start

    def kinds(self) -> list[str]:
        return [e.event for e in self.events]


def fast_config(sim: SimulatedRoom, tmp_path: Path, **changes: Any) -> Path:
    out = tmp_path / "room.yaml"
    sim.write_config(out)
    data = yaml.safe_load(out.read_text())
    data["state_dir"] = str(tmp_path / "state")
    data.setdefault("hearing", {})["watchdog_interval_s"] = 0.2
    data["hearing"]["recovery_retry_s"] = 1.0
    data["voice_follow"] = {**data.get("voice_follow", {}), "hold_s": 0.0, "reaction_ms": 50}
    for key, value in changes.items():
        data[key] = {**data.get(key, {}), **value}
    out.write_text(yaml.safe_dump(data, allow_unicode=True))
    return out


@pytest.fixture
def room_source() -> Path:
    """The room the court fixture simulates (tests may override this fixture)."""
    return EXAMPLE


@pytest.fixture
async def court(tmp_path: Path, room_source: Path) -> AsyncIterator[Court]:
    sim = SimulatedRoom(room_source, run_dir=tmp_path / "sim")
    await sim.start()
    path = fast_config(sim, tmp_path)
    config = load_config(path)
    library = load_profiles(config, str(path))
    journal = Journal(config.state_dir / "journal.sqlite", config.room.id)
    await journal.open()
    await journal.append(Kind.DAEMON_STARTED, room_facts(config))  # as the daemon does: names for the record
    room = Room(config, library, backoff=Backoff(first_s=0.1, max_s=0.5), journal=journal)
    hearing = HearingService(room, journal)
    court = Court(sim, room, hearing, journal, path)
    room.bus.subscribe("test", HearingEventRaised, lambda e: court.events.append(e.event))
    for kind in (HearingChanged, AvailabilityChanged, StateChanged):
        room.bus.subscribe("test", kind, lambda _e: court.changed.set())
    room.start()
    hearing.start()
    try:
        await court.until(lambda: not room.offline_devices(), 20, "every device online")
        yield court
    finally:
        await hearing.stop()
        await room.stop()
        await journal.close()
        await sim.stop()
        await asyncio.get_running_loop().shutdown_default_executor()
