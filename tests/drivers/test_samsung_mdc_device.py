"""MdcDisplay against its simulator twin: what the display suite does not cover (TCP 1515, daisy chains, NAK
codes, the TLS banner, configuration errors, a new model as one YAML file)."""

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
from drivers.errors import ConfigError, DeviceNak, NotExecutable, ProfileError, Unsupported
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.samsung_mdc.device import MdcDisplay
from drivers.transports.tcp import TcpTransport
from sim.room import SimulatedRoom
from sim.samsung_mdc import MdcHandle
from tests.conftest import REPO
from tests.functional.harness import _fast

Rooms = tuple[dict[str, MdcDisplay], dict[str, MdcHandle]]


def dev(
    device_id: str, port: str, address: int | None = 1, profile: str = "samsung/qm55r", **extra: Any
) -> dict[str, Any]:
    """One display entry of a room config."""
    entry = {"id": device_id, "kind": "display", "profile": profile, "transport": {"port": port}, **extra}
    if address is not None:
        entry["address"] = address
    return entry


@contextlib.asynccontextmanager
async def room(tmp_path: Path, devices: list[dict[str, Any]], profiles: Path | None = None) -> AsyncIterator[Rooms]:
    """Simulate the devices, build their drivers (not connected) with short timeouts; close all after."""
    config: dict[str, Any] = {"room": {"id": "mdc"}, "state_dir": str(tmp_path / "state"), "devices": devices}
    if profiles is not None:
        config["profiles_dir"] = str(profiles)
    source = tmp_path / "room.yaml"
    source.write_text(yaml.safe_dump(config), encoding="utf-8")
    sim = SimulatedRoom(source, tmp_path / "run", profiles_dir=profiles)
    await sim.start()
    built: dict[str, MdcDisplay] = {}
    try:
        live = tmp_path / "live.yaml"
        sim.write_config(live)
        cfg = load_config(live)
        factory = DeviceFactory(_fast(load_profiles(cfg, str(live))))
        for d in cfg.devices:
            device = factory.build(d.id, d.profile, d.transport.port, d.address, d.transport, options=d.options)
            assert isinstance(device, MdcDisplay)
            built[d.id] = device
        handles = {d.id: sim.device(d.id) for d in cfg.devices}
        yield built, handles  # type: ignore[misc]
    finally:
        for device in built.values():
            await device.close()
        await sim.stop()
        await asyncio.get_running_loop().shutdown_default_executor()


async def test_tcp_1515_and_the_exact_bytes_on_the_wire(tmp_path: Path) -> None:
    async with room(tmp_path, [dev("wall", "tcp://192.0.2.10:1515")]) as (displays, handles):
        display, handle = displays["wall"], handles["wall"]
        assert isinstance(display.link.transport, TcpTransport)
        await display.connect()
        assert display.state.power is False and display.state.input == "hdmi1"
        await display.power(True)
        await display.select_input("dp1")
        await display.set_volume(24)
        await display.set_mute(True)
        assert handle.requests[-4:] == [
            bytes.fromhex(text)
            for text in ("AA 11 01 01 01 14", "AA 14 01 01 25 3B", "AA 12 01 01 18 2C", "AA 13 01 01 01 16")
        ]
        await display.poll()
        assert (display.state.power_state, display.state.input, display.state.volume, display.state.mute) == (
            "on",
            "dp1",
            24,
            True,
        )


def test_a_tcp_port_without_a_number_uses_1515() -> None:
    display = DeviceFactory(ProfileLibrary()).build("wall", "samsung/qb75r", "tcp://192.0.2.10", 3)
    assert isinstance(display, MdcDisplay)
    assert isinstance(display.link.transport, TcpTransport) and display.link.transport.port == 1515


async def test_a_daisy_chain_shares_one_link_and_routes_by_display_id(tmp_path: Path) -> None:
    chain = [dev("left", "/dev/courtroom/chain", 1), dev("right", "/dev/courtroom/chain", 2, "samsung/qb75r")]
    async with room(tmp_path, chain) as (displays, handles):
        left, right = displays["left"], displays["right"]
        assert left.link is right.link
        await asyncio.gather(left.connect(), right.connect())
        await right.power(True)
        await right.select_input("magicinfo")
        assert handles["right"].power and not handles["left"].power
        assert handles["right"].input_code == "20"
        await asyncio.gather(left.poll(), right.poll())
        assert (left.state.power, right.state.power, right.state.input) == (False, True, "magicinfo")
        await left.close()  # the other display keeps the line
        await right.poll()
        assert right.link.is_open


async def test_a_nak_is_a_device_nak_with_the_error_byte(tmp_path: Path) -> None:
    devices = [dev("a", "/dev/courtroom/a"), dev("b", "/dev/courtroom/b", options={"busy_nak_codes": [3]})]
    async with room(tmp_path, devices) as (displays, handles):
        for display in displays.values():
            await display.connect()
        handles["a"].refuse_next(code=1)
        with pytest.raises(DeviceNak, match="refused command 11") as refused:
            await displays["a"].power(True)
        assert refused.value.device_code == 1 and not isinstance(refused.value, NotExecutable)
        assert displays["a"].state.power is False
        handles["b"].refuse_next(code=3)
        with pytest.raises(NotExecutable) as busy:
            await displays["b"].set_volume(10)
        assert busy.value.device_code == 3
        await displays["b"].set_volume(10)


async def test_a_remote_input_change_is_seen_and_an_unknown_code_kept_raw(tmp_path: Path) -> None:
    async with room(tmp_path, [dev("d", "/dev/courtroom/d", None)]) as (displays, handles):
        display = displays["d"]
        assert display.display_id == 1  # the default MDC ID
        await display.connect()
        handles["d"].select_input(0x23)
        await display.poll()
        assert display.state.input == "hdmi2"
        handles["d"].select_input(0x55)
        await display.poll()
        assert display.state.input == "55"


async def test_the_tls_banner_is_refused_clearly(tmp_path: Path) -> None:
    async with room(tmp_path, [dev("secure", "tcp://192.0.2.10:1515")]) as (displays, handles):
        handles["secure"].set_tls(True)
        with pytest.raises(Unsupported, match=r"MDCSTART<<TLS>>.*options\.pin_file"):
            await displays["secure"].connect()
        await displays["secure"].close()
        handles["secure"].set_tls(False)
        await displays["secure"].connect()  # the secured mode switched off: plain MDC again
        assert displays["secure"].state.power is False


def _write_config(tmp_path: Path, devices: list[dict[str, Any]], profiles: Path | None = None) -> Path:
    config: dict[str, Any] = {"room": {"id": "x"}, "state_dir": str(tmp_path / "s"), "devices": devices}
    if profiles is not None:
        config["profiles_dir"] = str(profiles)
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("device", "message"),
    [
        (dev("d", "/dev/ttyS0", 254), "d: address: 254 is outside 0..253"),
        (dev("d", "/dev/ttyS0", options={"busy_nak": [1]}), "d: options.busy_nak"),
        (dev("d", "/dev/ttyS0", options={"busy_nak_codes": "x"}), "d: options.busy_nak_codes"),
    ],
)
def test_room_config_errors_name_device_and_key(tmp_path: Path, device: dict[str, Any], message: str) -> None:
    path = _write_config(tmp_path, [device])
    with pytest.raises(ConfigError, match=message):
        load_profiles(load_config(path), str(path))


def test_a_profile_typo_or_bad_input_code_is_refused(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", profiles)
    model = profiles / "models" / "samsung" / "qm55r.yaml"
    original = model.read_text()
    model.write_text(original.replace("busy_nak_codes: []", "busy_nak_code: []"))
    with pytest.raises(ProfileError, match=r"qm55r.yaml: options.*busy_nak_code"):
        ProfileLibrary(profiles)
    model.write_text(original.replace('dvi: "18"', 'dvi: "0x18"'))
    with pytest.raises(ProfileError, match=r"inputs\.dvi"):
        DeviceFactory(ProfileLibrary(profiles)).build("d", "samsung/qm55r", "/dev/ttyS0")


NEW_MODEL = """\
schema: 1
vendor: Samsung
model: DC55E
device_class: display
protocol: samsung_mdc
capabilities: [power, input, volume]
inputs: {pc: "14", hdmi1: "21", hdbaset: "55"}
volume: {min: 0, max: 60}
"""


async def test_a_new_model_is_one_yaml_file(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", profiles)
    (profiles / "models" / "samsung" / "dc55e.yaml").write_text(NEW_MODEL)
    async with room(tmp_path, [dev("dc", "/dev/courtroom/dc", 7, "samsung/dc55e")], profiles) as (displays, handles):
        display = displays["dc"]
        await display.connect()
        await display.power(True)
        await display.select_input("hdbaset")
        await display.set_volume(60)
        assert (handles["dc"].input_code, handles["dc"].volume) == ("55", 60)
        with pytest.raises(Unsupported, match="mute"):
            await display.set_mute(True)
