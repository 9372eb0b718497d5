"""VideoInput against real OpenCV reading generated test patterns (sim.video): frozen, black, unplugged."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from controller.mqtt.contract import VideoInputState
from drivers.devices.base import Device
from drivers.errors import ConfigError, NotExecutable
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.signals.clock import FastClock
from drivers.signals.options import VideoOptions
from drivers.signals.video import VideoInput
from sim.video import FaultSpan, SimVideoInput, VideoEndpoint, VideoScript

SPEED = 4.0  # the clock the driver paces by runs four times real time


def camera(tmp_path: Path, *faults: FaultSpan, duration_s: float = 8.0, container: str = "mp4") -> SimVideoInput:
    script = VideoScript("judge", 320, 180, 25.0, duration_s, faults, "png" if container == "png" else "mp4")
    handle = SimVideoInput(VideoEndpoint("video:cam-judge", tmp_path), script)
    handle.open()
    return handle


def make(library: ProfileLibrary, source: str, **options: object) -> VideoInput:
    opts = VideoOptions.model_validate(options)
    return VideoInput("cam-judge", library.get("generic/hdmi-capture"), source, opts, clock=FastClock(SPEED))


async def until(device: Device, predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Wait for ``predicate()``, looking again on each state change (and every 50 ms)."""
    changed = asyncio.Event()
    device.add_listener(changed.set)
    async with asyncio.timeout(timeout_s):
        while not predicate():
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), 0.05)


def signals(device: VideoInput) -> list[str]:
    seen: list[str] = []
    device.add_listener(lambda: seen.append(device.snapshot()["signal"]))
    return seen


async def test_a_frozen_camera_is_reported(library: ProfileLibrary, tmp_path: Path) -> None:
    sim = camera(tmp_path, FaultSpan("frozen", 2.0, 6.0))
    device = make(library, sim.path)
    seen = signals(device)
    await device.connect()
    try:
        await until(device, lambda: device.snapshot()["signal"] == "frozen")
        state = device.snapshot()
        assert state["frozen_s"] >= 1.0
        assert (state["width"], state["height"]) == (320, 180)
        VideoInputState.model_validate(state)
        await until(device, lambda: device.snapshot()["signal"] == "ok")  # the picture moves again
    finally:
        await device.close()
    assert seen[:3] == ["unknown", "ok", "frozen"]
    sim.close()


async def test_a_black_picture_is_reported_as_black_not_frozen(library: ProfileLibrary, tmp_path: Path) -> None:
    sim = camera(tmp_path, FaultSpan("black", 1.0, 5.0))
    device = make(library, sim.path)
    seen = signals(device)
    await device.connect()
    try:
        await until(device, lambda: device.snapshot()["signal"] == "black")
        await asyncio.sleep(1.5 / SPEED * 2)
        assert device.snapshot()["signal"] == "black"
        assert device.snapshot()["frozen_s"] == 0.0
    finally:
        await device.close()
    assert "frozen" not in seen
    sim.close()


async def test_an_unplugged_source_has_no_signal_until_replugged(library: ProfileLibrary, tmp_path: Path) -> None:
    sim = camera(tmp_path)
    device = make(library, sim.path)
    await device.connect()
    try:
        await until(device, lambda: device.snapshot()["signal"] == "ok")
        sim.unplug()
        await until(device, lambda: device.snapshot()["signal"] == "no_signal")
        assert device.snapshot()["fps"] is None
        with pytest.raises(NotExecutable):
            await device.execute("snapshot", {})
        sim.replug()
        await until(device, lambda: device.snapshot()["signal"] == "ok")
    finally:
        await device.close()
    sim.close()


async def test_an_unreadable_file_has_no_signal(library: ProfileLibrary, tmp_path: Path) -> None:
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(b"not a video at all" * 100)
    device = make(library, str(garbage))
    await device.connect()
    try:
        await until(device, lambda: device.snapshot()["signal"] == "no_signal")
    finally:
        await device.close()


async def test_a_png_sequence_is_read_at_its_rate_and_snapshots_decode(library: ProfileLibrary, tmp_path: Path) -> None:
    sim = camera(tmp_path, duration_s=4.0, container="png")
    device = make(library, sim.path, fps=25.0, state_refresh_s=1.0)
    await device.connect()
    try:
        await until(device, lambda: device.snapshot()["fps"] is not None and device.snapshot()["signal"] == "ok")
        await until(device, lambda: abs((device.snapshot()["fps"] or 0) - 25.0) <= 3.0)
        reply = await device.execute("snapshot", {"max_width": 160, "quality": 70})
    finally:
        await device.close()
    assert (reply["format"], reply["width"], reply["height"]) == ("jpeg", 160, 90)
    picture = cv2.imdecode(np.frombuffer(base64.b64decode(reply["data"]), dtype=np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (90, 160, 3)
    sim.close()


def test_the_factory_builds_from_a_video_port(library: ProfileLibrary) -> None:
    factory = DeviceFactory(library)
    device = factory.build("cam", "generic/ip-camera-rtsp", "video:rtsp://192.0.2.7/stream1")
    assert isinstance(device, VideoInput)
    assert device.source.is_url
    assert device.options.no_signal_after_s == 3.0
    index = factory.build("cap", "generic/hdmi-capture", "video:0", options={"frozen_after_s": 2.5})
    assert isinstance(index, VideoInput)
    assert index.source.index == 0
    assert index.options.frozen_after_s == 2.5
    with pytest.raises(ConfigError, match="video:"):
        factory.build("bad", "generic/hdmi-capture", "/dev/video0")
