"""The room's event bus: typed subscriptions by owner, one failing subscriber isolated, unsubscribe at stop."""

from __future__ import annotations

import logging

import pytest

from controller.events import AvailabilityChanged, EventBus, HearingChanged, StateChanged
from controller.model import Availability


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
