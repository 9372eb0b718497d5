"""One fault vocabulary on one base: every simulated device's handle is a FaultHandle, shows the faults it can
(and refuses the others naming them), and `slow` delays what its port sends, in order."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sim import control
from sim.control import faults_of
from sim.endpoints import TcpEndpoint
from sim.errors import SimError
from sim.faults import COMMON, FaultHandle, Faults, flip
from sim.room import SimulatedRoom
from tests.conftest import REPO

EXAMPLES = sorted((REPO / "deploy" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_every_simulated_device_handle_is_a_fault_handle(example: Path, tmp_path: Path) -> None:
    room = SimulatedRoom(example, run_dir=tmp_path)
    for device_id in room.device_ids:
        handle = room.device(device_id)
        assert isinstance(handle, FaultHandle), device_id
        assert {"unplug", "replug"} <= set(handle.offers()) <= set(COMMON), device_id
        assert faults_of(handle)[: len(handle.offers())] == handle.offers()


def test_the_control_speaks_the_base_s_words_each_once() -> None:
    assert tuple(control.COMMON) == COMMON
    assert set(control.COMMON).isdisjoint(control.OWN)


def test_a_store_shows_only_unplug_and_replug_and_refuses_the_rest_by_name(tmp_path: Path) -> None:
    room = SimulatedRoom(REPO / "deploy" / "examples" / "courtroom-av-extras.yaml", run_dir=tmp_path)
    store = room.device("rec-soft")
    assert isinstance(store, FaultHandle)
    assert store.offers() == ["unplug", "replug"]
    with pytest.raises(SimError, match="cannot show 'garble' \\(it shows: unplug, replug\\)"):
        store.garble()
    with pytest.raises(SimError, match="cannot show 'slow'"):
        store.slow(1.0)


def test_garbles_use_the_family_corruption_or_the_one_given_each_once() -> None:
    faults = Faults(garble=lambda reply: reply[::-1])
    faults.add_garbles(2)
    faults.add_garbles(1, flip)
    assert faults.garbles == 3
    assert [faults.garbled(b"ab"), faults.garbled(b"ab"), faults.garbled(b"ab"), faults.garbled(b"ab")] == [
        b"ba",
        b"ba",
        bytes([ord("a") ^ 0x55, ord("b") ^ 0x55]),
        b"ab",
    ]


async def test_a_slowed_port_sends_late_and_in_order_and_on_time_again_after_slow_zero() -> None:
    endpoint = TcpEndpoint()
    heard = asyncio.Event()
    endpoint.attach(lambda _data: heard.set())
    endpoint.open()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
        writer.write(b"hello")  # the endpoint has the client once it hears it
        async with asyncio.timeout(2):
            await heard.wait()
        loop = asyncio.get_running_loop()
        endpoint.slow(0.3)
        started = loop.time()
        endpoint.write(b"one ")
        endpoint.write(b"two ")
        endpoint.slow(0)
        endpoint.write(b"three")  # not slowed, yet after what waits
        async with asyncio.timeout(3):
            got = await reader.readexactly(len(b"one two three"))
        assert got == b"one two three"
        assert loop.time() - started >= 0.3
        endpoint.write(b"!")
        async with asyncio.timeout(0.25):
            assert await reader.readexactly(1) == b"!"
        writer.close()
    finally:
        endpoint.close()


def test_slow_refuses_a_negative_delay(tmp_path: Path) -> None:
    room = SimulatedRoom(REPO / "deploy" / "examples" / "courtroom-standard.yaml", run_dir=tmp_path)
    deck = room.device("rec-backup")
    assert isinstance(deck, FaultHandle)
    with pytest.raises(SimError, match="0 s or more"):
        deck.slow(-1)
