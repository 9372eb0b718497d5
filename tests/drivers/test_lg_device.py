"""LgDisplay against its simulator twin: what the display suite does not cover (the [U] options: mute polarity,
kb input, silence in standby; NG codes, chains, TCP, configuration errors)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.config import load_config, load_profiles
from drivers.errors import ConfigError, DeviceNak, DeviceTimeout, NotExecutable
from drivers.factory import DeviceFactory
from drivers.lg.device import LgDisplay
from drivers.transports.tcp import TcpTransport
from sim.lg import LgHandle
from sim.room import SimulatedRoom
from tests.conftest import REPO
from tests.functional.harness import _fast

Rooms = tuple[dict[str, LgDisplay], dict[str, LgHandle]]

LEGACY = """\
# an older LG monitor: kb for the input, ke 01 = muted
schema: 1
vendor: LG
model: Legacy monitor
device_class: display
protocol: lg
capabilities: [power, input, volume, mute]
inputs: {rgb: "60", hdmi1: "90"}
volume: {min: 0, max: 100}
options: {mute_on_code: 1, input_command: kb}
simulate: {reply_delay_ms: 0, mute_on_code: 1, input_command: kb}
"""


def dev(
    device_id: str, port: str, address: int | None = 1, profile: str = "lg/55uh5f-h", **extra: Any
) -> dict[str, Any]:
    """One display entry of a room config."""
    entry = {"id": device_id, "kind": "display", "profile": profile, "transport": {"port": port}, **extra}
    if address is not None:
        entry["address"] = address
    return entry


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    """The shipped profiles plus the legacy monitor above."""
    root = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", root)
    (root / "models" / "lg" / "legacy.yaml").write_text(LEGACY)
    return root


@contextlib.asynccontextmanager
async def room(tmp_path: Path, devices: list[dict[str, Any]], profiles: Path | None = None) -> AsyncIterator[Rooms]:
    """Simulate the devices, build their drivers (not connected) with short timeouts; close all after."""
    config: dict[str, Any] = {"room": {"id": "lg"}, "state_dir": str(tmp_path / "state"), "devices": devices}
    if profiles is not None:
        config["profiles_dir"] = str(profiles)
    source = tmp_path / "room.yaml"
    source.write_text(yaml.safe_dump(config), encoding="utf-8")
    sim = SimulatedRoom(source, tmp_path / "run", profiles_dir=profiles)
    await sim.start()
    built: dict[str, LgDisplay] = {}
    try:
        live = tmp_path / "live.yaml"
        sim.write_config(live)
        cfg = load_config(live)
        factory = DeviceFactory(_fast(load_profiles(cfg, str(live))))
        for d in cfg.devices:
            device = factory.build(d.id, d.profile, d.transport.port, d.address, d.transport, options=d.options)
            assert isinstance(device, LgDisplay)
            built[d.id] = device
        yield built, {d.id: sim.device(d.id) for d in cfg.devices}  # type: ignore[misc]
    finally:
        for device in built.values():
            await device.close()
        await sim.stop()
        await asyncio.get_running_loop().shutdown_default_executor()


async def test_the_exact_requests_on_the_wire(tmp_path: Path) -> None:
    async with room(tmp_path, [dev("tv", "/dev/courtroom/tv")]) as (displays, handles):
        display, handle = displays["tv"], handles["tv"]
        await display.connect()
        assert handle.requests == [b"ka 01 ff"]  # in standby only the power is read
        await display.power(True)
        await display.select_input("dp1")
        await display.set_volume(20)
        await display.set_mute(True)
        await display.poll()
        assert handle.requests[1:] == [
            b"ka 01 01",
            b"xb 01 c0",
            b"kf 01 14",
            b"ke 01 00",
            b"ka 01 ff",
            b"kf 01 ff",
            b"ke 01 ff",
            b"xb 01 ff",
        ]
        assert (display.state.input, display.state.volume, display.state.mute) == ("dp1", 20, True)
        await display.set_mute(False)
        assert not handle.mute


async def test_a_legacy_monitor_with_kb_and_reversed_mute(tmp_path: Path, profiles: Path) -> None:
    async with room(tmp_path, [dev("mon", "/dev/courtroom/mon", profile="lg/legacy")], profiles) as rooms:
        display, handle = rooms[0]["mon"], rooms[1]["mon"]
        await display.connect()
        await display.power(True)
        await display.set_mute(True)
        await display.select_input("rgb")
        assert handle.requests[-2:] == [b"ke 01 01", b"kb 01 60"]
        assert handle.mute and handle.input_code == "60"
        handle.set.mute = False
        await display.poll()
        assert (display.state.mute, display.state.input) == (False, "rgb")


async def test_the_wrong_input_command_is_refused_by_the_set(tmp_path: Path, profiles: Path) -> None:
    device = dev("mon", "/dev/courtroom/mon", profile="lg/legacy", options={"input_command": "xb"})
    async with room(tmp_path, [device], profiles) as (displays, _):
        display = displays["mon"]
        await display.connect()
        await display.power(True)
        with pytest.raises(DeviceNak, match="NG to 'xb 90'") as refused:
            await display.select_input("hdmi1")
        assert refused.value.device_code == 0


async def test_ng_02_is_not_executable(tmp_path: Path) -> None:
    async with room(tmp_path, [dev("tv", "/dev/courtroom/tv")]) as (displays, handles):
        await displays["tv"].connect()
        handles["tv"].refuse_next(code=2)
        with pytest.raises(NotExecutable) as busy:
            await displays["tv"].power(True)
        assert busy.value.device_code == 2
        handles["tv"].refuse_next(code=1)
        with pytest.raises(DeviceNak) as refused:
            await displays["tv"].power(True)
        assert refused.value.device_code == 1 and not isinstance(refused.value, NotExecutable)
        await displays["tv"].power(True)
        assert displays["tv"].state.power_state == "on"


async def test_a_set_silent_in_standby(tmp_path: Path) -> None:
    devices = [
        dev("quiet", "/dev/courtroom/quiet", options={"silent_in_standby": True}),
        dev("strict", "/dev/courtroom/strict"),
    ]
    async with room(tmp_path, devices) as (displays, handles):
        for handle in handles.values():
            handle.set_silent_in_standby(True)
        with pytest.raises(DeviceTimeout):
            await displays["strict"].connect()  # without the option silence is a fault
        quiet, handle = displays["quiet"], handles["quiet"]
        await quiet.connect()
        assert quiet.state.power is False and quiet.state.power_state == "off"
        await quiet.poll()  # still in standby, still silent: no error
        await quiet.power(True)
        await quiet.poll()
        assert quiet.state.power is True
        handle.press_power(False)  # off by the remote: now silent, and it was on
        with pytest.raises(DeviceTimeout):
            await quiet.poll()
        await quiet.close()
        await quiet.connect()  # the supervisor reconnects: in standby
        assert quiet.state.power is False


async def test_a_chain_of_sets_shares_one_link(tmp_path: Path) -> None:
    chain = [dev("a", "/dev/courtroom/chain", 1), dev("b", "/dev/courtroom/chain", 12, "lg/49uh7f")]
    async with room(tmp_path, chain) as (displays, handles):
        assert displays["a"].link is displays["b"].link
        await asyncio.gather(displays["a"].connect(), displays["b"].connect())
        await displays["b"].power(True)
        await displays["b"].select_input("ops")
        assert handles["b"].requests[-1] == b"xb 0c 98"
        assert handles["b"].power and not handles["a"].power
        await asyncio.gather(displays["a"].poll(), displays["b"].poll())
        assert (displays["a"].state.power, displays["b"].state.input) == (False, "ops")


async def test_over_a_tcp_port(tmp_path: Path) -> None:
    async with room(tmp_path, [dev("tv", "tcp://192.0.2.10:9761", 2)]) as (displays, handles):
        display = displays["tv"]
        assert isinstance(display.link.transport, TcpTransport)
        await display.connect()
        await display.power(True)
        await display.set_volume(100)
        assert handles["tv"].requests[-1] == b"kf 02 64"
        handles["tv"].press_power(False)
        await display.poll()
        assert display.state.power is False


@pytest.mark.parametrize(
    ("device", "message"),
    [
        (dev("d", "/dev/ttyS0", 0), "d: address: 0 is outside 1..255"),
        (dev("d", "/dev/ttyS0", options={"mute_on": 1}), "d: options.mute_on"),
        (dev("d", "/dev/ttyS0", options={"input_command": "xc"}), "d: options.input_command"),
    ],
)
def test_room_config_errors_name_device_and_key(tmp_path: Path, device: dict[str, Any], message: str) -> None:
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump({"room": {"id": "x"}, "state_dir": str(tmp_path), "devices": [device]}))
    with pytest.raises(ConfigError, match=message):
        load_profiles(load_config(path), str(path))
