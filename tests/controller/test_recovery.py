"""Recovery without waiting: a device that comes back after an outage is online within 2 s, however long it was
away, on each kind of link (a serial pty that vanishes, a TCP device, a UDP device)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.config import load_config, load_profiles
from controller.events import AvailabilityChanged, StateChanged
from controller.localbroker import LocalBroker
from controller.mqtt.bridge import MqttBridge
from controller.mqtt.session import SessionCounter
from controller.nodewatch import NodeWatcher
from controller.room import Room
from controller.supervisor import Backoff
from sim.room import SimulatedRoom

ROOM = {
    "room": {"id": "recovery"},
    "devices": [
        {
            "id": "cam-serial",
            "kind": "camera",
            "profile": "sony/evi-d70",
            "transport": {"port": "/dev/courtroom/cam-serial"},
            "address": 1,
        },
        {
            "id": "proj-tcp",
            "kind": "display",
            "profile": "epson/eb-l1075u",
            "transport": {"port": "tcp://10.0.0.5:4352"},
        },
        {"id": "cam-udp", "kind": "camera", "profile": "sony/srg-300h", "transport": {"port": "udp://10.0.0.6:52381"}},
    ],
}
DEVICES = [dev["id"] for dev in ROOM["devices"]]  # type: ignore[index]


@dataclass
class Rig:
    sim: SimulatedRoom
    room: Room
    changes: list[tuple[float, str, bool]]

    async def until(self, predicate: Any, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
            await asyncio.sleep(0.02)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    source = tmp_path / "source.yaml"
    source.write_text(yaml.safe_dump(ROOM))
    sim = SimulatedRoom(source, run_dir=tmp_path / "sim")
    await sim.start()
    out = tmp_path / "room.yaml"
    sim.write_config(out)
    data = yaml.safe_load(out.read_text())
    data["state_dir"] = str(tmp_path / "state")
    out.write_text(yaml.safe_dump(data))
    config = load_config(out)
    room = Room(config, load_profiles(config, str(out)))  # the daemon's default retry policy
    changes: list[tuple[float, str, bool]] = []
    for kind in (AvailabilityChanged, StateChanged):
        room.bus.subscribe(
            "test", kind, lambda e: changes.append((time.monotonic(), e.device_id, room.online(e.device_id)))
        )
    room.start()
    try:
        r = Rig(sim, room, changes)
        await r.until(lambda: not room.offline_devices(), 20, "every device online")
        yield r
    finally:
        await room.stop()
        await sim.stop()


def test_old_backoff_would_have_waited() -> None:
    """What the test below guards against: the old policy (0.5 s doubling to 30 s) after a 10 s outage."""
    old = Backoff(first_s=0.5, factor=2.0, max_s=30.0, jitter=0.0).delays()
    at, attempts = 0.0, []
    while at < 10.0:
        at += old()
        attempts.append(at)
    assert attempts[-1] - 10.0 > 5.0  # the first try after the replug came 5.5 s late
    new = Backoff().delays()
    waits = [new() for _ in range(50)]
    assert max(waits) <= 1.0 and min(waits[5:]) >= 0.5


async def test_a_long_outage_recovers_within_two_seconds(rig: Rig) -> None:
    handles: list[Any] = [rig.sim.device(d) for d in DEVICES]
    for handle in handles:
        handle.unplug()
    await rig.until(lambda: len(rig.room.offline_devices()) == len(DEVICES), 15, "every device offline")
    await asyncio.sleep(10.0)  # longer than the old back-off needed to reach 8 s waits
    replugged = time.monotonic()
    for handle in handles:
        handle.replug()
    await rig.until(lambda: not rig.room.offline_devices(), 10, "every device online again")
    back = {d: t - replugged for t, d, online in rig.changes if online and t >= replugged}
    assert set(back) == set(DEVICES)
    assert max(back.values()) < 2.0, back


async def test_a_serial_node_is_reopened_as_soon_as_it_reappears(tmp_path: Path) -> None:
    """The watcher returns when the node is created (by rename, as udev and the simulator do), long before its
    timeout; a node that never comes ends the wait at the timeout."""
    watcher = NodeWatcher()
    node = tmp_path / "ttyUSB7"
    try:
        started = time.monotonic()
        assert not await watcher.wait_for(str(node), 0.3)
        assert 0.25 <= time.monotonic() - started < 2.0

        async def plug() -> None:
            await asyncio.sleep(0.2)
            tmp = tmp_path / ".ttyUSB7.tmp"
            tmp.symlink_to("/dev/null")
            tmp.replace(node)

        task = asyncio.create_task(plug())
        started = time.monotonic()
        assert await watcher.wait_for(str(node), 30.0)
        assert time.monotonic() - started < 2.0
        await task
    finally:
        watcher.close()


async def test_the_broker_is_back_within_two_seconds_after_a_long_outage(tmp_path: Path) -> None:
    """The old back-off (0.5 s doubling to 30 s) waited up to 7.5 s more after an 8 s outage."""
    await asyncio.wait_for(_broker_outage(tmp_path), 90)  # a hang fails the test (and its finally cleans up)


async def _broker_outage(tmp_path: Path) -> None:
    broker = LocalBroker(tmp_path / "broker")
    broker.start()
    try:
        config = load_config_text(tmp_path, {"room": {"id": "broker-outage"}, "broker": {"port": broker.port}})
        room = Room(config, load_profiles(config))
        bridge = MqttBridge(room, config.broker, SessionCounter(config.state_dir))
        task = asyncio.create_task(bridge.run())
        try:
            await asyncio.wait_for(bridge.connected.wait(), 10)  # (each wait is bounded: a hang fails, not stalls)
            await asyncio.to_thread(broker.stop)
            # hold the port while the broker is away (bound, not listening: a connect is refused), so that no
            # other test's broker starting meanwhile on a "free" port takes it and the bridge connects there
            with socket.socket() as hold:
                hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the old connections' TIME_WAIT
                hold.bind(("127.0.0.1", broker.port))
                await asyncio.sleep(8.0)
                assert not bridge.connected.is_set()
            await asyncio.to_thread(broker.start, broker.port)
            back = time.monotonic()
            await asyncio.wait_for(bridge.connected.wait(), 10)
            # the goal is 2 s (bench/recovery.py measures it); 4 s leaves room for a loaded machine and still
            # fails the old back-off, whose next try after an 8 s outage came about 7 s after the broker was back
            assert time.monotonic() - back < 4.0
        finally:
            await bridge.stop(task)
    finally:
        broker.stop()


def load_config_text(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump({**data, "state_dir": str(tmp_path / "state")}))
    return load_config(path)
