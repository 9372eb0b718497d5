"""The simulated cameras: moving test patterns, frozen and black stretches, files OpenCV reads, unplugging."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from sim.errors import SimConfigError
from sim.room import SimulatedRoom
from sim.video import FaultSpan, SimVideoInput, VideoEndpoint, VideoScript, frames, pattern, script_from

SCRIPT = VideoScript("witness", 320, 180, 10.0, 3.0, (FaultSpan("frozen", 1.0, 2.0), FaultSpan("black", 2.5, 3.0)))


def grey_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def is_file(path: str) -> bool:
    """A plain function, so async tests may call it."""
    return Path(path).is_file()


def test_the_pattern_moves_and_is_not_black() -> None:
    a, b = pattern(SCRIPT, 0), pattern(SCRIPT, 5)
    assert a.shape == (180, 320, 3)
    assert grey_diff(a, b) > 0.5
    assert a.mean() > 40


def test_faults_freeze_and_blacken_stretches() -> None:
    out = frames(SCRIPT)
    assert len(out) == 30
    assert all(np.array_equal(out[9], f) for f in out[10:20])  # frozen on the last good frame
    assert not np.array_equal(out[20], out[19])
    assert all(not f.any() for f in out[25:30])


def read_all(path: str) -> list[np.ndarray]:
    capture = cv2.VideoCapture(path)
    got = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            got.append(frame)
    finally:
        capture.release()
    return got


def test_the_mp4_file_reads_back_with_its_faults(tmp_path: Path) -> None:
    handle = SimVideoInput(VideoEndpoint("video:cam-w", tmp_path), SCRIPT)
    handle.open()
    assert handle.path == str(tmp_path / "video" / "cam-w.mp4")
    got = read_all(handle.path)
    assert len(got) == 30
    assert grey_diff(got[12], got[15]) < 0.5  # frozen survives the lossy codec
    assert grey_diff(got[3], got[6]) > 0.5
    assert got[27].mean() < 16
    handle.unplug()
    assert not Path(handle.path).exists()
    handle.replug()
    assert Path(handle.path).exists()
    handle.close()
    assert not Path(handle.path).exists()


def test_a_png_sequence_is_bit_exact(tmp_path: Path) -> None:
    script = VideoScript("judge", 160, 90, 10.0, 1.0, container="png")
    handle = SimVideoInput(VideoEndpoint("video:cam-j", tmp_path), script)
    handle.open()
    assert handle.path.endswith("cam-j/frame_%04d.png")
    got = read_all(handle.path)
    assert len(got) == 10
    assert np.array_equal(got[4], frames(script)[4])
    handle.unplug()
    assert not (tmp_path / "video" / "cam-j").exists()
    handle.close()
    assert not (tmp_path / "video" / "cam-j").exists()
    assert not (tmp_path / "video" / "cam-j.unplugged").exists()


def test_script_from_simulate_keys() -> None:
    script = script_from("cam", {"width": 320, "height": 180, "faults": [["black", 1, 2]], "container": "png"}, "x")
    assert script.faults == (FaultSpan("black", 1.0, 2.0),) and script.container == "png" and script.label == "cam"
    with pytest.raises(SimConfigError, match="unknown fault"):
        script_from("cam", {"faults": [["melted", 1, 2]]}, "x")


async def test_a_room_config_gets_simulated_cameras(tmp_path: Path) -> None:
    config = {
        "room": {"id": "r1", "name": "Room 1"},
        "devices": [
            {
                "id": "cap-judge",
                "kind": "video_input",
                "profile": "generic/hdmi-capture",
                "transport": {"port": "video:0"},
            }
        ],
    }
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(config))
    room = SimulatedRoom(path, tmp_path / "run")
    handle = room.device("cap-judge")
    assert isinstance(handle, SimVideoInput)
    handle.script = VideoScript("judge", 160, 90, 10.0, 1.0)
    async with room:
        url = room.endpoints["cap-judge"]
        assert url.startswith("video:") and is_file(url.removeprefix("video:"))
        room.write_config(tmp_path / "sim.yaml")
        written = yaml.safe_load((tmp_path / "sim.yaml").read_text())
        assert written["devices"][0]["transport"]["port"] == url
