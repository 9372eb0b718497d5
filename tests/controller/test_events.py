"""The room's event bus: typed subscriptions by owner, one failing subscriber isolated, unsubscribe at stop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest
import yaml

from controller import events
from controller.config import RoomConfig, load_config, load_profiles
from controller.events import (
    AvailabilityChanged,
    DeviceEventRaised,
    EventBus,
    HearingChanged,
    HearingEventRaised,
    StateChanged,
)
from controller.localbroker import LocalBroker
from controller.model import Availability, DeviceEvent, HearingEvent
from controller.mqtt.bridge import MqttBridge
from controller.mqtt.session import SessionCounter
from controller.room import Room


def test_each_subscriber_hears_its_own_types_in_the_order_it_subscribed() -> None:
    bus = EventBus()
    heard: list[str] = []
    bus.subscribe("console", StateChanged, lambda e: heard.append(f"console:{e.device_id}"))
    bus.subscribe("mqtt", StateChanged, lambda e: heard.append(f"mqtt:{e.device_id}"))
    bus.subscribe("mqtt", HearingChanged, lambda _e: heard.append("mqtt:hearing"))
    bus.publish(StateChanged("cam-judge"))
    bus.publish(AvailabilityChanged("cam-judge", Availability(state="offline", reason="unplugged")))  # nobody
    bus.publish(HearingChanged())
    assert heard == ["console:cam-judge", "mqtt:cam-judge", "mqtt:hearing"]
    assert bus.owners(StateChanged) == ["console", "mqtt"]


def test_a_failing_subscriber_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    heard: list[str] = []

    def broken(_event: StateChanged) -> None:
        raise RuntimeError("console bug")

    bus.subscribe("console", StateChanged, broken)
    bus.subscribe("mqtt", StateChanged, lambda e: heard.append(e.device_id))
    with caplog.at_level(logging.ERROR, logger="controller.events"):
        bus.publish(StateChanged("rec-main"))
    assert heard == ["rec-main"]
    assert "console failed on StateChanged" in caplog.text and "console bug" in caplog.text


def test_unsubscribe_drops_every_handler_of_one_owner_only() -> None:
    bus = EventBus()
    heard: list[str] = []
    bus.subscribe("console", StateChanged, lambda _e: heard.append("console"))
    bus.subscribe("console", HearingChanged, lambda _e: heard.append("console-h"))
    bus.subscribe("hearing", StateChanged, lambda _e: heard.append("hearing"))
    bus.unsubscribe("console")
    bus.publish(StateChanged("dsp"))
    bus.publish(HearingChanged())
    assert heard == ["hearing"]


@pytest.fixture
def bridged(tmp_path: Path) -> Iterator[tuple[LocalBroker, RoomConfig]]:
    """A private mosquitto and a room of no devices configured to use it."""
    broker = LocalBroker(tmp_path / "broker")
    broker.start()
    try:
        config_path = tmp_path / "room.yaml"
        config_path.write_text(yaml.safe_dump({"room": {"id": "bus-stop"}, "broker": {"port": broker.port},
                                               "state_dir": str(tmp_path / "state")}))  # fmt: skip
        yield broker, load_config(config_path)
    finally:
        broker.stop()


async def test_a_stopped_mqtt_bridge_hears_nothing_more_from_the_room_bus(
    bridged: tuple[LocalBroker, RoomConfig],
) -> None:
    """The bridge unsubscribes at its stop like the other subscribers: an event published after it reaches none
    of its handlers (before, a stopped bridge still kept every device and hearing event for a replay)."""
    kinds = [k for k in vars(events).values() if isinstance(k, type) and dataclasses.is_dataclass(k)]
    broker, config = bridged
    room = Room(config, load_profiles(config))
    bridge = MqttBridge(room, config.broker, SessionCounter(config.state_dir))
    assert len(kinds) >= 6 and [k for k in kinds if "mqtt" not in room.bus.owners(k)] == []
    root = "courtroom/v1/bus-stop"
    async with aiomqtt.Client("127.0.0.1", broker.port, protocol=aiomqtt.ProtocolVersion.V5) as client:
        await client.subscribe(f"{root}/cam-judge/event", qos=1)
        await client.subscribe(f"{root}/$ctl/reply/diagnostics", qos=1)
        task = asyncio.create_task(bridge.run())
        try:
            async with asyncio.timeout(10):
                while True:  # serving (its inbound topics subscribed, after "connected"): a request is answered
                    await client.publish(f"{root}/$ctl/request/diagnostics", json.dumps({"id": "d"}), qos=1)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(0.2):
                            await anext(client.messages)
                            break
                # while it runs, a device's event on the bus reaches the broker through it
                room.bus.publish(DeviceEventRaised("cam-judge", DeviceEvent(event="fault", data={"n": 1})))
                async for message in client.messages:
                    if message.topic.matches(f"{root}/cam-judge/event"):
                        assert json.loads(message.payload)["data"] == {"n": 1}  # type: ignore[arg-type]
                        break
        finally:
            await bridge.stop(task)
        assert [k.__name__ for k in kinds if "mqtt" in room.bus.owners(k)] == []
        room.bus.publish(DeviceEventRaised("cam-judge", DeviceEvent(event="fault", data={"n": 2})))
        room.bus.publish(HearingEventRaised(HearingEvent(event="mark_added", hearing_id=None)))
        assert list(bridge._missed) == []  # a handler that ran would keep them to replay on a reconnect


async def test_a_bridge_stopped_just_after_it_connects_ends(bridged: tuple[LocalBroker, RoomConfig]) -> None:
    """A stop in the first milliseconds of a connection (while it subscribes) ends the connection loop: a
    cancel that the MQTT client's own wait swallowed is sent again, so the loop never lives on to reconnect."""
    _, config = bridged
    lingered = []
    for n in range(30):
        room = Room(config, load_profiles(config))
        bridge = MqttBridge(room, config.broker, SessionCounter(config.state_dir))
        task = asyncio.create_task(bridge.run())
        await asyncio.wait_for(bridge.connected.wait(), 10)
        for _ in range(n % 6):  # stop at a different step of the subscribing each time
            await asyncio.sleep(0)
        await bridge.stop(task)
        if not task.done():
            lingered.append(n)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert lingered == []
