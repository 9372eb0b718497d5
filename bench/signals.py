"""CPU cost of the signal inputs: microphones (PyAudio) and cameras (OpenCV) at their default rates.

Sources are the simulators' (``sim.audio``, ``sim.video``): one 8-channel interface at 48 kHz split into 8
seats (ALSA file plugin), and cameras reading 25 fps ``mp4v`` test patterns (640x360 unless ``--video-size``).
Both are paced at real time by the drivers (file sources never block), so the load is what a live room gives:
every audio block measured (10 a second per seat), every video frame grabbed and decoded, two frames a second
checked per camera.

Measured: process CPU time (user + system, every thread) over wall time, in percent of one core, after a
warm-up. ``cpu_pct_per_audio_seat`` is the 8-seat device alone divided by 8; ``cpu_pct_per_video_input`` one
camera alone; ``cpu_pct_room`` 8 seats and 6 cameras together. Target: ``cpu_pct_room`` under 25.

Prints one JSON object. Usage: ``.venv/bin/python bench/signals.py [--seconds S] [--video-size 1280x720]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from drivers.devices.base import Device  # noqa: E402
from drivers.profiles import ProfileLibrary  # noqa: E402
from drivers.signals.audio import AudioInput  # noqa: E402
from drivers.signals.options import AudioOptions, VideoOptions  # noqa: E402
from drivers.signals.video import VideoInput  # noqa: E402
from sim.audio import AlsaEndpoint, SimAudioInput, alsa_env  # noqa: E402
from sim.audio_script import AudioScript, round_robin  # noqa: E402
from sim.video import SimVideoInput, VideoEndpoint, VideoScript  # noqa: E402

SEATS = 8
CAMERAS = 6
WARMUP_S = 1.0


def make_sources(run_dir: Path, seconds: float, size: tuple[int, int]) -> tuple[SimAudioInput, list[SimVideoInput]]:
    """The simulated interface (longer than any run) and cameras (looped by the driver)."""
    duration = seconds * 3 + 10
    script = AudioScript(channels=SEATS, duration_s=duration, turns=round_robin(list(range(1, SEATS + 1)), duration))
    audio = SimAudioInput(AlsaEndpoint("alsa:bench8", run_dir), script, {})
    audio.open()
    cameras = []
    for index in range(CAMERAS):
        cam = SimVideoInput(VideoEndpoint(f"video:cam{index}", run_dir), VideoScript(f"seat {index + 1}", *size))
        cam.open()
        cameras.append(cam)
    return audio, cameras


async def measure(devices: list[Device], seconds: float) -> float:
    """CPU percent of one core while ``devices`` run for ``seconds`` (after a warm-up)."""
    for device in devices:
        await device.connect()
    try:
        await asyncio.sleep(WARMUP_S)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu1, wall1 = time.process_time(), time.perf_counter()
    finally:
        for device in devices:
            await device.close()
    return 100.0 * (cpu1 - cpu0) / (wall1 - wall0)


async def run(seconds: float, size: tuple[int, int]) -> dict[str, Any]:
    library = ProfileLibrary()
    mic_profile = library.get("generic/usb-audio-interface-8ch")
    cam_profile = library.get("generic/hdmi-capture")
    with tempfile.TemporaryDirectory(prefix="bench-signals-") as tmp:
        run_dir = Path(tmp)
        os.environ.update(alsa_env(run_dir))
        audio_src, cameras = make_sources(run_dir, seconds, size)
        seats = {c: f"seat{c}" for c in range(1, SEATS + 1)}

        def mics() -> AudioInput:
            return AudioInput("mics", mic_profile, audio_src.device_name, AudioOptions(channels=SEATS, seats=seats))

        def cams(count: int) -> list[Device]:
            return [VideoInput(f"cam{i}", cam_profile, cameras[i].path, VideoOptions()) for i in range(count)]

        try:
            audio = await measure([mics()], seconds)
            video = await measure(cams(1), seconds)
            room = await measure([mics(), *cams(CAMERAS)], seconds)
        finally:
            audio_src.close()
            for cam in cameras:
                cam.close()
    return {
        "cpu_pct_per_audio_seat": round(audio / SEATS, 2),
        "cpu_pct_per_video_input": round(video, 2),
        "cpu_pct_room": round(room, 2),
        "target_cpu_pct_room": 25,
        "seats": SEATS,
        "cameras": CAMERAS,
        "audio": "48 kHz S16, 8 channels, 100 ms blocks",
        "video": f"{size[0]}x{size[1]} mp4v 25 fps, every frame decoded, 2 checks/s",
        "seconds": seconds,
        "cores": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per scenario")
    parser.add_argument("--video-size", default="640x360", help="simulated camera picture, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(v) for v in args.video_size.lower().split("x"))
    print(json.dumps(asyncio.run(run(args.seconds, (width, height)))))


if __name__ == "__main__":
    main()
