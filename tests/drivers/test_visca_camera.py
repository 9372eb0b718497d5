"""ViscaCamera over a real pty against scripted cameras: identification, quirks, primitives, state."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.errors import DeviceOffline, DeviceTimeout, InvalidArgument, Unsupported
from drivers.profiles import ProfileLibrary, SerialSettings
from drivers.visca.camera import ViscaCamera
from drivers.visca.line import ViscaLine
from tests.drivers.conftest import FAST, fast
from tests.drivers.responder import PtyResponder, h

# CAM_VersionInq answers: vendor 0x0020, model 0x040E (the EVI-D70 profile's identity), ROM, 2 sockets
V2_ROM_0210 = "90 50 00 20 04 0E 02 10 02 FF"
V1_ROM_0150 = "90 50 00 20 04 0E 01 50 02 FF"
OTHER_MODEL = "90 50 00 01 05 20 01 01 02 FF"


def answer_state(peer: PtyResponder, z: str = "9", x: str = "1", version: str = V2_ROM_0210) -> None:
    """Camera x (reply header z0) answers its inquiries: on, zoom 0x4000, pan +0x0990, tilt -0x01B0."""
    peer.on(f"8{x} 09 00 02 FF", f"{z}0" + version[2:])
    peer.on(f"8{x} 09 04 00 FF", f"{z}0 50 02 FF")
    peer.on(f"8{x} 09 04 47 FF", f"{z}0 50 04 00 00 00 FF")
    peer.on(f"8{x} 09 06 12 FF", f"{z}0 50 00 09 09 00 0F 0E 05 00 FF")


@pytest.fixture
async def line(peer: PtyResponder) -> AsyncIterator[ViscaLine]:
    visca = ViscaLine.serial(peer.path, SerialSettings(), FAST)
    yield visca
    await visca.close()


@pytest.fixture
async def camera(peer: PtyResponder, line: ViscaLine, library: ProfileLibrary) -> AsyncIterator[ViscaCamera]:
    cam = ViscaCamera("cam-judge", fast(library.get("sony/evi-d70")), line, 1)
    yield cam
    await cam.close()


async def test_connect_identifies_and_reads_state(peer: PtyResponder, camera: ViscaCamera) -> None:
    answer_state(peer)
    await camera.connect()
    assert peer.frames_after_setup() == [
        h("81 09 00 02 FF"),
        h("81 09 04 00 FF"),
        h("81 09 04 47 FF"),
        h("81 09 06 12 FF"),
    ]
    assert camera.info.firmware == "0x0210"
    assert camera.info.firmware_label == "v2.x and later"
    assert camera.info.extra == {"vendor_id": "0x0020", "model_id": "0x040E", "max_sockets": 2}
    assert camera.snapshot() == {
        "power": True, "zoom": 0x4000, "pan": 0x0990, "tilt": -0x01B0, "moving": False, "preset": None
    }  # fmt: skip


async def test_old_firmware_gets_its_quirk(peer: PtyResponder, camera: ViscaCamera) -> None:
    answer_state(peer, version=V1_ROM_0150)
    peer.on("81 01 04 3F 02 03 FF", "90 41 FF")  # v1.x ACKs a recall and never completes it
    await camera.connect()
    assert camera.info.firmware == "0x0150"
    assert camera.info.firmware_label == "v1.x"
    assert camera.quirks.preset_recall_no_completion
    await camera.recall_preset(3)
    assert camera.state.preset == 3
    assert not camera.state.moving


async def test_new_firmware_waits_for_the_completion(peer: PtyResponder, camera: ViscaCamera) -> None:
    answer_state(peer)
    peer.on("81 01 04 3F 02 03 FF", "90 41 FF")
    await camera.connect()
    with pytest.raises(DeviceTimeout, match="no Completion"):
        await camera.recall_preset(3)
    assert camera.state.preset is None
    assert not camera.state.moving


async def test_identity_mismatch_is_recorded_and_connect_goes_on(
    peer: PtyResponder, camera: ViscaCamera, caplog: pytest.LogCaptureFixture
) -> None:
    answer_state(peer, version=OTHER_MODEL)
    with caplog.at_level(logging.WARNING):
        await camera.connect()
    expected = "answers vendor 0x0001 model 0x0520, but profile sony/evi-d70 expects vendor 0x0020 model 0x040E"
    assert camera.info.extra["identity_mismatch"] == expected
    assert expected in caplog.text
    assert camera.info.firmware == "0x0101"
    assert camera.state.power is True


async def test_firmware_entry_overrides_presets_and_timeouts(
    tmp_path: Path, peer: PtyResponder, line: ViscaLine
) -> None:
    root = tmp_path / "profiles"
    (root / "models" / "test").mkdir(parents=True)
    shutil.copytree(Path(__file__).parents[2] / "firmware_profiles" / "protocols", root / "protocols")
    model = (Path(__file__).parents[2] / "firmware_profiles" / "models" / "sony" / "evi-d70.yaml").read_text()
    model = model.replace(
        '    label: "v2.x and later"\n    quirks: {}',
        '    label: "v2.x and later"\n    presets: 3\n    quirks: {ack_timeout_ms: 40}',
    )
    assert "presets: 3" in model
    (root / "models" / "test" / "cam.yaml").write_text(model)
    camera = ViscaCamera("cam-x", fast(ProfileLibrary(root).get("test/cam")), line, 1)
    try:
        assert camera.preset_count == 6
        answer_state(peer)
        await camera.connect()
        assert camera.preset_count == 3
        sent = len(peer.frames)
        with pytest.raises(InvalidArgument, match=r"preset: 3 is outside 0\.\.2"):
            await camera.recall_preset(3)
        assert len(peer.frames) == sent
        peer.on("81 01 04 3F 02 02 FF")  # silence
        with pytest.raises(DeviceTimeout, match="no ACK within 40 ms"):
            await camera.recall_preset(2)
    finally:
        await camera.close()


async def test_primitives_send_the_reference_bytes(
    peer: PtyResponder, line: ViscaLine, library: ProfileLibrary
) -> None:
    # the generic 20x model's ranges hold the worked example's pan +0x0990 / tilt -0x01B0
    camera = ViscaCamera("cam-2", fast(library.get("generic/visca-ptz-20x")), line, 2)
    answer_state(peer, z="A", x="2", version=OTHER_MODEL)
    try:
        await camera.connect()
        start = len(peer.frames)
        await camera.power(False)
        await camera.power(True)
        await camera.zoom("tele")
        await camera.zoom("wide", 5)
        await camera.zoom("stop")
        await camera.zoom_to(0x4000)
        await camera.pan_tilt("left", "up")
        await camera.pan_tilt("stop", "stop", 1, 2)
        await camera.pan_tilt_to(0x0990, -0x01B0)
        await camera.pan_tilt_by(-16, 16, 5, 6)
        await camera.home()
        await camera.store_preset(5)
        await camera.reset_preset(0)
        await camera.recall_preset(3)
        commands = [f for f in peer.frames[start:] if f[1] == 0x01]
    finally:
        await camera.close()
    assert commands == [
        h("82 01 04 00 03 FF"),
        h("82 01 04 00 02 FF"),
        h("82 01 04 07 02 FF"),
        h("82 01 04 07 35 FF"),
        h("82 01 04 07 00 FF"),
        h("82 01 04 47 04 00 00 00 FF"),
        h("82 01 06 01 18 14 01 01 FF"),  # speeds default to the profile's maximum
        h("82 01 06 01 01 02 03 03 FF"),
        h("82 01 06 02 18 14 00 09 09 00 0F 0E 05 00 FF"),
        h("82 01 06 03 05 06 0F 0F 0F 00 00 00 01 00 FF"),
        h("82 01 06 04 FF"),
        h("82 01 04 3F 01 05 FF"),
        h("82 01 04 3F 00 00 FF"),
        h("82 01 04 3F 02 03 FF"),
    ]


async def test_moves_set_moving_then_reread_the_position(peer: PtyResponder, camera: ViscaCamera) -> None:
    answer_state(peer)
    await camera.connect()
    snapshots: list[dict[str, object]] = []
    camera.add_listener(lambda: snapshots.append(camera.snapshot()))
    peer.on("81 01 04 3F 02 03 FF", "90 41 FF", (0.05, "90 51 FF"))
    peer.on("81 09 06 12 FF", "90 50 0F 0F 0F 00 00 01 00 00 FF")
    await camera.recall_preset(3)
    # the reply does not wait for the position: it is re-read in the background right after
    for _ in range(200):
        if snapshots and snapshots[-1]["pan"] == -16:
            break
        await asyncio.sleep(0.01)
    assert [s["moving"] for s in snapshots] == [True, False, False, False]
    assert snapshots[-1] == {"power": True, "zoom": 0x4000, "pan": -16, "tilt": 0x0100, "moving": False, "preset": 3}


async def test_drives_report_moving_until_stopped(peer: PtyResponder, camera: ViscaCamera) -> None:
    answer_state(peer)
    await camera.connect()
    await camera.pan_tilt("right", "stop")
    assert camera.state.moving
    await camera.zoom("tele", 2)
    await camera.pan_tilt("stop", "stop")
    assert camera.state.moving  # the zoom still runs
    await camera.zoom("stop")
    assert not camera.state.moving


async def test_poll_notifies_only_on_change(peer: PtyResponder, camera: ViscaCamera) -> None:
    answer_state(peer)
    await camera.connect()
    calls: list[None] = []
    camera.add_listener(lambda: calls.append(None))
    await camera.poll()
    assert calls == []
    peer.on("81 09 04 00 FF", "90 50 03 FF")
    sent = len(peer.frames)
    await camera.poll()
    assert calls == [None]
    assert camera.state.power is False
    assert peer.frames[sent:] == [h("81 09 04 00 FF")]  # in standby the head is not asked where it is


@pytest.mark.parametrize(
    ("action", "params", "error", "match"),
    [
        ("preset_recall", {"preset": 6}, InvalidArgument, r"^preset: 6 is outside 0\.\.5"),
        ("preset_set", {"preset": -1}, InvalidArgument, "^preset: "),
        ("zoom_to", {"position": 0x4001}, InvalidArgument, r"^position: 16385 is outside 0\.\.16384"),
        ("zoom_to", {"position": "100"}, InvalidArgument, "^position: "),
        ("zoom", {"direction": "tele", "speed": 8}, InvalidArgument, "^speed: "),
        ("zoom", {"direction": "in"}, InvalidArgument, "^direction: "),
        ("pan_tilt", {"pan": "left", "pan_speed": 0x19}, InvalidArgument, "^pan_speed: "),
        ("pan_tilt_to", {"pan": 0x08DC, "tilt": 0}, InvalidArgument, "^pan: "),
        ("pan_tilt_to", {"pan": 0, "tilt": 0, "tilt_speed": 0x15}, InvalidArgument, "^tilt_speed: "),
        ("power", {"on": 1}, InvalidArgument, "^on: "),
        ("preset_recall", {"preset": 1, "speed": 3}, InvalidArgument, "^speed: "),
        ("preset_recall", {}, InvalidArgument, "^preset: "),
        ("focus", {}, InvalidArgument, "unknown action 'focus'"),
    ],
)
async def test_bad_arguments_never_reach_the_wire(
    peer: PtyResponder, camera: ViscaCamera, *, action: str, params: dict[str, object], error: type, match: str
) -> None:
    answer_state(peer)
    await camera.connect()
    sent = len(peer.frames)
    with pytest.raises(error, match=match):
        await camera.execute(action, params)
    assert len(peer.frames) == sent


async def test_missing_capability_is_unsupported(peer: PtyResponder, camera: ViscaCamera) -> None:
    answer_state(peer)
    await camera.connect()
    camera.info.capabilities.remove("home")
    with pytest.raises(Unsupported, match="'home'"):
        await camera.home()


async def test_operations_need_a_connection(peer: PtyResponder, camera: ViscaCamera) -> None:
    with pytest.raises(DeviceOffline, match="cam-judge"):
        await camera.power(True)
    with pytest.raises(DeviceOffline):
        await camera.poll()
    answer_state(peer)
    await camera.connect()
    await camera.close()
    with pytest.raises(DeviceOffline):
        await camera.home()
    assert [f[1] for f in peer.frames_after_setup()] == [0x09] * 4  # the connect's inquiries, no command


async def test_failed_connect_releases_the_line(peer: PtyResponder, camera: ViscaCamera, line: ViscaLine) -> None:
    with pytest.raises(DeviceTimeout, match="81 09 00 02 ff"):
        await camera.connect()  # nobody answers the version inquiry
    assert not line.is_open


async def test_the_line_closes_with_its_last_camera(
    peer: PtyResponder, line: ViscaLine, library: ProfileLibrary
) -> None:
    profile = fast(library.get("sony/evi-d70"))
    first, second = ViscaCamera("cam-1", profile, line, 1), ViscaCamera("cam-3", profile, line, 3)
    answer_state(peer)
    answer_state(peer, z="B", x="3")
    await first.connect()
    await second.connect()
    assert second.state.tilt == -0x01B0
    await first.close()
    await first.close()  # twice is harmless
    assert line.is_open
    await second.poll()
    await second.close()
    assert not line.is_open
