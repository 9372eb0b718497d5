"""The DIS-CCU driver against its simulator twin: what the mic-system suite does not cover."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from drivers.devices.mic import SeatParams
from drivers.dis_ccu.device import DisCcuMicSystem
from drivers.errors import CourtroomError, DeviceNak
from sim.dis_ccu import DisCcuUnit
from tests.functional.harness import Rig, rig

REF = "shure/mxc-ccu"


def parts(r: Rig) -> tuple[DisCcuMicSystem, DisCcuUnit]:
    assert isinstance(r.device, DisCcuMicSystem) and isinstance(r.handle, DisCcuUnit)
    return r.device, r.handle


async def test_command_error_is_a_device_nak(tmp_path: Path) -> None:
    async with rig(tmp_path, "mic_system", REF) as r:
        dev, ccu = parts(r)
        with pytest.raises(DeviceNak, match="251"):
            await dev.run("mic_on", SeatParams(seat=251))  # past validation: the CCU itself refuses
        assert ccu.commands[-1] == "mic_on 251"
        await dev.mic_on(4)
        await dev.mic_on(4)  # already on: the CCU confirms, no error
        assert ccu.active == {4}


async def test_seat_states_from_the_dump_and_later(tmp_path: Path) -> None:
    async with rig(tmp_path, "mic_system", REF) as r:
        dev, ccu = parts(r)
        assert sorted(dev.seat_states) == list(range(1, 9))
        assert dev.seat_states[3].name == "Seat 3" and dev.seat_states[3].active
        ccu.set_seat(3, registered=False)
        await r.until(lambda: not dev.seat_states[3].active, what="seat 3 passive")


async def test_another_control_system_and_the_chairman(tmp_path: Path) -> None:
    async with rig(tmp_path, "mic_system", REF) as r:
        dev, ccu = parts(r)
        events: list[tuple[str, dict[str, object]]] = []
        dev.add_event_listener(lambda e, d: events.append((e, d)))
        _, writer = await asyncio.open_connection("127.0.0.1", ccu.endpoint.port)
        try:
            writer.write(b"mic_on 7\r\nmic_request_on 8\r\n")
            await r.until(lambda: dev.speaking(7) and dev.requests == {8}, what="the other system's changes")
            ccu.chairman_all_off()
            await r.until(lambda: not dev.active, what="chairman all off")
            assert events[:3] == [("mic_on", {"seat": 7}), ("request_on", {"seat": 8}), ("mic_off", {"seat": 7})]
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def test_a_ccu_restart_drops_the_link_and_the_next_poll_catches_up(tmp_path: Path) -> None:
    async with rig(tmp_path, "mic_system", REF) as r:
        dev, ccu = parts(r)
        ccu.press(1)
        await r.until(lambda: dev.speaking(1), what="mic 1")
        ccu.reset()  # every connection drops, every mic is off
        await r.until(lambda: not dev.link.is_open, what="the link noticed the hang-up")
        ccu.press(2)
        await dev.poll()  # reconnects and reads the dump
        assert dev.snapshot() == {"active": [2], "requests": []}
        ccu.unplug()
        with pytest.raises(CourtroomError):
            await dev.poll()
