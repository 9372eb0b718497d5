"""The simulator's live cameras (MJPEG over HTTP) and live microphones (a fed pipe), read from other processes as
a daemon on site reads real ones: OpenCV opens the stream URL, PortAudio opens the ALSA device by name."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.audio import AlsaEndpoint, SimAudioInput, alsa_env
from sim.audio_feed import LiveAlsaEndpoint
from sim.audio_script import AudioScript, Turn
from sim.mjpeg import LiveVideoEndpoint
from sim.room import SimulatedRoom
from sim.video import VideoScript

ROOM = Path(__file__).parents[1] / "recording" / "room.yaml"

READ_PICTURES = """
import json, sys, cv2, numpy as np
cap = cv2.VideoCapture(sys.argv[1], cv2.CAP_FFMPEG)
ok_open = cap.isOpened()
shots = []
while ok_open and len(shots) < int(sys.argv[2]):
    ok, frame = cap.read()
    if not ok:
        break
    shots.append(frame)
cap.release()
if shots:
    np.save(sys.argv[3], np.stack([shots[0], shots[-1]]))
print(json.dumps({"opened": ok_open, "frames": len(shots)}))
"""

READ_SOUND = """
import json, sys, time, numpy as np, pyaudio
name, channels, rate, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
audio = pyaudio.PyAudio()
index = next(i for i in range(audio.get_device_count()) if audio.get_device_info_by_index(i)["name"] == name)
stream = audio.open(format=pyaudio.paInt16, channels=channels, rate=rate, input=True,
                    input_device_index=index, frames_per_buffer=rate // 50)
got, start = [], time.monotonic()
while sum(len(b) for b in got) < frames * channels * 2:
    got.append(stream.read(rate // 50))
    time.sleep(max(0.0, start + sum(len(b) for b in got) / (channels * 2 * rate) - time.monotonic()))
stream.close()
audio.terminate()
np.save(sys.argv[5], np.frombuffer(b"".join(got), dtype="<i2").reshape(-1, channels)[:frames])
print(json.dumps({"read": frames}))
"""


async def _child(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, *args, env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, f"the reader process failed: {out!r}"
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


async def test_a_live_camera_is_a_moving_mjpeg_stream_with_a_clock_and_can_be_unplugged(tmp_path: Path) -> None:
    endpoint = LiveVideoEndpoint("video:judge", tmp_path, zone=None)
    endpoint.open()
    endpoint.publish(VideoScript(label="judge", width=320, height=180, fps=25.0))
    try:
        url = endpoint.url.removeprefix("video:")
        shots = tmp_path / "shots.npy"
        got = await _child(READ_PICTURES, url, "40", str(shots))
        assert got == {"opened": True, "frames": 40}
        first, last = np.load(shots).astype(int)
        assert first.shape == (180, 320, 3)
        assert np.abs(first - last).mean() > 1, "the disc moved between the first and the fortieth picture"
        clock = (slice(25, 45), slice(10, 200))  # the wall clock's line; 1.6 s always cross a second
        assert first[clock].max() > 200 and np.abs(first[clock] - last[clock]).max() > 100, "the clock ticked"
        assert endpoint.camera.frames_sent >= 40

        endpoint.unplug()  # the camera loses power: its port refuses connections
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", endpoint.camera.port), timeout=2).close()
        assert (await _child(READ_PICTURES, url, "5", str(shots)))["frames"] == 0

        endpoint.replug()  # back on the same port
        assert await _child(READ_PICTURES, url, "5", str(shots)) == {"opened": True, "frames": 5}
    finally:
        endpoint.close()
    for _ in range(50):  # the cancelled streams end on the loop's next turns
        if endpoint.camera.viewers == 0:
            break
        await asyncio.sleep(0.01)
    assert endpoint.camera.viewers == 0


async def test_a_live_camera_answers_404_to_another_path(tmp_path: Path) -> None:
    endpoint = LiveVideoEndpoint("video:judge", tmp_path)
    endpoint.open()
    endpoint.publish(VideoScript(width=160, height=90))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.camera.port)
        writer.write(b"GET /other HTTP/1.0\r\n\r\n")
        status = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        await writer.wait_closed()
    finally:
        endpoint.close()
    assert status.startswith(b"HTTP/1.0 404")


async def test_a_live_microphone_plays_its_script_to_a_reader_in_another_process(tmp_path: Path) -> None:
    script = AudioScript(channels=2, rate=16000, duration_s=4.0, turns=(Turn(1, 0.0, 3.0),))
    endpoint = LiveAlsaEndpoint("alsa:live_mics", tmp_path)
    endpoint.open()
    endpoint.publish(script)
    try:
        assert endpoint.raw.is_fifo()
        samples = tmp_path / "samples.npy"
        await _child(READ_SOUND, "live_mics", "2", "16000", "16000", str(samples), env=alsa_env(tmp_path))
        heard = np.load(samples)
    finally:
        endpoint.close()
    assert not endpoint.raw.exists(), "the pipe is removed when the microphone stops"
    expected = np.concatenate(list(script.chunks()))[: len(heard)]
    assert np.array_equal(heard, expected), "the reader gets the script's samples in order, none lost or repeated"
    assert np.abs(heard[:, 0]).max() > 8 * np.abs(heard[:, 1]).max(), "seat 1 speaks, seat 2 is room noise"


def _drain(fd: int) -> int:
    """Read what the pipe holds now; how many bytes."""
    total = 0
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return total
        if not chunk:
            return total
        total += len(chunk)


async def test_a_live_microphone_falls_silent_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    script = AudioScript(channels=1, rate=16000, duration_s=2.0)
    endpoint = LiveAlsaEndpoint("alsa:hung", tmp_path)
    endpoint.open()
    endpoint.publish(script)
    handle = SimAudioInput(endpoint, script, {1: "judge"})
    fd = os.open(endpoint.raw, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert {"silent", "resume"} <= set(handle.offers())
        handle.fall_silent()
        await asyncio.sleep(0.5)  # the feeder sees it within its 0.2 s wait for room in the pipe
        _drain(fd)
        fed = endpoint.frames_fed
        await asyncio.sleep(0.5)
        assert _drain(fd) == 0 and endpoint.frames_fed == fed, "a silent microphone delivers nothing"
        handle.resume()
        await asyncio.sleep(0.3)
        assert _drain(fd) > 0 and endpoint.frames_fed > fed
    finally:
        os.close(fd)
        endpoint.close()
    assert "silent" not in SimAudioInput(AlsaEndpoint("alsa:files", tmp_path), script, {}).offers()


async def test_courtroom_sim_serves_live_media_unless_asked_for_files(tmp_path: Path) -> None:
    live = SimulatedRoom(ROOM, run_dir=tmp_path / "live", live=True)
    files = SimulatedRoom(ROOM, run_dir=tmp_path / "files")
    async with live, files:
        assert live.endpoints["video-judge"].startswith("video:http://127.0.0.1:")
        assert (tmp_path / "live" / "audio" / "rec_mics.fifo").is_fifo()
        assert files.endpoints["video-judge"].endswith(".mp4")
        assert (tmp_path / "files" / "audio" / "rec_mics.raw").is_file()
