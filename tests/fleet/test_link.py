"""Events published while the room's link to the central cluster is down are marked ``replayed`` with
``link_down_ts`` (controller/mqtt/link.py): the daemon's MQTT side on one private mosquitto with the room ACL,
where the test publishes the bridge's notice ``0`` / ``1`` itself, as the bridge user, as mosquitto's bridge
would; and the link's rules on their own."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from controller.config import parse_config
from controller.events import DeviceEventRaised, HearingEventRaised
from controller.fleet.bridge import LOCAL_USERNAME
from controller.localbroker import LocalBroker
from controller.model import DeviceEvent, HearingEvent
from controller.mqtt.bridge import MqttBridge
from controller.mqtt.contract import Topics
from controller.mqtt.link import CentralLink
from controller.mqtt.session import SessionCounter
from controller.room import Room
from drivers.profiles import ProfileLibrary
from tests.fleet.probe import central_link

ROOM = "b2-cr104"
PASSWORDS = {ROOM: "room-secret", LOCAL_USERNAME: "bridge-secret"}
ROOT = f"courtroom/v1/{ROOM}"
NOTICE = f"{ROOT}/$bridge/connection"


def test_the_link_marks_events_only_while_it_is_down() -> None:
    link = CentralLink(Topics(ROOM))
    event = HearingEvent(event="mark", hearing_id="h1")
    assert link.state == "unknown" and link.mark(event) is event  # no notice seen: a room without a bridge
    link.apply(b"1")
    assert link.state == "up" and link.mark(event) is event
    before = int(time.time() * 1000)
    link.apply(b"0")
    assert link.state == "down" and link.since_ms is not None and link.since_ms >= before
    marked = link.mark(event)
    assert (marked.replayed, marked.link_down_ts) == (True, link.since_ms)
    assert (event.replayed, event.link_down_ts) == (False, None)  # the original is left as it was
    device = link.mark(DeviceEvent(event="mic_on", data={"seat": 3}))
    assert (device.replayed, device.link_down_ts) == (True, link.since_ms)
    down_since = link.since_ms
    link.apply(b"0")  # the same notice again (a retained one re-read): the outage began when it began
    assert link.since_ms == down_since and link.outages == 1
    link.apply(b"garbage")  # not a notice: logged, the state stays
    assert link.state == "down"
    link.apply(b"1")
    assert link.mark(event) is event and link.diagnostics()["state"] == "up"


@dataclass
class Rig:
    broker: LocalBroker
    room: Room
    bridge: MqttBridge


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    broker = LocalBroker(tmp_path / "broker", users=PASSWORDS)
    await asyncio.to_thread(broker.start)
    secret = tmp_path / "room-password"
    secret.write_text(PASSWORDS[ROOM])
    config = parse_config(
        {
            "room": {"id": ROOM},
            "state_dir": str(tmp_path / "state"),
            "broker": {"host": "127.0.0.1", "port": broker.port, "username": ROOM, "password_file": str(secret)},
            "devices": [
                {
                    "id": "cam-judge",
                    "kind": "camera",
                    "profile": "sony/srg-300h",
                    "transport": {"port": "udp://10.0.0.1:52381"},
                }
            ],
        }
    )
    room = Room(config, ProfileLibrary())
    bridge = MqttBridge(room, config.broker, SessionCounter(config.state_dir))
    task = asyncio.create_task(bridge.run())
    try:
        await asyncio.wait_for(bridge.connected.wait(), 10)
        yield Rig(broker, room, bridge)
    finally:
        await bridge.stop(task)
        await asyncio.to_thread(broker.stop)


def client(rig: Rig, user: str, name: str) -> aiomqtt.Client:
    return aiomqtt.Client("127.0.0.1", rig.broker.port, username=user, password=PASSWORDS[user], identifier=name)


async def notice(rig: Rig, payload: bytes) -> None:
    """The bridge's notice, retained, as mosquitto's bridge leaves it on the room broker."""
    async with client(rig, LOCAL_USERNAME, "bridge-notice") as bridge_user:
        await bridge_user.publish(NOTICE, payload, qos=1, retain=True)


async def link_state(rig: Rig, want: str) -> dict[str, Any]:
    return await central_link(rig.broker.port, ROOM, ROOM, PASSWORDS[ROOM], want=want)


async def test_events_while_the_notice_says_down_are_marked(rig: Rig) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    async with client(rig, ROOM, "watcher") as watcher:
        await watcher.subscribe(f"{ROOT}/+/event", qos=1)

        async def read() -> None:
            async for message in watcher.messages:
                assert isinstance(message.payload, bytes)
                seen.append((message.topic.value, json.loads(message.payload)))

        reader = asyncio.create_task(read())
        try:
            bus = rig.room.bus

            def raise_events(tag: str) -> None:
                bus.publish(HearingEventRaised(HearingEvent(event="mark", hearing_id="h1", data={"text": tag})))
                bus.publish(DeviceEventRaised("cam-judge", DeviceEvent(event="pressed", data={"seat": tag})))

            async def events(tag: str) -> list[dict[str, Any]]:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    got = [
                        p
                        for t, p in seen
                        if t.endswith("/event") and tag in (p["data"].get("text"), p["data"].get("seat"))
                    ]
                    if len(got) == 2:
                        return got
                    await asyncio.sleep(0.02)
                raise AssertionError(f"events {tag} never arrived: {seen[-5:]}")

            # no notice yet (a room without a bridge): unknown, and nothing is marked
            await link_state(rig, "unknown")
            raise_events("unknown")
            assert [(e["replayed"], e["link_down_ts"]) for e in await events("unknown")] == [(False, None)] * 2

            await notice(rig, b"1")
            await link_state(rig, "up")
            raise_events("up")
            assert [(e["replayed"], e["link_down_ts"]) for e in await events("up")] == [(False, None)] * 2

            before = int(time.time() * 1000)
            await notice(rig, b"0")
            link = await link_state(rig, "down")
            raise_events("down")
            down = await events("down")
            assert [e["replayed"] for e in down] == [True, True]
            assert {e["link_down_ts"] for e in down} == {link["since_ts"]} and link["since_ts"] >= before
            assert link["outages"] == 1

            await notice(rig, b"1")
            await link_state(rig, "up")
            raise_events("back")
            assert [(e["replayed"], e["link_down_ts"]) for e in await events("back")] == [(False, None)] * 2
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


async def test_the_retained_notice_is_read_again_at_every_connect(rig: Rig) -> None:
    await notice(rig, b"0")
    await until(lambda: rig.bridge.link.state == "down", "the retained 0")
    connects, since = rig.bridge.connects, rig.bridge.link.since_ms
    # "down" is the state from before the reconnect too, and the new connection is counted before the link is
    # set unknown and subscribed: only a notice applied after the takeover shows the retained 0 read again
    link, applied = rig.bridge.link, []
    real_apply = link.apply

    def apply(payload: bytes) -> None:
        applied.append(payload)
        real_apply(payload)

    link.apply = apply  # type: ignore[method-assign]
    # another client under the daemon's client id: the broker drops the daemon's connection, the daemon reconnects
    async with client(rig, ROOM, f"courtroom-{ROOM}"):
        await until(lambda: not rig.bridge.connected.is_set(), "the daemon's connection taken over")
    await until(lambda: rig.bridge.connects > connects and applied and link.state == "down", "the reconnect")
    # unknown at the connect, then down again from the retained notice: the same outage, counted once
    assert (rig.bridge.link.outages, rig.bridge.link.since_ms) == (1, since)
    # a notice that found the inbound queue full is kept (refusing it would answer BUSY on the notice's topic)
    message = aiomqtt.Message(NOTICE, b"1", qos=1, retain=True, mid=1, properties=None)
    assert rig.bridge._refuse_overflow(message) is False


async def until(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
