"""The DCS 6000 driver against its simulator twin: what the mic-system suite does not cover."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from drivers.dcs6000.device import Dcs6000MicSystem
from drivers.devices.mic import SeatParams
from drivers.errors import ConfigError, DeviceOffline
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from sim.dcs6000 import Dcs6000Unit, crc8
from tests.conftest import REPO
from tests.functional.harness import Rig, rig

REF = "shure/dcs-6000-cu6105"


def control(to: int, item: int, mic: int, ident: int = 0) -> bytes:
    body = bytes([0x63, ident, to >> 8, to & 0xFF, 23, 3, item, mic >> 8, mic & 0xFF])
    return b"\xfc" + body + bytes([crc8(body)]) + b"\xfd"


def parts(r: Rig) -> tuple[Dcs6000MicSystem, Dcs6000Unit]:
    assert isinstance(r.device, Dcs6000MicSystem) and isinstance(r.handle, Dcs6000Unit)
    return r.device, r.handle


async def test_a_cu_reset_re_enters_mic_mode_and_re_reads_the_status(tmp_path: Path) -> None:
    async with rig(tmp_path, "mic_system", REF) as r:
        dev, cu = parts(r)
        events: list[tuple[str, dict[str, object]]] = []
        dev.add_event_listener(lambda e, d: events.append((e, d)))
        cu.press(2)
        await r.until(lambda: dev.speaking(2), what="mic 2 on")
        cu.reset()
        await r.until(lambda: dev.resets == 1 and not dev.speaking(2), what="re-sync after the reset")
        assert ("mic_off", {"seat": 2}) in events
        cu.press(5)  # only heard when the driver entered mic control mode again
        await r.until(lambda: dev.speaking(5), what="mic 5 after the reset")


async def test_only_our_address_and_groups_4000_4013_are_heeded(tmp_path: Path) -> None:
    async with rig(tmp_path, "mic_system", REF, options={"controller_address": 4041}) as r:
        dev, cu = parts(r)
        cu.send_raw(control(3900, 9, 7))  # another controller's message
        cu.send_raw(control(4013, 9, 8))
        await r.until(lambda: dev.speaking(8), what="group 4013 message")
        cu.send_raw(control(4041, 9, 9))
        await r.until(lambda: dev.speaking(9), what="message to our own address")
        assert not dev.speaking(7)
        await dev.mic_off(9)
        await r.until(lambda: cu.received[-1][6] == 15, what="the mic off job at the CU")
        last = cu.received[-1]
        assert last[0] == ord("j") and (last[3] << 8 | last[4]) == 4041 and last[5:9] == bytes([18, 15, 0, 9])


async def test_request_queue_events(tmp_path: Path) -> None:
    async with rig(tmp_path, "mic_system", REF) as r:
        dev, cu = parts(r)
        cu.request(3)
        cu.request(4)
        await r.until(lambda: dev.requests == {3, 4}, what="two requests")
        cu.press(3)
        await r.until(lambda: dev.requests == {4} and dev.speaking(3), what="request 3 speaks")
        cu.cancel_request(4)
        await r.until(lambda: not dev.requests, what="request withdrawn")
        cu.request(6)
        await r.until(lambda: dev.requests == {6}, what="request 6")
        await dev.close()
        await dev.connect()  # the status answer carries the queue (IN_REQUEST)
        assert dev.snapshot() == {"active": [3], "requests": [6]}


async def test_escaping_on_both_sides(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", profiles)
    path = profiles / "models" / "shure" / "dcs-6000-cu6105.yaml"
    model = yaml.safe_load(path.read_text(encoding="utf-8"))
    model["simulate"]["escape"] = True
    model["options"] = {"escape": True}
    path.write_text(yaml.safe_dump(model), encoding="utf-8")
    async with rig(tmp_path, "mic_system", REF, profiles_dir=profiles) as r:
        dev, cu = parts(r)
        await dev.mic_on(0xFC)  # mic 252 and 253: delimiter bytes inside the bodies
        await r.until(lambda: dev.speaking(0xFC) and 0xFC in cu.active, what="mic 252")
        cu.press(0xFD)
        await r.until(lambda: dev.speaking(0xFD), what="mic 253")


async def test_options_are_checked_and_operations_need_a_connection(tmp_path: Path) -> None:
    factory = DeviceFactory(ProfileLibrary())
    with pytest.raises(ConfigError, match=r"cu: options.controller_address"):
        factory.build("cu", REF, "/dev/courtroom/cu", options={"controller_address": 1234})
    with pytest.raises(ConfigError, match=r"cu2: options.status_itme"):
        factory.build("cu2", REF, "/dev/courtroom/cu2", options={"status_itme": 20})
    device = factory.build("cu3", REF, "/dev/courtroom/cu3")
    with pytest.raises(DeviceOffline):
        await device.run("mic_on", SeatParams(seat=1))
    await factory.close()
