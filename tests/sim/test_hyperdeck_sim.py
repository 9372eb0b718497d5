"""Golden exchanges: the HyperDeck replies of docs/protocols-hyperdeck.md against sim.hyperdeck over plain TCP.

The client is a bare asyncio socket writing LF-terminated lines and reading CRLF replies, as a third-party
program (a script, a control panel) would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from sim.endpoints import TcpEndpoint
from sim.hyperdeck import HyperDeck, HyperDeckHandle, HyperDeckServer, parse_params

BANNER = b"500 connection info:\r\nprotocol version: 1.11\r\nmodel: HyperDeck Studio HD Plus\r\n\r\n"
SLOT_INFO = (  # the current manual's slot info (protocol 1.11+)
    b"202 slot info:\r\nslot id: 1\r\nstatus: mounted\r\nvolume name: SSD1\r\nrecording time: 10800\r\n"
    b"video format: 1080i50\r\nblocked: false\r\nremaining size: 135000000000\r\n"
    b"total size: 135000000000\r\n\r\n"
)
DEVICE_INFO = (
    b"204 device info:\r\nprotocol version: 1.11\r\nmodel: HyperDeck Studio HD Plus\r\n"
    b"unique id: 7c2e0d0a1b2c\r\nslot count: 2\r\nsoftware version: 8.3\r\nname: HyperDeck Studio HD Plus\r\n\r\n"
)
TRANSPORT_TAIL = (  # from `single clip` on, while recording clip 2 (timecodes vary)
    b"\r\nvideo format: 1080i50\r\nloop: false\r\ntimeline: 0\r\ninput video format: 1080i50\r\n"
    b"dynamic range: Rec709\r\n\r\n"
)
NOTIFY_ALL = (
    b"209 notify:\r\ntransport: true\r\nslot: true\r\nremote: false\r\nconfiguration: false\r\n"
    b"dropped frames: false\r\ndisplay timecode: false\r\ntimeline position: false\r\nplayrange: false\r\n"
    b"cache: false\r\ndynamic range: false\r\nslate: false\r\nclips: false\r\ndisk: false\r\n"
    b"device info: false\r\n\r\n"
)


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def reply(self, timeout: float = 1.0) -> bytes:
        """One whole reply: a single line, or a block up to its blank line."""
        async with asyncio.timeout(timeout):
            first = await self.reader.readuntil(b"\r\n")
            if not first.endswith(b":\r\n"):
                return first
            data = first
            while not data.endswith(b"\r\n\r\n"):
                data += await self.reader.readuntil(b"\r\n")
            return data

    async def ask(self, line: str) -> bytes:
        self.writer.write(line.encode() + b"\n")
        return await self.reply()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


Rig = tuple[HyperDeckServer, HyperDeckHandle, Callable[[], Any]]


@pytest.fixture
async def unit() -> AsyncIterator[Rig]:
    """A HyperDeck Studio HD Plus twin on a local TCP port; ``connect()`` opens clients, closed at the end."""
    settings = {"model_name": "HyperDeck Studio HD Plus", "protocol_version": "1.11", "countdown_speed": 0}
    server = HyperDeckServer(TcpEndpoint(), HyperDeck(settings))
    server.open()
    clients: list[Client] = []

    async def connect(banner: bool = True) -> Client:
        reader, writer = await asyncio.open_connection(server.endpoint.host, server.endpoint.port)
        client = Client(reader, writer)
        clients.append(client)
        if banner:
            assert await client.reply() == BANNER
        return client

    yield server, HyperDeckHandle(server), connect
    for client in clients:
        await client.close()
    server.close()


async def test_golden_exchanges(unit: Rig) -> None:
    _, handle, connect = unit
    client = await connect()
    assert await client.ask("record") == b"200 ok\r\n"
    assert handle.transport == "record" and handle.clip == "SSD1_0001"
    assert await client.ask("stop") == b"200 ok\r\n"
    assert await client.ask("record: name: Court2_0930") == b"200 ok\r\n"
    assert handle.clip == "Court2_0930"
    info = await client.ask("transport info")
    assert info.startswith(b"208 transport info:\r\nstatus: record\r\nspeed: 0\r\nslot id: 1\r\nclip id: 2\r\n")
    assert info.endswith(TRANSPORT_TAIL) and b"\r\nsingle clip: false\r\ndisplay timecode: " in info
    assert await client.ask("stop") == b"200 ok\r\n"
    assert await client.ask("slot info: slot id: 1") == SLOT_INFO
    assert await client.ask("slot info") == SLOT_INFO
    assert await client.ask("slot info: slot id: 2") == b"202 slot info:\r\nslot id: 2\r\nstatus: empty\r\n\r\n"
    assert await client.ask("slot info: slot id: 9") == b"102 invalid value\r\n"
    assert await client.ask("remote") == b"210 remote info:\r\nenabled: true\r\noverride: false\r\n\r\n"
    assert await client.ask("remote info") == b"210 remote info:\r\nenabled: true\r\noverride: false\r\n\r\n"
    assert await client.ask("garbage") == b"100 syntax error\r\n"
    assert await client.ask("record: colour: red") == b"100 syntax error\r\n"
    handle.set_disk(False)
    assert await client.ask("record") == b"105 no disk\r\n"
    handle.set_disk(True, remaining_s=0)
    assert await client.ask("record") == b"104 disk full\r\n"
    handle.set_disk(True, remaining_s=600)
    handle.set_remote(False)
    assert await client.ask("record") == b"111 remote control disabled\r\n"
    assert handle.transport == "stopped"
    assert await client.ask("remote: enable: true") == b"200 ok\r\n"
    assert handle.remote


async def test_notifications(unit: Rig) -> None:
    _, handle, connect = unit
    client = await connect()
    assert await client.ask("notify: transport: true slot: true") == b"200 ok\r\n"
    assert await client.ask("notify") == NOTIFY_ALL
    assert await client.ask("notify: dropped frames: true display timecode: false") == b"200 ok\r\n"
    assert await client.ask("notify: colour: true") == b"100 syntax error\r\n"
    assert await client.ask("record") == b"200 ok\r\n"
    assert await client.reply() == b"508 transport info:\r\nstatus: record\r\n\r\n"
    handle.press_stop()
    assert await client.reply() == b"508 transport info:\r\nstatus: stopped\r\n\r\n"
    client.writer.write(b"notify:\nremote: true\n\n")  # the multi-line parameter form
    assert await client.reply() == b"200 ok\r\n"
    handle.set_remote(False)
    assert await client.reply() == b"510 remote info:\r\nenabled: false\r\n\r\n"
    handle.set_remote(True)
    await client.reply()
    assert await client.ask("record") == b"200 ok\r\n"
    await client.reply()
    handle.set_disk(False)  # the card is pulled while recording
    assert await client.reply() == b"508 transport info:\r\nstatus: stopped\r\n\r\n"
    assert await client.reply() == b"502 slot info:\r\nslot id: 1\r\nstatus: empty\r\n\r\n"


async def test_the_disk_fills_and_the_recording_stops() -> None:
    server = HyperDeckServer(TcpEndpoint(), HyperDeck({"remaining_s": 3, "countdown_speed": 30}))
    server.open()
    reader, writer = await asyncio.open_connection(server.endpoint.host, server.endpoint.port)
    client = Client(reader, writer)
    try:
        handle = HyperDeckHandle(server)
        await client.reply()
        assert await client.ask("notify: transport: true slot: true") == b"200 ok\r\n"
        assert await client.ask("record: name: Long") == b"200 ok\r\n"
        assert await client.reply() == b"508 transport info:\r\nstatus: record\r\n\r\n"
        assert await client.reply() == b"508 transport info:\r\nstatus: stopped\r\n\r\n"
        slot = await client.reply()
        assert b"recording time: 0\r\n" in slot and slot.startswith(b"502 slot info:")
        assert handle.transport == "stopped" and handle.remaining_s == 0
    finally:
        await client.close()
        server.close()


async def test_one_client_at_a_time(unit: Rig) -> None:
    _, _, connect = unit
    first = await connect()
    second = await connect(banner=False)
    assert await second.reply() == b"120 connection rejected\r\n"
    assert await second.reader.read() == b""  # hung up on
    assert await first.ask("ping") == b"200 ok\r\n"
    await first.close()
    await asyncio.sleep(0.05)
    third = await connect()
    assert await third.ask("ping") == b"200 ok\r\n"


async def test_faults(unit: Rig) -> None:
    server, handle, connect = unit
    client = await connect()
    handle.garble()
    garbled = await client.ask("ping")
    assert garbled != b"200 ok\r\n" and garbled.endswith(b"\r\n")
    assert await client.ask("ping") == b"200 ok\r\n"
    handle.fall_silent()
    client.writer.write(b"ping\n")
    with pytest.raises(TimeoutError):
        await client.reply(timeout=0.1)
    handle.fall_silent(False)
    assert await client.ask("ping") == b"200 ok\r\n"
    handle.unplug()
    assert await client.reader.read() == b""
    with pytest.raises(OSError):
        await asyncio.open_connection(server.endpoint.host, server.endpoint.port)
    handle.replug()
    again = await connect()
    assert await again.ask("ping") == b"200 ok\r\n"


def test_parameter_parsing() -> None:
    assert parse_params("name: Court2_0930") == {"name": "Court2_0930"}
    assert parse_params("transport: true slot: true") == {"transport": "true", "slot": "true"}
    assert parse_params("slot id: 2") == {"slot id": "2"}
    assert parse_params("colour: red") is None


async def test_device_info_and_clips_as_the_current_manual_gives_them(unit: Rig) -> None:
    server, _, connect = unit
    client = await connect()
    assert await client.ask("device info") == DEVICE_INFO
    assert await client.ask("clips count") == b"214 clips count:\r\nclip count: 0\r\n\r\n"
    assert await client.ask("clips get") == b"205 clips info:\r\nclip count: 0\r\n\r\n"
    clock = [0.0]
    server.deck.clock = lambda: clock[0]
    server.deck.settle()
    assert await client.ask("record: name: Court2_0930") == b"200 ok\r\n"
    clock[0] = 4.0  # four seconds at 25 fps
    assert await client.ask("stop") == b"200 ok\r\n"
    assert await client.ask("record") == b"200 ok\r\n"
    clock[0] = 5.0
    assert await client.ask("stop") == b"200 ok\r\n"
    assert await client.ask("clips count") == b"214 clips count:\r\nclip count: 2\r\n\r\n"
    assert await client.ask("clips get") == (
        b"205 clips info:\r\nclip count: 2\r\n1: Court2_0930 00:00:00:00 00:00:04:00\r\n"
        b"2: SSD1_0002 00:00:04:00 00:00:01:00\r\n\r\n"
    )
    assert await client.ask("clips get: clip id: 2 count: 1") == (
        b"205 clips info:\r\nclip count: 1\r\n2: SSD1_0002 00:00:04:00 00:00:01:00\r\n\r\n"
    )
    assert await client.ask("clips get: clip id: x") == b"102 invalid value\r\n"


async def test_an_older_protocol_version_answers_the_older_field_sets() -> None:
    settings = {"model_name": "HyperDeck Studio", "protocol_version": "1.9", "countdown_speed": 0}
    server = HyperDeckServer(TcpEndpoint(), HyperDeck(settings))
    server.open()
    reader, writer = await asyncio.open_connection(server.endpoint.host, server.endpoint.port)
    client = Client(reader, writer)
    try:
        await client.reply()
        assert await client.ask("device info") == (
            b"204 device info:\r\nprotocol version: 1.9\r\nmodel: HyperDeck Studio\r\nslot count: 2\r\n\r\n"
        )
        info = await client.ask("transport info")
        assert info.endswith(b"\r\nvideo format: 1080i50\r\nloop: false\r\n\r\n")
        assert await client.ask("slot info") == (
            b"202 slot info:\r\nslot id: 1\r\nstatus: mounted\r\nvolume name: SSD1\r\nrecording time: 10800\r\n"
            b"video format: 1080i50\r\n\r\n"
        )
        assert await client.ask("notify: dropped frames: true") == b"102 invalid value\r\n"
        assert await client.ask("notify") == (
            b"209 notify:\r\ntransport: false\r\nslot: false\r\nremote: false\r\nconfiguration: false\r\n\r\n"
        )
    finally:
        await client.close()
        server.close()
