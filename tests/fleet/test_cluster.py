"""Three rooms bridged to a real three-node central cluster (NATS with JetStream and its MQTT listener).

Room b2-cr104 is the simulated courtroom with the daemon's parts (as in the console tests); rooms r2 and r3 are
load-generated rooms speaking the same contract. Each room has its own mosquitto with the bridge
``controller.fleet.bridge`` generates, pointed at the three nodes through a WAN link the test can cut.

One test in phases (the cluster takes seconds to elect its JetStream leaders, so it is started once):
the bridges carry each message once; the WAN of two rooms is cut for 30 s while hearing events happen, and
after it comes back every event arrives, once, in order: the courtroom's daemon saw its bridge's notice, so
the events it published meanwhile arrive marked ``replayed`` with ``link_down_ts`` and those after the link is
back do not, and a fleet model fed what the central watcher received says how long the link was down; then
node 0 (every bridge's primary) is killed and a new central consumer still gets every room's retained state,
and a central command still moves the courtroom's camera.

The link is reset (as a router that lost its uplink does), so the bridge sees the loss at once. The cut comes
before the node's death: with a node down, NATS 2.9 stores some retained messages only after a 4 s JetStream
timeout each (its log: "unable to store retained message ... timeout for request type MS"), so the backlog of a
30 s cut (the recorders' state at every poll of a recording hearing) would take minutes to drain. The
generated rooms do not watch their link (the load generator is not the daemon): their late events arrive in
order, unmarked.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from controller.fleet.loadgen import LoadRoom, publish, room_client
from controller.fleet.model import FleetModel
from tests.console.conftest import ROOM_ID, ROOM_PASSWORD, console_room
from tests.fleet.cluster import NatsCluster, RoomBroker, WanLink
from tests.fleet.probe import central_link

pytestmark = pytest.mark.skipif(NatsCluster.available() is None, reason="nats-server is not installed")

CUT_S = 30.0


class Consumer:
    """A central client that records every message under courtroom/v1/+/#, connected to the first of ``ports``
    that takes it (a real client tries the cluster's nodes in turn too: with a node down, a NATS node's
    JetStream requests for a new session time out now and then, nats-server issue 5498)."""

    def __init__(self, ports: list[int], name: str) -> None:
        self.ports = ports
        self.name = name
        self.messages: list[tuple[str, bytes, bool]] = []
        self.received_ms: list[int] = []  # when each of ``messages`` arrived
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        for port in itertools.cycle(self.ports):
            try:
                async with aiomqtt.Client("127.0.0.1", port, identifier=self.name, timeout=5) as client:
                    await client.subscribe("courtroom/v1/+/#", qos=0)  # QoS 1 needs a JetStream consumer: bridge.py
                    self.ready.set()
                    async for message in client.messages:
                        payload = message.payload if isinstance(message.payload, bytes) else b""
                        self.messages.append((message.topic.value, payload, bool(message.retain)))
                        self.received_ms.append(time.time_ns() // 1_000_000)
            except aiomqtt.MqttError:
                if self.ready.is_set():
                    raise
                await asyncio.sleep(0.3)

    async def __aenter__(self) -> Consumer:
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.ready.wait(), 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    def json(self, topic: str) -> list[dict[str, Any]]:
        return [json.loads(p) for t, p, _ in self.messages if t == topic and p.startswith(b"{")]

    async def until(self, what: str, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                got = sorted({(t, r) for t, _, r in self.messages})
                raise AssertionError(f"{self.name}: timed out waiting for {what}; got {len(got)} topics: {got[:40]}")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def connected(ports: list[int], name: str, timeout: float = 30.0) -> AsyncIterator[aiomqtt.Client]:
    """A client on the first node that takes it (see Consumer)."""
    deadline = time.monotonic() + timeout
    for port in itertools.cycle(ports):
        client = aiomqtt.Client("127.0.0.1", port, identifier=name, timeout=5)
        try:
            await client.__aenter__()
        except aiomqtt.MqttError:
            assert time.monotonic() < deadline, f"{name}: no node took the connection"
            await asyncio.sleep(0.3)
            continue
        try:
            yield client
        finally:
            await client.__aexit__(None, None, None)
        return


@contextlib.asynccontextmanager
async def central(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    cluster = NatsCluster(tmp_path / "nats")
    try:
        await asyncio.to_thread(cluster.start)
        await cluster.ready()
        yield cluster
    finally:
        await asyncio.to_thread(cluster.stop)


async def test_three_rooms_on_a_three_node_cluster(tmp_path: Path) -> None:
    async with contextlib.AsyncExitStack() as stack:
        cluster = await stack.enter_async_context(central(tmp_path))
        wans = {room: WanLink(cluster.mqtt_ports) for room in (ROOM_ID, "r2", "r3")}
        brokers: dict[str, RoomBroker] = {}
        for room, wan in wans.items():
            await wan.start()
            stack.push_async_callback(wan.stop)
            users = {ROOM_ID: ROOM_PASSWORD} if room == ROOM_ID else None
            brokers[room] = RoomBroker(tmp_path / f"broker-{room}", room, wan.ports, users)
            await asyncio.to_thread(brokers[room].start)
            stack.callback(brokers[room].stop)
        watcher = await stack.enter_async_context(Consumer([cluster.mqtt_ports[2]], "central-watcher"))

        # the rooms come up: the courtroom (daemon parts + simulator) and two generated rooms
        court = await stack.enter_async_context(console_room(tmp_path / "court", brokers[ROOM_ID]))
        generated = {room: LoadRoom(room, devices=30) for room in ("r2", "r3")}
        clients = {}
        for room, load in generated.items():
            clients[room] = await stack.enter_async_context(
                room_client("127.0.0.1", brokers[room].port, load, identifier=f"gen-{room}")
            )
            await publish(clients[room], load.retained_set())
        rooms = [ROOM_ID, *generated]
        await watcher.until(
            "every room's controller and hearing state",
            lambda: all(
                watcher.json(f"courtroom/v1/{r}/$ctl/state") and watcher.json(f"courtroom/v1/{r}/hearing/state")
                for r in rooms
            ),
        )
        await watcher.until(
            "r2 and r3's 30 devices",
            lambda: all(
                len({t for t, _, _ in watcher.messages if t.startswith(f"courtroom/v1/{r}/") and t.endswith("/state")})
                == 32
                for r in generated
            ),
        )
        await asyncio.sleep(1.0)  # anything sent twice would be here by now
        counts = collections.Counter((t, p) for t, p, _ in watcher.messages)
        twice = [t for (t, _), n in counts.items() if n > 1]
        assert twice == [], f"carried more than once: {twice[:5]}"
        assert not [t for t, _, _ in watcher.messages if t.endswith("/meter")], "meters stay in the room"

        # the WAN of the courtroom and r2 goes down while hearing events happen there
        mark = len(watcher.messages)
        wans[ROOM_ID].cut()
        wans["r2"].cut()
        cut_at = time.monotonic()
        court_link = functools.partial(central_link, brokers[ROOM_ID].port, ROOM_ID, ROOM_ID, ROOM_PASSWORD)
        down = await court_link(want="down")  # the daemon has read its bridge's notice
        opened = await court.hearing.execute("open", {"case_no": "(2026)京0105民初1号"}, "clerk")
        assert opened, opened
        for i in range(3):
            await court.hearing.execute("mark", {"text": f"标记 {i}"}, "clerk")
        during = [generated["r2"].hearing_event() for _ in range(5)]
        await publish(clients["r2"], during)
        r3_event = generated["r3"].hearing_event()
        await publish(clients["r3"], [r3_event])  # r3's WAN is up: its event arrives meanwhile
        await watcher.until(
            "r3's event during the others' cut", lambda: any(p == r3_event[1] for t, p, _ in watcher.messages[mark:])
        )
        court_events = f"courtroom/v1/{ROOM_ID}/hearing/event"
        assert not [t for t, _, _ in watcher.messages[mark:] if t in (court_events, during[0][0])], "the WAN was up"
        await asyncio.sleep(max(0.0, CUT_S - (time.monotonic() - cut_at)))
        wans[ROOM_ID].restore()
        wans["r2"].restore()
        await court_link(want="up", timeout=30)
        await court.hearing.execute("mark", {"text": "标记 live"}, "clerk")  # the link is back: a live event
        await watcher.until(
            "r2's five events",
            lambda: all(any(p == payload for t, p, _ in watcher.messages[mark:]) for _, payload in during),
            timeout=30,
        )
        got = [p for t, p, _ in watcher.messages[mark:] if t == during[0][0]]
        assert got == [p for _, p in during], "each event once, in order"
        await watcher.until(
            "the courtroom's open, three marks and the live one",
            lambda: any(e["data"].get("text") == "标记 live" for e in watcher.json(court_events)),
            timeout=30,
        )
        events = [json.loads(p) for t, p, _ in watcher.messages[mark:] if t == court_events]
        marks = [e["data"].get("text") for e in events if e["event"] == "mark"]
        assert marks == ["标记 0", "标记 1", "标记 2", "标记 live"], events
        assert len({json.dumps(e, sort_keys=True) for e in events}) == len(events), "an event arrived twice"
        delivered_late, live = events[:-1], events[-1]
        assert "hearing_opened" in [e["event"] for e in delivered_late], delivered_late
        assert all(e["replayed"] and e["link_down_ts"] == down["since_ts"] for e in delivered_late), delivered_late
        assert (live["replayed"], live["link_down_ts"]) == (False, None), live
        before = [json.loads(p) for t, p, _ in watcher.messages[:mark] if t == court_events]
        assert not [e for e in before if e["replayed"]], "an event of normal operation was marked"

        # the fleet view's model, fed what the central watcher received, says how long the link was down
        model = FleetModel()
        for (topic, payload, _), received in zip(watcher.messages, watcher.received_ms, strict=True):
            model.apply(topic, payload, received_ms=received)
        link = next(r for r in model.snapshot() if r["room_id"] == ROOM_ID)["link"]
        assert link["state"] == "up" and link["late_events"] == len(delivered_late), link
        assert CUT_S - 2 <= link["last_outage"]["s"] <= CUT_S + 15, link
        # the hearing ends: its recorders stop publishing their state at every poll, which a node's death below
        # would make NATS store slowly (see the module's note) ahead of the command's reply
        closed = await court.hearing.execute("close", {}, "clerk")
        assert closed, closed

        # node 0, every bridge's primary, dies
        await asyncio.to_thread(cluster.kill, 0)
        for wan in wans.values():
            wan.node_down(0)
        async with Consumer(cluster.mqtt_ports[1:], "central-late") as late:
            await late.until(
                "every room's retained state from the surviving nodes",
                lambda: all(
                    any(t == f"courtroom/v1/{r}/$ctl/state" and retained for t, _, retained in late.messages)
                    and any(t == f"courtroom/v1/{r}/hearing/state" and retained for t, _, retained in late.messages)
                    for r in rooms
                ),
            )
            retained_devices = {t for t, _, retained in late.messages if retained and t.startswith("courtroom/v1/r2/")}
            assert len([t for t in retained_devices if t.endswith("/availability")]) == 30
            # a central command reaches the courtroom's camera through a bridge that failed over
            async with connected(cluster.mqtt_ports[1:], "central-platform") as platform:
                target = 0x1234
                deadline = time.monotonic() + 60  # a loaded machine: JetStream elects new leaders first
                replies_topic = f"courtroom/v1/{ROOM_ID}/cam-judge/reply/zoom_to"
                reply: dict[str, Any] | None = None
                attempt = 0
                while reply is None:  # until the bridge is back on a live node: a lost command is not re-sent
                    assert time.monotonic() < deadline, "no reply from the courtroom after the node died"
                    attempt += 1
                    request_id = f"c{attempt}"
                    # QoS 0, as the bridge carries commands: right after a node dies NATS may leave a QoS 1
                    # publish waiting for JetStream's acknowledgement until the client times out
                    await platform.publish(
                        f"courtroom/v1/{ROOM_ID}/cam-judge/cmd/zoom_to",
                        json.dumps({"id": request_id, "position": target}).encode(),
                        qos=0,
                    )
                    give_up = time.monotonic() + 3
                    while reply is None and time.monotonic() < give_up:
                        await asyncio.sleep(0.05)
                        reply = next((r for r in late.json(replies_topic) if r.get("id") == request_id), None)
                assert reply["status"] == "ok", reply
                await late.until("the camera at the new zoom", lambda: court.sim.camera("cam-judge").zoom == target, 10)
