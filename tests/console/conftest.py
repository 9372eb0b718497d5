"""Console fixtures: the simulated room and the daemon's parts (room, hearing, journal, MQTT bridge, console) in
this process, assembled as ``controller.daemon.run_daemon`` assembles them, with users of each role."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from controller.cases.config import CaseSystemConfig
from controller.cases.service import CaseService
from controller.config import load_config, load_profiles
from controller.console.server import ConsoleServer, start_console
from controller.console.users import add_user
from controller.hearing.record import room_facts
from controller.hearing.service import HearingService
from controller.journal import Journal, Kind
from controller.localbroker import LocalBroker
from controller.mqtt.bridge import MqttBridge
from controller.mqtt.session import SessionCounter
from controller.room import Room
from controller.signing import RoomKey
from controller.streaming.console_api import LiveApi
from controller.streaming.service import StreamService
from sim.room import SimulatedRoom

HERE = Path(__file__).resolve().parent
ROOM_CONFIG = HERE / "room.yaml"
SCREENSHOTS = HERE / "screenshots"
ROOM_ID = "b2-cr104"
ROOM_PASSWORD = "room-secret"
USERS = {
    "clerk": ("clerk1", "clerk-password-1"),  # display name 张书记员 (NAMES)
    "judge": ("judge1", "judge-password-1"),
    "technician": ("tech1", "tech-password-1"),
}
NAMES = {"clerk": "张书记员"}  # the users file's display name, for the journal and the record


@dataclass
class ConsoleRig:
    """A running room with its console; ``url`` is the console's address."""

    sim: SimulatedRoom
    room: Room
    hearing: HearingService
    journal: Journal
    console: ConsoleServer
    config_path: Path

    @property
    def url(self) -> str:
        assert self.console.url is not None
        return self.console.url

    @property
    def origin(self) -> str:
        return self.url.rstrip("/")

    async def session(self, role: str | None) -> aiohttp.ClientSession:
        """An HTTP client, logged in as the user of ``role`` (None: not logged in). Close it after use."""
        client = aiohttp.ClientSession(base_url=self.origin, cookie_jar=aiohttp.CookieJar(unsafe=True))
        if role is not None:
            user, password = USERS[role]
            async with client.post("/api/login", json={"user": user, "password": password}) as response:
                assert response.status == 200, await response.text()
        return client

    async def until(self, predicate: Any, timeout: float = 10.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)


def write_room(
    tmp_path: Path, sim: SimulatedRoom, broker_port: int | None, journal: dict[str, Any] | None = None
) -> Path:
    """The console room at the simulator's endpoints, console on a free port, state in tmp_path (``journal``: the
    journal's settings, e.g. small thresholds for a small disk)."""
    out = tmp_path / "room.yaml"
    sim.write_config(out)
    data = yaml.safe_load(out.read_text())
    data["state_dir"] = str(tmp_path / "state")
    if journal is not None:
        data["journal"] = journal
    data["console"] = {"port": 0}
    if broker_port is not None:
        secret = tmp_path / "room-password"
        secret.write_text(ROOM_PASSWORD)
        data["broker"] = {"host": "127.0.0.1", "port": broker_port, "username": ROOM_ID, "password_file": str(secret)}
    out.write_text(yaml.safe_dump(data, allow_unicode=True))
    users = tmp_path / "state" / "console-users.yaml"
    for role, (user, password) in USERS.items():
        add_user(users, user, role, password, display_name=NAMES.get(role, ""))
    return out


@contextlib.asynccontextmanager
async def console_room(
    tmp_path: Path,
    broker: LocalBroker | None = None,
    journal: dict[str, Any] | None = None,
    cases_config: CaseSystemConfig | None = None,
) -> AsyncIterator[ConsoleRig]:
    """Simulator + room + hearing (+ MQTT bridge when a broker is given) + console with the schedule and the live
    stream (as the daemon has them: no case system and no stream configured unless ``cases_config``), every
    device online."""
    sim = SimulatedRoom(ROOM_CONFIG, run_dir=tmp_path / "sim")
    await sim.start()
    journal: Journal | None = None
    room: Room | None = None
    hearing: HearingService | None = None
    console: ConsoleServer | None = None
    cases: CaseService | None = None
    stream: StreamService | None = None
    bridge: tuple[MqttBridge, asyncio.Task[None]] | None = None
    try:
        path = write_room(tmp_path, sim, broker.port if broker else None, journal)
        config = load_config(path)
        library = load_profiles(config, str(path))
        RoomKey.load_or_create(config.signing_key_path)  # as the daemon does at its first start
        journal = Journal(config.state_dir / "journal.sqlite", config.room.id)
        await journal.open()
        await journal.append(Kind.DAEMON_STARTED, room_facts(config))
        room = Room(config, library, journal=journal)
        hearing = HearingService(room, journal)
        if broker is not None:
            b = MqttBridge(room, config.broker, SessionCounter(config.state_dir), hearing)
            bridge = (b, asyncio.create_task(b.run(), name="mqtt-bridge"))
        cases = CaseService(cases_config, config.room.id, config.room.zone, hearing)
        stream = StreamService(None, room, hearing, journal)
        live = LiveApi(cases, stream).routes()
        console = await start_console(config, room, hearing, journal, live)  # after the bridge, as in the daemon
        room.start()
        hearing.start()
        cases.start()
        rig = ConsoleRig(sim, room, hearing, journal, console, path)
        await rig.until(lambda: not room.offline_devices(), 20, "every device online")
        yield rig
    finally:
        if console is not None:
            await console.stop()
        if cases is not None:
            await cases.stop()
        if stream is not None:
            await stream.stop()
        if hearing is not None:
            await hearing.stop()
        if room is not None:
            await room.stop()
        if bridge is not None:
            await bridge[0].stop(bridge[1])
        if journal is not None:
            await journal.close()
        await sim.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalBroker]:
    b = LocalBroker(tmp_path / "broker", users={ROOM_ID: ROOM_PASSWORD})
    b.start()
    yield b
    b.stop()


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[ConsoleRig]:
    """The console over the simulated room, without MQTT (fast API tests)."""
    async with console_room(tmp_path) as r:
        yield r


@pytest.fixture
async def mqtt_rig(tmp_path: Path, broker: LocalBroker) -> AsyncIterator[ConsoleRig]:
    """The whole daemon's parts, MQTT bridge to a private mosquitto included (browser tests)."""
    async with console_room(tmp_path, broker) as r:
        yield r
