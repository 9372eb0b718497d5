"""A third-party HyperDeck client (bmdwire 1.6, its hyperdeckwire.client) drives the simulated deck unchanged.

The client uses blocking sockets, so it runs in a worker thread while the simulator serves on the loop; it
reads replies by the fields of the current Ethernet protocol manual (device info's unique id, transport info,
slot info, clips and the disk list).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hyperdeckwire.client import Hyperdeck

from sim.endpoints import TcpEndpoint
from sim.hyperdeck import HyperDeck, HyperDeckHandle, HyperDeckServer


@pytest.fixture
async def deck() -> AsyncIterator[tuple[HyperDeckServer, HyperDeckHandle]]:
    settings = {"model_name": "HyperDeck Studio HD Plus", "protocol_version": "1.11", "countdown_speed": 0}
    server = HyperDeckServer(TcpEndpoint(), HyperDeck(settings))
    server.open()
    yield server, HyperDeckHandle(server)
    server.close()


def session(port: int) -> dict[str, Any]:
    """What a script with the client would do: read everything, record a named clip, stop, list."""
    seen: dict[str, Any] = {}
    with Hyperdeck("127.0.0.1", port, read_timeout=2) as client:
        seen["model"], seen["protocol"] = client.model, client.protocol_version
        seen["device"] = client.device_info()
        seen["remote"] = client.remote_info()
        seen["slot"] = client.slot_info(1)
        client.request("record: name: Court2_0930")
        seen["recording"] = client.transport_info()
        client.stop()
        seen["count"] = client.clips_count()
        seen["clips"] = client.clips_get()
        seen["disk"] = client.disk_list()
        client.ping()
    return seen


async def test_bmdwire_reads_the_deck(deck: tuple[HyperDeckServer, HyperDeckHandle]) -> None:
    server, handle = deck
    seen = await asyncio.to_thread(session, server.endpoint.port)
    assert seen["model"] == "HyperDeck Studio HD Plus" and seen["protocol"] == "1.11"
    assert seen["device"]["unique id"] == "7c2e0d0a1b2c" and seen["device"]["slot count"] == "2"
    assert seen["remote"]["enabled"] == "true"
    assert seen["slot"]["status"] == "mounted" and seen["slot"]["recording time"] == "10800"
    assert seen["recording"]["status"] == "record"
    assert seen["recording"]["input video format"] == "1080i50" and seen["recording"]["dynamic range"] == "Rec709"
    assert seen["count"] == 1
    (clip,) = seen["clips"]
    assert (clip.clip_id, clip.name, clip.start) == (1, "Court2_0930", "00:00:00:00")
    (on_disk,) = seen["disk"]
    assert (on_disk.name, on_disk.file_format, on_disk.video_format) == (
        "Court2_0930.mov",
        "QuickTimeProResHQ",
        "1080i50",
    )
    assert handle.transport == "stopped" and handle.clip == "Court2_0930"
