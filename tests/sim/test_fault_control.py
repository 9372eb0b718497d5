"""The fault control of a simulated room: one vocabulary for every device (its handle's FaultHandle base, called
directly), over a loopback socket; bad requests answered with what was wrong."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sim.control import FaultControl, send
from sim.errors import SimError
from sim.faults import FaultHandle
from sim.room import SimulatedRoom
from tests.conftest import REPO

EXAMPLE = REPO / "deploy" / "examples" / "courtroom-standard.yaml"


@pytest.fixture
async def control(tmp_path: Path) -> AsyncIterator[tuple[SimulatedRoom, int]]:
    room = SimulatedRoom(EXAMPLE, run_dir=tmp_path / "sim")
    await room.start()
    faults = FaultControl(room)
    port = await faults.start()
    try:
        yield room, port
    finally:
        await faults.stop()
        await room.stop()


async def test_one_vocabulary_breaks_and_mends_a_camera_and_a_recorder(control: tuple[SimulatedRoom, int]) -> None:
    room, port = control
    camera, deck = room.camera("cam-judge"), room.device("rec-backup")
    assert (await send(port, {"device": "cam-judge", "fault": "silent"}))["ok"]
    assert camera.silent
    assert (await send(port, {"device": "cam-judge", "fault": "resume"}))["ok"]
    assert not camera.silent
    assert isinstance(deck, FaultHandle)
    assert (await send(port, {"device": "rec-backup", "fault": "silent"}))["ok"]
    assert deck.silent and deck.line.faults.silent  # type: ignore[attr-defined]  # the deck's state is its line's
    assert (await send(port, {"device": "rec-backup", "fault": "resume"}))["ok"]
    assert not deck.silent
    assert (await send(port, {"device": "rec-backup", "fault": "garble", "args": [3]}))["ok"]
    assert deck.faults.garbles == 3
    assert (await send(port, {"device": "rec-backup", "fault": "slow", "args": ["0.25"]}))["ok"]
    assert deck.port.delay_s == 0.25  # type: ignore[attr-defined]
    assert (await send(port, {"device": "cam-judge", "fault": "unplug"}))["ok"]
    assert not camera.plugged
    assert (await send(port, {"device": "cam-judge", "fault": "replug"}))["ok"]
    assert camera.plugged


async def test_a_chained_camera_pulls_its_whole_line_and_puts_it_back(control: tuple[SimulatedRoom, int]) -> None:
    room, port = control
    bus = room.bus_for("cam-judge")
    link = Path(bus.url)  # the line's stable name, like /dev/courtroom/rs485-cameras
    assert await asyncio.to_thread(link.exists)
    assert (await send(port, {"device": "cam-witness", "fault": "unplug_line"}))["ok"]
    assert not await asyncio.to_thread(link.is_symlink) and not bus.endpoint.plugged  # the adapter is gone
    assert room.camera("cam-witness").plugged  # the camera itself is still on its line
    assert (await send(port, {"device": "cam-witness", "fault": "replug_line"}))["ok"]
    assert await asyncio.to_thread(link.exists) and bus.endpoint.plugged  # back at the same name
    listing = (await send(port, {"list": True}))["devices"]
    assert {"unplug_line", "replug_line"} <= set(listing["cam-judge"]) & set(listing["cam-gallery"])  # VISCA, Pelco
    assert "unplug_line" not in listing["proj-evidence"]  # its own unplug already takes its port


async def test_the_class_actions_reach_the_device(control: tuple[SimulatedRoom, int]) -> None:
    room, port = control
    display, mics = room.device("disp-judge"), room.device("mics")
    before = display.power  # type: ignore[attr-defined]
    reply = await send(port, {"device": "disp-judge", "fault": "press_power", "args": ["off" if before else "on"]})
    assert reply == {"ok": True, "device": "disp-judge", "fault": "press_power"}
    assert display.power is not before  # type: ignore[attr-defined]
    assert (await send(port, {"device": "mics", "fault": "press", "args": ["3"]}))["ok"]
    assert 3 in mics.active  # type: ignore[attr-defined]
    listing = await send(port, {"list": True})
    assert "press_power" in listing["devices"]["disp-judge"] and "press" not in listing["devices"]["disp-judge"]
    assert {"unplug", "replug", "silent", "resume", "garble", "slow"} <= set(listing["devices"]["cam-judge"])


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ({"device": "cam-nobody", "fault": "unplug"}, "no simulated device 'cam-nobody'"),
        ({"device": "cam-judge", "fault": "explode"}, "unknown fault 'explode'"),
        ({"device": "cam-judge", "fault": "press_stop"}, "cam-judge has no fault 'press_stop'"),
        ({"device": "mics", "fault": "press"}, "press takes 1-1 arguments, not 0"),
        ({"device": "mics", "fault": "press", "args": ["two"]}, "'two' is not a whole number"),
        ({"device": "rec-backup", "fault": "garble", "args": [0]}, "the count must be at least 1"),
        ({"device": "rec-backup", "fault": "slow", "args": ["soon"]}, "'soon' is not a delay in seconds"),
        ({"fault": "unplug"}, "names a 'device' and a 'fault'"),
        ({"device": "mics", "fault": "press", "args": [{"seat": 1}]}, "'args' is a list of words or numbers"),
    ],
)
async def test_a_bad_request_is_answered_with_what_was_wrong(
    control: tuple[SimulatedRoom, int], request_: dict[str, object], error: str
) -> None:
    _, port = control
    reply = await send(port, request_)
    assert reply["ok"] is False and error in reply["error"], reply


async def test_garbage_on_the_socket_is_answered_and_the_service_stays_up(control: tuple[SimulatedRoom, int]) -> None:
    import asyncio

    _, port = control
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"\xff\xfe not json\n[1, 2]\n")
    await writer.drain()
    first, second = json.loads(await reader.readline()), json.loads(await reader.readline())
    writer.close()
    assert "not a JSON request" in first["error"] and "a request is a JSON object" in second["error"]
    assert (await send(port, {"list": True}))["ok"]


async def test_no_control_listening_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SimError, match=f"no simulator fault control on 127.0.0.1:{port}"):
        await send(port, {"list": True}, timeout=2)
