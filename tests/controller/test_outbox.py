"""The bridge's outbox against a real mosquitto: messages reach the broker in call order, at most the window
of them await their PUBACK, the rest wait in order, and drain() returns once every one is acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest

from controller.localbroker import LocalBroker
from controller.mqtt import NO_DELAY
from controller.mqtt.outbox import Outbound, Outbox, write_soon


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalBroker]:
    b = LocalBroker(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


def _client(port: int, name: str) -> aiomqtt.Client:
    return aiomqtt.Client(
        "127.0.0.1", port, identifier=name, protocol=aiomqtt.ProtocolVersion.V5, socket_options=NO_DELAY
    )


async def test_messages_go_out_in_call_order_within_the_window(broker: LocalBroker) -> None:
    received: list[tuple[str, bytes]] = []
    async with _client(broker.port, "outbox-reader") as reader, _client(broker.port, "outbox-writer") as writer:
        await reader.subscribe("t/#", qos=1)
        write_soon(writer)  # as the bridge's client: written on the next loop turn
        outbox = Outbox(window=10)
        outbox.attach(writer)
        most = 0
        for i in range(300):
            qos = 0 if i % 7 == 0 else 1
            outbox.send(Outbound(f"t/{qos}/{i % 3}", b"%d" % i, qos, False))
            most = max(most, outbox._unacked)
        assert most == 10 and len(outbox) > 10  # the rest wait here, in order
        await asyncio.wait_for(outbox.drain(), 20)
        assert len(outbox) == 0
        async with asyncio.timeout(20):
            async for message in reader.messages:
                received.append((message.topic.value.split("/")[1], message.payload))  # type: ignore[arg-type]
                if len(received) == 300:
                    break
        outbox.attach(None)
    # the broker may let a QoS 0 message overtake QoS 1 ones it holds for the reader: the order within each
    for qos in (0, 1):
        assert [p for q, p in received if q == str(qos)] == [b"%d" % i for i in range(300) if (i % 7 != 0) == qos]


async def test_nothing_is_kept_without_a_connection() -> None:
    outbox = Outbox(window=10)
    outbox.send(Outbound("t", b"x", 1, False))
    assert len(outbox) == 0
    await asyncio.wait_for(outbox.drain(), 1)
