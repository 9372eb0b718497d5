"""USB, microphones and camera pictures end to end over MQTT: the daemon runs in this process (a simulated USB
bus and ALSA configuration can only be handed to a daemon in the simulator's own process), with a real
mosquitto and the simulators: a UVC preset recall moves the fake camera, a pulled USB camera goes offline and
comes back, a dead microphone raises its alarm within the configured time once a hearing is open, and a frozen
picture is reported."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.daemon import run_daemon
from controller.localbroker import LocalBroker
from drivers.usb.backend import set_backend
from sim.audio import alsa_env
from sim.room import SimulatedRoom
from sim.usb.backend import BUS
from tests.conftest import REPO
from tests.e2e.conftest import ROOM_ID, ROOM_PASSWORD, Watcher

ROOM: dict[str, Any] = {
    "room": {"id": ROOM_ID, "name": "USB and signals"},
    "devices": [
        {"id": "cam-usb", "kind": "camera", "profile": "logitech/ptz-pro-2", "transport": {"port": "usb:046d:085f"}},
        {"id": "rec-light", "kind": "indicator", "profile": "generic/hid-status-light",
         "transport": {"port": "usb:16c0:05df"}},
        {"id": "mic-levels", "kind": "audio_input", "profile": "test/mics-with-a-dead-one",
         "transport": {"port": "alsa:court_mics"},
         "options": {"seats": {1: "judge", 2: "witness"}, "silence_alarm_s": 1.0}},
        {"id": "video-frozen", "kind": "video_input", "profile": "test/frozen-capture",
         "transport": {"port": "video:frozen"}, "options": {"frozen_after_s": 1.0}},
    ],
    "hearing": {"required_roles": [], "recorders": []},
    "console": {"enabled": False},
}  # fmt: skip


def _profiles(root: Path) -> Path:
    shutil.copytree(REPO / "firmware_profiles", root)
    models = root / "models" / "test"
    models.mkdir()
    mics = yaml.safe_load((root / "models/generic/usb-audio-interface-8ch.yaml").read_text())
    mics.update(model="two mics, one dead", options={"channels": 2}, simulate={"duration_s": 60, "dead": [2]})
    (models / "mics-with-a-dead-one.yaml").write_text(yaml.safe_dump(mics))
    video = yaml.safe_load((root / "models/generic/hdmi-capture.yaml").read_text())
    video.update(model="frozen capture", simulate={**video.get("simulate", {}), "faults": [["frozen", 0, 60]]})
    (models / "frozen-capture.yaml").write_text(yaml.safe_dump(video))
    return root


@pytest.fixture
async def av_daemon(
    tmp_path: Path, broker: LocalBroker, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SimulatedRoom]:
    profiles = _profiles(tmp_path / "profiles")
    source = tmp_path / "source.yaml"
    source.write_text(yaml.safe_dump({**ROOM, "profiles_dir": str(profiles)}))
    sim = SimulatedRoom(source, run_dir=tmp_path / "sim", profiles_dir=profiles)
    for key, value in alsa_env(tmp_path / "sim").items():
        monkeypatch.setenv(key, value)
    set_backend(BUS)
    await sim.start()
    config = tmp_path / "room.yaml"
    sim.write_config(config)
    data = yaml.safe_load(config.read_text())
    secret = tmp_path / "room-password"
    secret.write_text(ROOM_PASSWORD)
    data["broker"] = {"host": "127.0.0.1", "port": broker.port, "username": ROOM_ID, "password_file": str(secret)}
    data["state_dir"] = str(tmp_path / "state")
    config.write_text(yaml.safe_dump(data))
    stop = asyncio.Event()
    daemon = asyncio.create_task(run_daemon(config, stop))
    try:
        yield sim
    finally:
        stop.set()
        assert await asyncio.wait_for(daemon, 20) == 0
        await sim.stop()
        set_backend(None)
        await asyncio.get_running_loop().shutdown_default_executor()


async def head_at(cam: Any, pan: int, tilt: int, timeout_s: float = 10.0) -> None:
    """The fake camera moves in time: wait for its head to arrive."""
    for _ in range(int(timeout_s / 0.05)):
        if (cam.pan, cam.tilt) == (pan, tilt):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the head is at {(cam.pan, cam.tilt)}, not {(pan, tilt)}")


async def test_usb_camera_microphones_and_pictures_over_mqtt(av_daemon: SimulatedRoom, watcher: Watcher) -> None:
    sim = av_daemon
    for device in ("cam-usb", "rec-light", "mic-levels", "video-frozen"):
        await watcher.wait_for(f"{device}/availability", lambda p: p["state"] == "online", timeout=20)

    # a UVC camera has no presets of its own: the controller keeps them, and a recall moves the head back
    cam: Any = sim.device("cam-usb")
    assert (await watcher.request("cam-usb", "pan_tilt_to", {"id": "p1", "pan": 36000, "tilt": -7200}))[
        "status"
    ] == "ok"
    await head_at(cam, 36000, -7200)
    assert (await watcher.request("cam-usb", "preset_set", {"id": "p2", "preset": 2}))["status"] == "ok"
    assert (await watcher.request("cam-usb", "home", {"id": "p3"}))["status"] == "ok"
    await head_at(cam, 0, 0)
    assert (await watcher.request("cam-usb", "preset_recall", {"id": "p4", "preset": 2}))["status"] == "ok"
    await head_at(cam, 36000, -7200)

    # the frozen picture is reported; the dead microphone only once a hearing is open
    await watcher.wait_for("video-frozen/state", lambda p: p["signal"] == "frozen", timeout=10)
    state = await watcher.wait_for("mic-levels/state", lambda p: p["seats"]["witness"]["silent_s"] >= 0)
    assert state["alarms"] == []
    reply = await watcher.request(
        "hearing", "open", {"id": "o1", "case_no": "AV-9", "override_reason": "测试房间无录像机"}
    )
    assert reply["status"] == "ok", reply
    start = len(watcher.messages)
    alarmed = await watcher.wait_for("mic-levels/state", lambda p: "silent:witness" in p["alarms"], 5, start)
    assert "silent:judge" not in alarmed["alarms"]
    hearing = await watcher.wait_for(
        "hearing/state", lambda p: {a["kind"] for a in p["alarms"]} >= {"audio_silent", "video_frozen"}, 5
    )
    assert all(a["severity"] == "warning" for a in hearing["alarms"] if a["kind"] in ("audio_silent", "video_frozen"))
    assert sim.device("rec-light").on  # type: ignore[attr-defined]

    # a pulled USB camera goes offline on MQTT and comes back at the same name
    mark = len(watcher.messages)  # each change waited for comes after what causes it: "online" is there already
    # in-process handle, not the fault control: the fake libusb bus lives in the daemon's process by design
    cam.unplug()
    await watcher.wait_for("cam-usb/availability", lambda p: p["state"] == "offline", timeout=10, start=mark)
    mark = len(watcher.messages)
    cam.replug()
    await watcher.wait_for("cam-usb/availability", lambda p: p["state"] == "online", timeout=15, start=mark)
    assert (await watcher.request("hearing", "close", {"id": "c1"}))["status"] == "ok"
