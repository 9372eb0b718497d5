"""Golden vectors: every worked VISCA serial example of protocols.md section 1, over a real pty.

The client opens the pty with pyserial-asyncio-fast exactly as a third-party program would open a USB adapter,
and the exact reply bytes are checked. The generic 20x profile is used because its ranges hold every example
(pan +0x0990, tilt -0x01B0); motion is sped up tenfold to keep the suite short.
"""

from __future__ import annotations

import time

from sim.camera_profile import CameraProfile
from tests.sim.conftest import ClientFactory, LineFactory, fast, hx, unnibble


async def test_power_on_ack_then_completion(
    make_line: LineFactory, connect: ClientFactory, generic: CameraProfile
) -> None:
    line = make_line((generic, 1))
    client = await connect(line.url)
    assert await client.ask("81 01 04 00 02 FF", 2) == ["90 41 FF", "90 51 FF"]


async def test_zoom_direct_to_0x4000(make_line: LineFactory, connect: ClientFactory, generic: CameraProfile) -> None:
    line = make_line((fast(generic), 1))
    client = await connect(line.url)
    assert await client.ask("81 01 04 47 04 00 00 00 FF") == ["90 41 FF"]
    client.send("81 09 04 47 FF")  # answered at once, mid-move
    reply = await client.frame()
    assert reply[:2] == hx("90 50") and len(reply) == 7 and unnibble(reply[2:6]) < 0x4000
    assert [f.hex(" ").upper() for f in await client.frames(1)] == ["90 51 FF"]
    assert await client.ask("81 09 04 47 FF") == ["90 50 04 00 00 00 FF"]
    assert line.cams[1].zoom == 0x4000


async def test_absolute_then_position_inquiry(
    make_line: LineFactory, connect: ClientFactory, generic: CameraProfile
) -> None:
    line = make_line((fast(generic), 1))
    client = await connect(line.url)
    assert await client.ask("81 01 06 02 18 14 00 09 09 00 0F 0E 05 00 FF", 2) == ["90 41 FF", "90 51 FF"]
    assert await client.ask("81 09 06 12 FF") == ["90 50 00 09 09 00 0F 0E 05 00 FF"]
    assert (line.cams[1].pan, line.cams[1].tilt) == (0x0990, -0x01B0)


async def test_recall_preset_3_completes_when_the_move_ends(
    make_line: LineFactory, connect: ClientFactory, generic: CameraProfile
) -> None:
    line = make_line((generic, 1))
    cam = line.cams[1]
    cam.set_position(pan=300, tilt=150, zoom=1000)  # 0.1 s from home on every axis
    client = await connect(line.url)
    assert await client.ask("81 01 04 3F 01 03 FF", 2) == ["90 41 FF", "90 51 FF"]
    cam.set_position(pan=0, tilt=0, zoom=0)
    sent = time.monotonic()
    assert await client.ask("81 01 04 3F 02 03 FF") == ["90 41 FF"]
    assert cam.moving
    assert await client.frame() == hx("90 51 FF")
    assert time.monotonic() - sent >= 0.1 - 1e-6  # timers may fire a clock tick early
    assert (cam.pan, cam.tilt, cam.zoom, cam.moving) == (300, 150, 1000, False)


async def test_syntax_error_parameter_missing(
    make_line: LineFactory, connect: ClientFactory, generic: CameraProfile
) -> None:
    line = make_line((generic, 1))
    client = await connect(line.url)
    assert await client.ask("81 01 04 38 FF") == ["90 60 02 FF"]


async def test_inquiries_from_the_reference(
    make_line: LineFactory, connect: ClientFactory, generic: CameraProfile
) -> None:
    line = make_line((generic, 1))
    client = await connect(line.url)
    assert await client.ask("81 09 04 00 FF") == ["90 50 02 FF"]
    assert await client.ask("81 09 04 47 FF") == ["90 50 00 00 00 00 FF"]
    assert await client.ask("81 09 06 12 FF") == ["90 50 00 00 00 00 00 00 00 00 FF"]
    assert await client.ask("81 09 00 02 FF") == ["90 50 00 01 05 20 01 01 02 FF"]
    assert await client.ask("81 01 04 00 03 FF", 2) == ["90 41 FF", "90 51 FF"]
    assert await client.ask("81 09 04 00 FF") == ["90 50 03 FF"]


async def test_network_setup_on_one_camera(
    make_line: LineFactory, connect: ClientFactory, generic: CameraProfile
) -> None:
    line = make_line((generic, 1))
    client = await connect(line.url)
    assert await client.ask("88 30 01 FF") == ["88 30 02 FF"]
    assert await client.ask("88 01 00 01 FF") == ["88 01 00 01 FF"]
    assert await client.ask("81 01 00 01 FF") == ["90 50 FF"]


async def test_cancel_replies(make_line: LineFactory, connect: ClientFactory, generic: CameraProfile) -> None:
    line = make_line((generic, 1))
    client = await connect(line.url)
    assert await client.ask("81 01 04 47 04 00 00 00 FF") == ["90 41 FF"]
    assert await client.ask("81 21 FF") == ["90 61 04 FF"]
    assert await client.ask("81 22 FF") == ["90 62 05 FF"]
    assert await client.silence(0.05) == b""  # the cancelled zoom never completes
    assert not line.cams[1].moving
