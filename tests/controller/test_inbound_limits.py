"""The bridge's inbound path on its own, fed real payload bytes: every hostile payload answered with a code that
names the limit, Response Topics honoured only in the room's reply space, and memory bounded whatever the
number of distinct topics and ids (100,000 here; tests/e2e/test_inbound.py does the same through mosquitto)."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from controller.config import RoomConfig, load_profiles
from controller.mqtt.bridge import MAX_HANDLERS, MqttBridge
from controller.mqtt.contract import Command, Reply, Topics
from controller.mqtt.inbound import (
    DUPLICATE_MEMORY,
    MAX_WAITING,
    DuplicateMemory,
    RequestError,
    parse,
    received_at,
    reply_topic,
)
from controller.mqtt.session import SessionCounter
from controller.room import Room

ROOT = "courtroom/v1/r1"


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class Capturing(MqttBridge):
    """The real bridge; what it would publish is kept instead (there is no broker in this test)."""

    sent: list[tuple[str, Reply]]

    def _send(
        self, topic: str, payload: Any, qos: int = 1, retain: bool = False, props: Any = None, *, now: bool = False
    ) -> None:
        payload.encode()  # a reply that cannot be encoded fails here as it would on the wire
        self.sent.append((topic, payload))


@pytest.fixture
async def bridge(tmp_path: Path) -> AsyncIterator[Capturing]:
    config = RoomConfig.model_validate({"room": {"id": "r1", "name": "test"}, "state_dir": str(tmp_path)})
    room = Room(config, load_profiles(config))
    b = Capturing(room, config.broker, SessionCounter(tmp_path))
    b.sent = []
    yield b


def _message(topic: str, payload: bytes, props: Properties | None = None, retain: bool = False) -> aiomqtt.Message:
    return aiomqtt.Message(topic, payload, 1, retain, 1, props)


async def test_hostile_payloads_are_each_refused_naming_the_limit(bridge: Capturing) -> None:
    future_ts = int(time.time() * 1000) + 3_600_000
    cases: list[tuple[bytes, str, str]] = [
        (b'{"id": ' + b"9" * 5000 + b"}", "INVALID_ARGUMENT", "64 bits"),
        (b"[" * 5000 + b"]" * 5000, "INVALID_ARGUMENT", "MAX_DEPTH"),
        (b'{"id": "n", "a": ' + b"[" * 50 + b"]" * 50 + b"}", "INVALID_ARGUMENT", "MAX_DEPTH"),
        (json.dumps({"id": "x" * 500}).encode(), "INVALID_ARGUMENT", "MAX_ID_CHARS"),
        (json.dumps({"id": "s", "text": "x" * 5000}).encode(), "INVALID_ARGUMENT", "at most 2000"),
        (b'{"id": "p", "x": "' + b"y" * 20000 + b'"}', "INVALID_ARGUMENT", "MAX_PAYLOAD_BYTES"),
        (json.dumps({"id": "k", "l": list(range(1000))}).encode(), "INVALID_ARGUMENT", "MAX_ITEMS"),
        (json.dumps({"id": "f", "ts": future_ts}).encode(), "INVALID_ARGUMENT", "clock_skew_s"),
        (b"\xff\xfe not utf-8", "BAD_REQUEST", "not JSON"),
        (b'"a string"', "BAD_REQUEST", "JSON object"),
        (b'{"id": "a", "x": "\\ud800"}', "INVALID_ARGUMENT", "lone surrogate"),  # not text: cannot be echoed
        (b'{"id": "\\ud83d\\ude00"}', "NOT_FOUND", "no device"),  # a surrogate pair is text: on to the room
    ]
    for n, (payload, code, words) in enumerate(cases):
        await bridge._handle(_message(f"{ROOT}/cam/cmd/a{n}", payload))
        topic, reply = bridge.sent[-1]
        assert topic == f"{ROOT}/cam/reply/a{n}"
        assert reply.error is not None and reply.error.code == code and words in reply.error.message, (n, reply)
    assert len(bridge.sent) == len(cases)


@pytest.mark.parametrize(
    "response_topic",
    [
        f"{ROOT}/hearing/state",
        "courtroom/v1/other-room/$reply/console/1",
        f"{ROOT}/$reply/#",
        f"{ROOT}/$reply/+/x",
        f"{ROOT}/$reply/",
        f"{ROOT}/$reply//x",
        "anything/else",
    ],
)
async def test_a_response_topic_outside_the_reply_space_is_forbidden(bridge: Capturing, response_topic: str) -> None:
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.ResponseTopic = response_topic
    await bridge._handle(_message(f"{ROOT}/$ctl/request/republish", b'{"id": "r"}', props))
    [(topic, reply)] = bridge.sent
    assert topic == f"{ROOT}/$ctl/reply/republish"  # the default reply topic, not the one asked for
    assert reply.error is not None and reply.error.code == "FORBIDDEN" and reply.id == "r"


def test_the_reply_space_is_honoured() -> None:
    topics = Topics("r1")
    ok = f"{ROOT}/$reply/platform/abc/1"
    assert reply_topic(topics, f"{ROOT}/cam/cmd/power", ok) == (ok, None)
    assert reply_topic(topics, f"{ROOT}/cam/cmd/power", None) == (f"{ROOT}/cam/reply/power", None)


def test_parse_refuses_a_future_ts_only_beyond_the_skew() -> None:
    now = 1_800_000_000_000
    assert parse(json.dumps({"id": 1, "ts": now + 9_000}).encode(), retain=False, max_age_s=30, max_skew_s=10, now=now)
    with pytest.raises(RequestError, match=r"11\.0 s in the future"):
        parse(json.dumps({"id": 1, "ts": now + 11_000}).encode(), retain=False, max_age_s=30, max_skew_s=10, now=now)


async def test_duplicate_memory_forgets_by_age() -> None:
    memory = DuplicateMemory(size=10, age_s=0.05)
    import asyncio

    future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
    memory.put("t", "1", future)
    assert memory.get("t", "1") is future
    await asyncio.sleep(0.1)
    assert memory.get("t", "1") is None and len(memory) == 0


async def test_100000_distinct_topics_and_ids_leave_memory_bounded(bridge: Capturing) -> None:
    async def burst(start: int, count: int) -> None:
        for i in range(start, start + count):
            payload = b'{"id": "%d", "on": true}' % i
            await bridge._handle(_message(f"{ROOT}/dev{i}/cmd/power/user{i}", payload))
            if len(bridge.sent) > 1000:
                bridge.sent.clear()

    await burst(0, 5000)  # warm up: every structure at its steady size
    gc.collect()
    before = _rss_kb()
    await burst(5000, 100_000)
    gc.collect()
    grown_kb = _rss_kb() - before
    assert len(bridge._seen) <= DUPLICATE_MEMORY
    assert not bridge._handlers and not len(bridge._outbox) and not bridge._missed
    assert grown_kb < 8 * 1024, f"RSS grew {grown_kb} kB over 100,000 distinct topics"


async def test_a_flood_waits_stamped_and_the_overflow_is_answered_busy(bridge: Capturing) -> None:
    queue = bridge._inbound_queue()()
    served = MAX_HANDLERS + MAX_WAITING  # served at once, then waiting in the queue
    try:
        for i in range(served + 5):
            queue.put_nowait(_message(f"{ROOT}/cam/cmd/p{i}", b'{"id": %d}' % i))
        assert len(bridge._handlers) == MAX_HANDLERS  # the first ones started at once, without the queue
        assert queue.qsize() == MAX_WAITING  # memory bounded: the rest were answered, not queued
        busy = [(t, r) for t, r in bridge.sent if r.error is not None and r.error.code == "BUSY"]
        assert [r.id for _, r in busy] == list(range(served, served + 5))
        assert busy[0][0] == f"{ROOT}/cam/reply/p{served}"
        queue.put_nowait(_message(f"{ROOT}/hearing/cmd/close", b'{"id": "close"}'))  # a hearing operation waits
        assert queue.qsize() == MAX_WAITING + 1 and len(bridge.sent) == 5
        assert received_at(queue.get_nowait()) is not None
    finally:
        for task in bridge._handlers:
            task.cancel()
        await asyncio.gather(*bridge._handlers, return_exceptions=True)


async def test_a_message_that_finds_others_queued_waits_its_turn(bridge: Capturing) -> None:
    """Served at once only when nothing waits before it: arrival order holds across the two ways in."""
    queue = bridge._inbound_queue()()
    started: list[str] = []

    async def handle(message: aiomqtt.Message) -> None:
        started.append(message.topic.value.rsplit("/", 1)[1])
        await asyncio.sleep(0)

    bridge._handle = handle  # type: ignore[method-assign]
    for i in range(MAX_HANDLERS + 3):
        queue.put_nowait(_message(f"{ROOT}/cam/cmd/p{i}", b'{"id": %d}' % i))
    assert queue.qsize() == 3 and bridge._queued == 3
    serving = asyncio.create_task(_serve_queue(bridge, queue, 3))
    queue.put_nowait(_message(f"{ROOT}/cam/cmd/late", b'{"id": "late"}'))  # after the queued ones, not before
    await asyncio.wait_for(serving, 10)
    await asyncio.gather(*bridge._handlers)
    while bridge._queued:
        await bridge._serve_one(queue.get_nowait())
    await asyncio.gather(*bridge._handlers)
    assert started == [f"p{i}" for i in range(MAX_HANDLERS + 3)] + ["late"]


async def _serve_queue(bridge: Capturing, queue: asyncio.Queue[aiomqtt.Message], count: int) -> None:
    for _ in range(count):
        await bridge._serve_one(await queue.get())


def test_a_device_command_read_long_ago_is_past_its_deadline(bridge: Capturing) -> None:
    command = Command(id=1)
    assert bridge._deadline(command, None, time.monotonic() - 2 * bridge.broker.command_max_wait_s) < time.time()
    assert bridge._deadline(command, None, time.monotonic()) > time.time()


def test_a_v5_message_expiry_brings_the_deadline_forward(bridge: Capturing) -> None:
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.MessageExpiryInterval = 1
    deadline = bridge._deadline(Command(id=1), props)
    assert time.time() < deadline <= time.time() + 1
    assert bridge._deadline(Command(id=1), None) > time.time() + 20  # command_max_age_s (30 s) otherwise
