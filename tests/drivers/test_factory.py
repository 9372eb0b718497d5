"""DeviceFactory: one shared line per port, settings that must agree, a registry per protocol family."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drivers.errors import ConfigError, ProfileError
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary, SerialOverride
from drivers.visca.camera import ViscaCamera
from tests.drivers.responder import PtyResponder

REPO = Path(__file__).parents[2]


def cameras(factory: DeviceFactory, *specs: tuple[str, str, int | None]) -> list[ViscaCamera]:
    built = [factory.build(device_id, "generic/visca-ptz-20x", port, address) for device_id, port, address in specs]
    assert all(isinstance(device, ViscaCamera) for device in built)
    return [device for device in built if isinstance(device, ViscaCamera)]


def test_devices_on_one_port_share_one_line(library: ProfileLibrary) -> None:
    factory = DeviceFactory(library)
    a, b, c = cameras(factory, ("cam-a", "/dev/ttyA", 1), ("cam-b", "/dev/ttyA", 2), ("cam-c", "/dev/ttyB", None))
    assert a.line is b.line
    assert c.line is not a.line
    assert (a.address, b.address, c.address) == (1, 2, 1)
    assert a.line.name == "/dev/ttyA"
    assert set(factory.ports) == {"/dev/ttyA", "/dev/ttyB"}


def test_mixed_models_on_one_port_share_the_line(library: ProfileLibrary) -> None:
    factory = DeviceFactory(library)
    judge = factory.build("cam-judge", "sony/evi-d70", "/dev/rs485", 1)
    plaintiff = factory.build("cam-plaintiff", "generic/visca-ptz-20x", "/dev/rs485", 2)
    assert isinstance(judge, ViscaCamera) and isinstance(plaintiff, ViscaCamera)
    assert judge.line is plaintiff.line


def test_disagreeing_serial_settings_name_both_devices(library: ProfileLibrary) -> None:
    factory = DeviceFactory(library)
    factory.build("cam-a", "generic/visca-ptz-20x", "/dev/ttyA", 1)
    with pytest.raises(ConfigError, match=r"cam-b and cam-a share port /dev/ttyA .*baudrate 19200 vs 9600"):
        factory.build("cam-b", "generic/visca-ptz-20x", "/dev/ttyA", 2, SerialOverride(baudrate=19200))


def test_an_address_is_used_once_per_port(library: ProfileLibrary) -> None:
    factory = DeviceFactory(library)
    factory.build("cam-a", "generic/visca-ptz-20x", "/dev/ttyA", None)
    with pytest.raises(ConfigError, match="cam-b: address 1 on /dev/ttyA is already used by cam-a"):
        factory.build("cam-b", "generic/visca-ptz-20x", "/dev/ttyA", 1)


@pytest.mark.parametrize("address", [0, 8])
def test_visca_addresses_are_1_to_7(library: ProfileLibrary, address: int) -> None:
    with pytest.raises(ConfigError, match=rf"cam-a: address: {address} is outside 1\.\.7"):
        DeviceFactory(library).build("cam-a", "generic/visca-ptz-20x", "/dev/ttyA", address)


def test_empty_port_is_a_config_error(library: ProfileLibrary) -> None:
    with pytest.raises(ConfigError, match=r"cam-a: transport\.port"):
        DeviceFactory(library).build("cam-a", "generic/visca-ptz-20x", " ", 1)


def test_unknown_profile_is_a_profile_error(library: ProfileLibrary) -> None:
    with pytest.raises(ProfileError, match="unknown profile 'acme/x'"):
        DeviceFactory(library).build("cam-a", "acme/x", "/dev/ttyA", 1)


@pytest.fixture
def pelco_library(tmp_path: Path) -> ProfileLibrary:
    """The shipped profiles plus a model of a family no driver speaks yet."""
    root = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", root)
    (root / "protocols" / "pelco_d.yaml").write_text("schema: 1\nfamily: pelco_d\ndevice_class: camera\n")
    model = (root / "models" / "generic" / "visca-ptz-20x.yaml").read_text()
    (root / "models" / "generic" / "pelco-dome.yaml").write_text(model.replace("protocol: visca", "protocol: pelco_d"))
    return ProfileLibrary(root)


def test_unknown_protocol_family_is_a_profile_error(pelco_library: ProfileLibrary) -> None:
    with pytest.raises(ProfileError, match="generic/pelco-dome: protocol: no driver for family 'pelco_d'"):
        DeviceFactory(pelco_library).build("dome", "generic/pelco-dome", "/dev/ttyA", 1)


def test_one_port_speaks_one_protocol(library: ProfileLibrary) -> None:
    factory = DeviceFactory(library)
    factory.build("dome", "generic/pelco-d-dome", "/dev/ttyP", 3)
    with pytest.raises(ConfigError, match=r"port /dev/ttyP already speaks .pelco\.d. for dome"):
        factory.build("cam-a", "generic/visca-ptz-20x", "/dev/ttyP", 1, SerialOverride(baudrate=2400))


def test_a_port_of_another_kind_than_the_family_speaks_is_refused(library: ProfileLibrary) -> None:
    with pytest.raises(
        ConfigError,
        match=r"cam-a: transport\.port: 'udp://10\.0\.0\.5:52381' is not a serial port path or "
        r"tcp://host:port \(family visca\)",
    ):
        DeviceFactory(library).build("cam-a", "generic/visca-ptz-20x", "udp://10.0.0.5:52381", 1)


def test_a_profile_of_another_class_than_its_protocol_drives_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "profiles"
    shutil.copytree(REPO / "firmware_profiles", root)
    display = (root / "models" / "samsung" / "qm55r.yaml").read_text()
    (root / "models" / "samsung" / "odd.yaml").write_text(display.replace("protocol: samsung_mdc", "protocol: visca"))
    with pytest.raises(ConfigError, match="odd: profile samsung/odd is a display; the visca family drives a camera"):
        DeviceFactory(ProfileLibrary(root)).build("odd", "samsung/odd", "/dev/ttyA", 1)


async def test_built_cameras_connect_over_the_shared_line(
    tmp_path: Path, peer: PtyResponder, library: ProfileLibrary
) -> None:
    for x, z in (("1", "9"), ("2", "A")):
        peer.on(f"8{x} 09 00 02 FF", f"{z}0 50 00 01 05 20 01 01 02 FF")
        peer.on(f"8{x} 09 04 00 FF", f"{z}0 50 03 FF")
    factory = DeviceFactory(library)
    a, b = cameras(factory, ("cam-a", peer.path, 1), ("cam-b", peer.path, 2))
    try:
        await a.connect()
        await b.connect()
        assert (a.state.power, b.state.power) == (False, False)
        assert (a.info.firmware, b.info.firmware_label) == ("0x0101", "all")
        assert peer.frames.count(bytes.fromhex("88 30 01 FF")) == 1  # one line, opened once
    finally:
        await factory.close()
    assert not a.line.is_open
