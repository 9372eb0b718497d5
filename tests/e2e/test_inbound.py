"""Hostile input through a real mosquitto to the daemon process and the simulated room: every payload answered
(fuzzed with hypothesis across the whole path), Response Topics honoured only in the room's reply space (and
the ACL lets a client read only its own), memory bounded over thousands of distinct topics."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from controller.localbroker import LocalBroker
from controller.mqtt.inbound import DUPLICATE_MEMORY
from sim.room import SimulatedRoom
from tests.e2e.conftest import CONSOLE_PASSWORD, ROOM_ID, ROOM_PASSWORD, ROOT, Daemon, Watcher

PLATFORM_PASSWORD = "platform-secret"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """The e2e broker with one more account, a platform client the ACL lets read only its own replies."""
    users = {ROOM_ID: ROOM_PASSWORD, "console": CONSOLE_PASSWORD, "platform": PLATFORM_PASSWORD}
    b = LocalBroker(tmp_path / "broker", users=users)
    b.start()
    yield b
    b.stop()


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _props(**values: Any) -> Properties:
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    for key, value in values.items():
        setattr(props, key, value)
    return props


async def test_hostile_payloads_are_answered_and_the_daemon_stays_up(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom
) -> None:
    start = len(watcher.messages)
    future = int(time.time() * 1000) + 3_600_000
    cases = [
        ("a1", b'{"id": ' + b"1" * 5000 + b"}", "64 bits"),
        ("a2", b"[" * 5000 + b"]" * 5000, "MAX_DEPTH"),
        ("a3", json.dumps({"id": "x", "preset": "9" * 3000}).encode(), "at most 2000"),
        ("preset_recall", json.dumps({"id": "f", "preset": 1, "ts": future}).encode(), "clock_skew_s"),
    ]
    for action, payload, words in cases:
        await watcher.publish(f"cam-judge/cmd/{action}", payload)
        reply = await watcher.wait_for(f"cam-judge/reply/{action}", start=start)
        assert reply["status"] == "error" and reply["error"]["code"] == "INVALID_ARGUMENT", reply
        assert words in reply["error"]["message"], reply
    assert (await watcher.request("cam-judge", "preset_recall", {"id": "ok", "preset": 1}))["status"] == "ok"
    assert daemon.proc is not None and daemon.proc.returncode is None
    assert "Traceback" not in daemon.log() and "never retrieved" not in daemon.log()


async def test_replies_only_in_the_rooms_reply_space(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom, broker: LocalBroker
) -> None:
    cam = sim_room.camera("cam-plaintiff")
    await watcher.wait_for("cam-plaintiff/state", lambda p: p["pan"] is not None)
    pan_before = cam.pan
    for n, target in enumerate(
        [f"{ROOT}/hearing/state", "courtroom/v1/b2-cr105/$reply/console/x", f"{ROOT}/$reply/#", "elsewhere"]
    ):
        start = len(watcher.messages)
        await watcher.publish(
            "cam-plaintiff/cmd/pan_tilt_to",
            {"id": f"w{n}", "pan": 900, "tilt": 100},
            properties=_props(ResponseTopic=target),
        )
        reply = await watcher.wait_for("cam-plaintiff/reply/pan_tilt_to", lambda p, n=n: p["id"] == f"w{n}", 10, start)
        assert reply["error"]["code"] == "FORBIDDEN", reply
        assert not [t for t, p, _ in watcher.messages[start:] if t == "hearing/state" and p.get("id") == f"w{n}"]
    assert cam.pan == pan_before and not cam.moving, "a refused command moved the camera"
    # inside the reply space the Response Topic is honoured, and the ACL lets each client read only its own
    platform = aiomqtt.Client(
        "127.0.0.1",
        broker.port,
        username="platform",
        password=PLATFORM_PASSWORD,
        identifier="test-platform",
        protocol=aiomqtt.ProtocolVersion.V5,
    )
    async with platform:
        await platform.subscribe(f"{ROOT}/$reply/#", qos=1)  # asks for everyone's; the broker grants its own
        got: list[tuple[str, dict[str, Any]]] = []
        arrived = asyncio.Event()

        async def pump() -> None:
            async for message in platform.messages:
                got.append((message.topic.value, json.loads(message.payload)))  # type: ignore[arg-type]
                arrived.set()

        task = asyncio.create_task(pump())
        try:
            start = len(watcher.messages)
            mine = f"{ROOT}/$reply/platform/req-1"
            await platform.publish(
                f"{ROOT}/$ctl/request/diagnostics/platform",
                json.dumps({"id": "p1"}),
                qos=1,
                properties=_props(ResponseTopic=mine, CorrelationData=b"c-1"),
            )
            theirs = f"{ROOT}/$reply/console/req-2"
            await watcher.publish("$ctl/request/diagnostics", {"id": "c2"}, properties=_props(ResponseTopic=theirs))
            await watcher.wait_for("$reply/console/req-2", lambda p: p["id"] == "c2", 10, start)  # it was sent
            await watcher.wait_for("$reply/platform/req-1", lambda p: p["id"] == "p1", 10, start)
            await asyncio.wait_for(arrived.wait(), 10)
            await asyncio.sleep(0.3)
            assert [t for t, _ in got] == [mine], got  # never the console's reply
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_fuzzed_payloads_through_the_broker_each_get_a_reply(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom
) -> None:
    loop = asyncio.get_running_loop()
    counter = iter(range(10**6))
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )
    keys = st.sampled_from(["id", "ts", "actor", "preset", "position", "on", "pan", "tilt", "override_reason", "x"])
    objects = st.dictionaries(keys, json_values, max_size=5).map(lambda d: json.dumps(d).encode())
    payloads = st.one_of(
        st.binary(max_size=120),
        objects,
        st.builds(lambda p: json.dumps({"id": 1, **p}).encode(), st.dictionaries(keys, json_values, max_size=3)),
    )
    targets = st.sampled_from(
        [
            "cam-judge/cmd/preset_recall",
            "cam-judge/cmd/zoom_to",
            "disp-judge/cmd/power",
            "cam-witness/cmd/nonsense",
            "no-such/cmd/power",
            "$ctl/request/diagnostics",
            "hearing/cmd/mark",
        ]
    )

    async def one(target: str, payload: bytes) -> dict[str, Any]:
        n = next(counter)
        topic = f"{target}/console" if n % 2 else target  # bare, and under the sender's name
        start = len(watcher.messages)
        await watcher.publish(topic, payload)
        reply_topic = topic.replace("/cmd/", "/reply/").replace("/request/", "/reply/")
        return await watcher.wait_for(reply_topic, timeout=30, start=start)

    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # each example is a round trip: report, do not shrink
    )
    @given(target=targets, payload=payloads)
    def check(target: str, payload: bytes) -> None:
        reply = asyncio.run_coroutine_threadsafe(one(target, payload), loop).result(60)
        assert reply["status"] in ("ok", "error")
        if reply["status"] == "error":
            assert reply["error"]["code"] and reply["error"]["message"], reply

    await asyncio.to_thread(check)
    assert daemon.proc is not None and daemon.proc.returncode is None
    assert "Traceback" not in daemon.log() and "never retrieved" not in daemon.log()


async def test_thousands_of_distinct_topics_leave_the_daemon_bounded(daemon: Daemon, watcher: Watcher) -> None:
    assert daemon.proc is not None

    async def burst(first: int, count: int) -> None:
        for i in range(first, first + count):
            await watcher.publish(f"dev{i}/cmd/power/console", {"id": f"i{i}", "on": True})
        await watcher.wait_for(f"dev{first + count - 1}/reply/power/console", timeout=30)

    # warm up: the journal's page cache and the allocator at their high-water mark (on a loaded machine a burst
    # queues longer, and the memory a backlog took is kept by the allocator, not returned)
    await burst(0, 3000)
    await burst(3000, 4000)
    before = _rss_kb(daemon.proc.pid)
    await burst(7000, 4000)
    grown = _rss_kb(daemon.proc.pid) - before
    print(f"daemon RSS {before} kB, +{grown} kB after 4000 more distinct topics")
    start = len(watcher.messages)
    await watcher.publish("$ctl/request/diagnostics", {"id": "d"})
    diag = await watcher.wait_for("$ctl/reply/diagnostics", lambda p: p["id"] == "d", 10, start)
    assert diag["data"]["mqtt"]["remembered_ids"] <= DUPLICATE_MEMORY, diag["data"]["mqtt"]
    assert grown < 4 * 1024, f"the daemon grew {grown} kB over 4000 more distinct topics (~2 kB each before)"
