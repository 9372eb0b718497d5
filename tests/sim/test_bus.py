"""The shared VISCA line over a real pty: routing, broadcasts, faults, timing and the frame log."""

from __future__ import annotations

import asyncio
import time

import pytest

from sim.camera_profile import CameraProfile
from sim.visca.bus import ViscaFramer
from tests.sim.conftest import Client, ClientFactory, LineFactory, hx, is_link

EPSILON = 1e-6  # event-loop timers may fire up to the clock resolution early


async def read_until_gone(client: Client) -> None:
    try:
        while await client.reader.read(100):
            pass
    except OSError:
        pass


def five(profile: CameraProfile) -> list[tuple[CameraProfile, int]]:
    return [(profile, address) for address in range(1, 6)]


def test_framer_drops_garbage_and_splits_at_ff() -> None:
    framer = ViscaFramer()
    assert framer.feed(hx("00 13 FF 90 81 09")) == []
    assert framer.feed(hx("04 00 FF 82 01 FF 7F")) == [hx("81 09 04 00 FF"), hx("82 01 FF")]
    framer.feed(hx("81 01"))
    framer.reset()
    assert framer.feed(hx("04 00 FF 88 30 01 FF")) == [hx("88 30 01 FF")]
    assert framer.feed(bytes([0x81] + [0] * 70 + [0xFF])) == []


async def test_address_set_on_a_five_camera_bus(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile
) -> None:
    line = make_line(*five(d70))
    client = await connect(line.url)
    assert await client.ask("88 30 01 FF") == ["88 30 06 FF"]
    line.cams[2].unplug()
    line.cams[4].fall_silent()
    assert await client.ask("88 30 01 FF") == ["88 30 04 FF"]


async def test_address_set_with_no_camera_answering_gets_nothing(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile
) -> None:
    line = make_line((d70, 1))
    line.cams[1].unplug()
    client = await connect(line.url)
    client.send("88 30 01 FF")
    assert await client.silence(0.05) == b""


async def test_if_clear_broadcast_is_echoed_once_and_clears_every_camera(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile
) -> None:
    line = make_line(*five(d70))
    client = await connect(line.url)
    assert await client.ask("81 01 04 47 04 00 00 00 FF") == ["90 41 FF"]
    assert await client.ask("83 01 06 02 01 01 00 08 00 00 00 00 00 00 FF") == ["B0 41 FF"]
    assert await client.ask("88 01 00 01 FF") == ["88 01 00 01 FF"]
    assert await client.silence(0.1) == b""
    assert line.cams[1].camera.busy_sockets == () and line.cams[3].camera.busy_sockets == ()
    assert not line.cams[1].moving and not line.cams[3].moving


async def test_cameras_answer_by_address_and_absent_addresses_stay_quiet(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile, generic: CameraProfile
) -> None:
    line = make_line((d70, 1), (generic, 5))
    client = await connect(line.url)
    assert await client.ask("85 09 00 02 FF") == ["D0 50 00 01 05 20 01 01 02 FF"]
    assert await client.ask("81 09 00 02 FF") == ["90 50 00 20 04 0E 02 10 02 FF"]
    client.send("83 09 04 00 FF")
    assert await client.silence(0.05) == b""
    assert await client.ask("00 7F 13 FF 85 09 04 00 FF") == ["D0 50 02 FF"]  # garbage before a header


async def test_replies_of_back_to_back_requests_never_interleave(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile
) -> None:
    line = make_line(*five(d70))
    client = await connect(line.url)
    client.send(b"".join(hx(f"8{a} 09 06 12 FF") for a in range(1, 6)))
    frames = await client.frames(5)
    assert frames == [bytes([(8 + a) << 4]) + hx("50 00 00 00 00 00 00 00 00 FF") for a in range(1, 6)]


async def test_faults_hit_one_camera_only(make_line: LineFactory, connect: ClientFactory, d70: CameraProfile) -> None:
    line = make_line((d70, 1), (d70, 2))
    one, two = line.cams[1], line.cams[2]
    client = await connect(line.url)

    one.drop_next_reply()
    assert await client.ask("81 01 04 00 02 FF") == ["90 51 FF"]  # the ACK is lost, Completion arrives
    one.garble()
    assert await client.ask("81 09 04 00 FF") == ["C5 05 57 FF"]  # 90 50 02 XOR 55
    one.garble(transform=lambda frame: frame[:1] + b"\x77" + frame[1:])
    assert await client.ask("81 09 04 00 FF") == ["90 77 50 02 FF"]
    assert await client.ask("82 09 04 00 FF") == ["A0 50 02 FF"]

    one.fall_silent()  # hears and obeys, says nothing
    client.send("81 01 04 00 03 FF")
    assert await client.ask("82 09 04 00 FF") == ["A0 50 02 FF"]
    assert not one.power
    one.resume()
    assert await client.ask("81 09 04 00 FF") == ["90 50 03 FF"]

    one.unplug()  # hears nothing
    client.send("81 01 04 00 02 FF")
    assert await client.ask("82 09 04 00 FF") == ["A0 50 02 FF"]
    assert not one.power
    one.replug()
    assert await client.ask("81 01 04 00 02 FF", 2) == ["90 41 FF", "90 51 FF"]

    one.send_network_change()
    two.send_network_change()
    assert [f.hex(" ").upper() for f in await client.frames(2)] == ["90 38 FF", "A0 38 FF"]


async def test_completion_of_a_move_is_not_sent_before_the_move_ends(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile
) -> None:
    line = make_line((d70, 1))
    client = await connect(line.url)
    sent = time.monotonic()
    # pan 200 at speed 0x0C: 1000 units/s -> 0.2 s
    assert await client.ask("81 01 06 02 0C 14 00 00 0C 08 00 00 00 00 FF") == ["90 41 FF"]
    assert await client.silence(0.15) == b""
    assert await client.frame(timeout=2) == hx("90 51 FF")
    assert time.monotonic() - sent >= 0.2 - EPSILON
    assert line.cams[1].pan == 200


async def test_buffer_full_and_not_executable_over_the_wire(
    make_line: LineFactory, connect: ClientFactory, generic: CameraProfile
) -> None:
    line = make_line((generic, 1))
    client = await connect(line.url)
    assert await client.ask("81 01 06 02 01 01 00 09 09 00 00 00 00 00 FF") == ["90 41 FF"]
    assert await client.ask("81 01 04 47 00 00 01 00 FF") == ["90 42 FF"]  # 256 at 10000 u/s: 26 ms
    assert await client.ask("81 01 04 3F 01 00 FF") == ["90 60 03 FF"]
    assert await client.frame() == hx("90 52 FF")
    assert await client.ask("81 21 FF") == ["90 61 04 FF"]
    assert await client.ask("81 01 04 00 03 FF", 2) == ["90 41 FF", "90 51 FF"]
    assert await client.ask("81 01 06 04 FF") == ["90 61 41 FF"]
    assert await client.ask("81 01 04 3F 02 7F FF") == ["90 61 41 FF"]
    assert await client.ask("81 01 04 3F 02 80 FF") == ["90 60 02 FF"]  # preset 128 on a 128-preset model


async def test_quirk_recall_gets_an_ack_and_no_completion(make_line: LineFactory, connect: ClientFactory) -> None:
    old = CameraProfile.load("sony/evi-d70", rom=0x0120)
    line = make_line((old, 1))
    line.cams[1].set_position(pan=100)
    client = await connect(line.url)
    assert await client.ask("81 01 04 3F 02 01 FF") == ["90 41 FF"]
    assert await client.silence(0.15) == b""  # 100 / 2000 u/s = 50 ms of motion, then nothing
    assert (line.cams[1].pan, line.cams[1].moving) == (0, False)


async def test_wire_time_adds_at_least_the_line_time(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile
) -> None:
    line = make_line((d70, 1), (d70, 2), baudrate=9600)
    client = await connect(line.url)
    sent = time.monotonic()
    assert await client.ask("81 01 04 00 02 FF", 2) == ["90 41 FF", "90 51 FF"]
    assert time.monotonic() - sent >= (6 + 3 + 3) * 10 / 9600 - EPSILON  # request, ACK, Completion
    sent = time.monotonic()
    client.send(hx("81 09 04 00 FF") + hx("82 09 04 00 FF"))
    assert await client.frame() == hx("90 50 02 FF")
    assert await client.frame() == hx("A0 50 02 FF")
    # half duplex: two requests, then two replies, one after the other on the line
    assert time.monotonic() - sent >= (5 + 5 + 4 + 4) * 10 / 9600 - EPSILON


async def test_next_frame_waits_for_a_matching_frame(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile
) -> None:
    line = make_line((d70, 1))
    bus = line.bus
    client = await connect(line.url)
    start = time.monotonic()
    waiting = bus.expect_frame(lambda f: f[1:3] == b"\x01\x04")
    client.send("81 09 04 00 FF")
    client.send("81 01 04 00 02 FF")
    entry = await asyncio.wait_for(waiting, 1)
    assert (entry.direction, entry.data) == ("rx", hx("81 01 04 00 02 FF"))
    assert entry.time >= start
    reply = await bus.next_frame(lambda f: f == hx("90 51 FF"), direction="tx", since=start, timeout=1)
    assert reply.data == hx("90 51 FF")
    inquiry = await bus.next_frame(lambda f: f[1] == 0x09, since=start, timeout=1)
    assert inquiry.data == hx("81 09 04 00 FF")
    with pytest.raises(TimeoutError):
        await bus.next_frame(lambda f: f[1] == 0x30, timeout=0.02)
    assert bus.frames == [hx("81 09 04 00 FF"), hx("81 01 04 00 02 FF")]
    assert [e.data for e in bus.log if e.direction == "tx"] == [hx("90 50 02 FF"), hx("90 41 FF"), hx("90 51 FF")]


async def test_line_unplug_makes_the_port_vanish_and_replug_brings_it_back(
    make_line: LineFactory, connect: ClientFactory, d70: CameraProfile
) -> None:
    line = make_line((d70, 1))
    path = line.url
    client = await connect(path)
    assert await client.ask("81 09 04 00 FF") == ["90 50 02 FF"]
    line.bus.unplug()
    assert not line.bus.endpoint.plugged
    assert not is_link(path)
    async with asyncio.timeout(1):  # the client's port reports the vanished device: error or end of file
        await read_until_gone(client)
    line.bus.replug()
    again = await connect(path)
    assert await again.ask("81 09 04 00 FF") == ["90 50 02 FF"]
