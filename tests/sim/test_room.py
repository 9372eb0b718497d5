"""A simulated room built from a room config: endpoints, shared lines, the rewritten config, config errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.endpoints import TcpEndpoint
from sim.errors import SimConfigError
from sim.room import SimulatedRoom, port_link_name
from tests.conftest import REPO
from tests.sim.conftest import ClientFactory, is_link

STANDARD = REPO / "deploy" / "examples" / "courtroom-standard.yaml"
CAMERAS = ["cam-judge", "cam-plaintiff", "cam-defendant", "cam-witness", "cam-panorama"]  # one RS-485 line
OTHERS = ["cam-evidence", "cam-gallery"]  # VISCA over IP, and a Pelco-D dome on a line of its own
REST = ["disp-judge", "disp-parties", "proj-evidence", "rec-main", "rec-backup", "dsp", "mics"]


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def camera(device_id: str, port: str, address: int | None, profile: str = "sony/evi-d70") -> dict[str, Any]:
    device: dict[str, Any] = {"id": device_id, "kind": "camera", "profile": profile, "transport": {"port": port}}
    if address is not None:
        device["address"] = address
    return device


async def test_standard_room_has_five_cameras_on_one_bus(tmp_path: Path, connect: ClientFactory) -> None:
    run_dir = tmp_path / "run"
    async with SimulatedRoom(STANDARD, run_dir) as room:
        link = str(run_dir / "courtroom-rs485-cameras")
        assert {d: room.endpoints[d] for d in CAMERAS} == dict.fromkeys(CAMERAS, link)
        assert room.endpoints["cam-evidence"].startswith("udp://127.0.0.1:")
        assert room.endpoints["cam-gallery"] == str(run_dir / "courtroom-rs485-gallery")
        assert room.device_ids == CAMERAS + OTHERS + REST
        bus = room.bus_for("cam-judge")
        assert all(room.bus_for(d) is bus for d in CAMERAS)
        assert len(room.lines) == 3 + len(REST) and room.lines[0] is bus  # every other device on a line of its own
        assert [room.camera(d).address for d in CAMERAS] == [1, 2, 3, 4, 5]
        assert room.camera("cam-judge").camera.profile.ref == "sony/evi-d70"
        assert room.camera("cam-witness").camera.profile.ref == "generic/visca-ptz-20x"
        assert bus.baudrate is None

        client = await connect(link)
        assert await client.ask("88 30 01 FF") == ["88 30 06 FF"]
        assert await client.ask("85 09 00 02 FF") == ["D0 50 00 20 04 0E 02 10 02 FF"]
        assert await client.ask("82 09 00 02 FF") == ["A0 50 00 01 05 20 01 01 02 FF"]

        out = tmp_path / "sim-room.yaml"
        room.write_config(out)
        original = yaml.safe_load(STANDARD.read_text(encoding="utf-8"))
        written = yaml.safe_load(out.read_text(encoding="utf-8"))
        assert [d["transport"]["port"] for d in written["devices"]][:5] == [link] * 5
        for device in original["devices"]:
            device["transport"]["port"] = room.endpoints[device["id"]]
        assert written == original
    assert not is_link(link)


async def test_socket_ports_become_tcp_endpoints(tmp_path: Path, connect: ClientFactory) -> None:
    config = write_yaml(
        tmp_path / "room.yaml",
        {
            "room": {"id": "t-1"},
            "devices": [
                camera("cam-a", "socket://10.0.0.9:4001", 1),
                camera("cam-b", "/dev/ttyUSB0", 1, "generic/visca-ptz-20x"),
                camera("cam-c", "socket://10.0.0.9:4001", 2, "generic/visca-ptz-20x"),
            ],
        },
    )
    async with SimulatedRoom(config, tmp_path / "run", wire_time=True) as room:
        url = room.endpoints["cam-a"]
        assert url.startswith("socket://127.0.0.1:") and url != "socket://127.0.0.1:0"
        assert room.endpoints["cam-c"] == url
        assert room.endpoints["cam-b"] == str(tmp_path / "run" / "ttyUSB0")
        assert isinstance(room.bus_for("cam-a").endpoint, TcpEndpoint)
        assert room.bus_for("cam-a").baudrate == 9600
        client = await connect(url)
        assert await client.ask("82 09 04 00 FF") == ["A0 50 02 FF"]
        room.write_config(tmp_path / "out.yaml")
        written = yaml.safe_load((tmp_path / "out.yaml").read_text(encoding="utf-8"))
        assert [d["transport"]["port"] for d in written["devices"]] == [url, room.endpoints["cam-b"], url]


def test_port_link_names() -> None:
    assert port_link_name("/dev/courtroom/rs485-cameras") == "courtroom-rs485-cameras"
    assert port_link_name("/dev/ttyUSB0") == "ttyUSB0"
    assert port_link_name("COM3") == "COM3"
    assert port_link_name("/dev/serial/by-id/usb-FTDI_A:1") == "serial-by-id-usb-FTDI_A_1"
    assert port_link_name("/dev/../x") == "x"


@pytest.mark.parametrize(
    ("device", "message"),
    [
        (
            {"id": "screen-1", "kind": "display", "profile": "sony/evi-d70", "transport": {"port": "/dev/x"}},
            "device 'screen-1': the simulator cannot play a 'display' speaking 'visca'",
        ),
        (camera("cam-x", "/dev/x", 1, "acme/nothing"), "device 'cam-x'.*cannot read profile"),
        (camera("cam-y", "/dev/x", 1, "../etc/passwd"), "device 'cam-y'.*expected '<vendor>/<model>'"),
        (camera("cam-z", "/dev/x", None), "device 'cam-z': a VISCA camera needs an 'address'"),
        (camera("cam-w", "/dev/x", 9), "device 'cam-w': VISCA address must be 1..7"),
        ({"id": "cam-v", "kind": "camera", "profile": "sony/evi-d70"}, "device 'cam-v': transport.port"),
    ],
)
def test_config_errors_name_the_device(tmp_path: Path, device: dict[str, Any], message: str) -> None:
    config = write_yaml(tmp_path / "room.yaml", {"devices": [device]})
    with pytest.raises(SimConfigError, match=message):
        SimulatedRoom(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_shared_port_needs_distinct_addresses_and_ids(tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "a.yaml", {"devices": [camera("a", "/dev/x", 1), camera("b", "/dev/x", 1)]})
    with pytest.raises(SimConfigError, match="device 'b': address 1 is taken on port /dev/x"):
        SimulatedRoom(config, tmp_path)
    config = write_yaml(tmp_path / "b.yaml", {"devices": [camera("a", "/dev/x", 1), camera("a", "/dev/y", 2)]})
    with pytest.raises(SimConfigError, match="device 'a': duplicate id"):
        SimulatedRoom(config, tmp_path)
    (tmp_path / "c.yaml").write_text("devices: [", encoding="utf-8")
    with pytest.raises(SimConfigError, match=r"c\.yaml: not valid YAML"):
        SimulatedRoom(tmp_path / "c.yaml", tmp_path)


async def test_camera_faults_through_the_room(tmp_path: Path, connect: ClientFactory) -> None:
    async with SimulatedRoom(STANDARD, tmp_path) as room:
        client = await connect(room.endpoints["cam-judge"])
        room.camera("cam-witness").unplug()
        assert await client.ask("88 30 01 FF") == ["88 30 05 FF"]
        client.send("84 09 04 00 FF")
        assert await client.silence(0.05) == b""
        assert await client.ask("83 09 04 00 FF") == ["B0 50 02 FF"]
        with pytest.raises(KeyError, match="no simulated device 'nope'"):
            room.camera("nope")
