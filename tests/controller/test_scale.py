"""Scale: what one availability change costs the MQTT bridge does not grow with the room's device count, and a
stop still publishes every device offline (all PUBACKs awaited together). Speed itself: bench/scale.py."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from controller.config import parse_config
from controller.localbroker import LocalBroker
from controller.mqtt.bridge import SUMMARY_DELAY_S, MqttBridge
from controller.mqtt.session import SessionCounter
from controller.room import Room
from drivers.profiles import ProfileLibrary

N = 300


def big_room(tmp_path: Path, port: int = 1) -> Room:
    devices = [
        {
            "id": f"cam-{i:04d}",
            "kind": "camera",
            "profile": "sony/srg-300h",
            "transport": {"port": f"udp://10.{i // 250}.{i % 250 + 1}.1:52381"},
        }
        for i in range(N)
    ]
    config = parse_config(
        {
            "room": {"id": "big"},
            "state_dir": str(tmp_path / "state"),
            "broker": {"host": "127.0.0.1", "port": port},
            "devices": devices,
        }
    )
    return Room(config, ProfileLibrary())


async def test_a_burst_of_availability_changes_costs_one_summary(tmp_path: Path, monkeypatch: Any) -> None:
    room = big_room(tmp_path)
    bridge = MqttBridge(room, room.config.broker, SessionCounter(room.config.state_dir))
    sent: Counter[str] = Counter()
    monkeypatch.setattr(bridge, "_send", lambda topic, *_a, **_k: sent.update([topic]))
    built = Counter[str]()
    entry = room.device_entry
    monkeypatch.setattr(room, "device_entry", lambda d: (built.update([d]), entry(d))[1])

    for device_id in room.device_ids():  # every camera comes online (as the supervisors report it)
        room.supervisors[device_id]._set_online(True, None)
    await asyncio.sleep(SUMMARY_DELAY_S * 4)

    root = "courtroom/v1/big"
    assert sum(n for t, n in sent.items() if t.endswith("/availability")) == N  # each device's own, at once
    assert sent[f"{root}/$ctl/state"] == 1  # the burst's summary, once, not once per device
    assert sent[f"{root}/$ctl/devices"] <= 1  # an entry changes only when identification fills it in
    assert max(built.values()) == 1 and len(built) == N  # each change looked at its own device only
    assert room.offline_devices() == []
    room.supervisors["cam-0007"]._set_online(False, "unplugged")
    assert room.offline_devices() == ["cam-0007"]


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[LocalBroker]:
    b = LocalBroker(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


async def test_a_stop_publishes_every_device_offline(tmp_path: Path, broker: LocalBroker) -> None:
    room = big_room(tmp_path, broker.port)
    bridge = MqttBridge(room, room.config.broker, SessionCounter(room.config.state_dir))
    task = asyncio.create_task(bridge.run())
    await asyncio.wait_for(bridge.connected.wait(), 10)
    await bridge.stop(task)  # the room never started: the bridge itself publishes each device offline
    retained: dict[str, Any] = {}
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        await client.subscribe("courtroom/v1/big/#")
        try:
            async with asyncio.timeout(2):
                async for message in client.messages:
                    retained[message.topic.value] = json.loads(message.payload)  # type: ignore[arg-type]
                    if len(retained) >= N + 3:
                        break
        except TimeoutError:
            pass
    offline = [
        t for t, p in retained.items() if t.endswith("/availability") and p["reason"] == "controller stopped"
    ]
    assert len(offline) == N
    assert retained["courtroom/v1/big/$ctl/state"]["state"] == "offline"
