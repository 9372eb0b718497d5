"""CPU cost of the software recording unit: cameras at 720p25, the composite at 1080p25, 8 seat tracks.

Sources are the simulators' (``sim.video`` test patterns with a moving disc, decoded by OpenCV at real time;
``sim.audio`` an 8-channel interface at 48 kHz through the ALSA file plugin), recorded by ``SoftwareRecorder``
with the shipped profile (libx264 ultrafast, CRF 26, fragmented MP4, FLAC seat tracks) into a temporary folder.

Per run: CPU of each recording thread (``/proc/self/task``: the encoder of each stream, the master clock, the
sealer) in percent of one core; ``cpu_pct_process`` every thread of the process (camera decoding included) in
percent of one core and ``cpu_pct_machine`` of all cores; frames dropped (an encoder a queue behind); the largest
A/V skew (a picture's grab time against the moment its sound was heard, ms); MB an hour written. Runs: 1, 2 and 4
cameras (no composite, no audio), then the room: 4 cameras + the 1080p composite + 8 seats. Goal for the room on a
two-core machine: ``cpu_pct_machine`` under 70, 0 dropped frames, skew under 40 ms.

Prints one JSON object. Usage: ``.venv/bin/python bench/recording.py [--seconds S] [--room-only]`` (the goal's
10 minutes for the room: ``--seconds 600 --room-only``).
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

from drivers.factory import DeviceFactory  # noqa: E402
from drivers.profiles import ProfileLibrary  # noqa: E402
from drivers.recording.device import SoftwareRecorder  # noqa: E402
from sim.audio import AlsaEndpoint, SimAudioInput, alsa_env  # noqa: E402
from sim.audio_script import AudioScript, round_robin  # noqa: E402
from sim.video import SimVideoInput, VideoEndpoint, VideoScript  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
WARMUP_S = 2.0


def thread_cpu(threads: dict[str, int | None]) -> dict[str, float]:
    """CPU seconds of each named thread (by its native id: Python 3.11 does not name OS threads)."""
    out: dict[str, float] = {}
    for name, tid in threads.items():
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def written_bytes(store: Path) -> int:
    return sum(p.stat().st_size for p in store.rglob("*") if p.is_file())


async def run(
    library: ProfileLibrary, run_dir: Path, cams: list[str], *, composite: bool, audio: bool, seconds: float
) -> dict[str, Any]:
    factory = DeviceFactory(library)
    devices = [factory.build(c, "generic/hdmi-capture", f"video:{run_dir / 'video' / (c + '.mp4')}") for c in cams]
    if audio:
        devices.append(factory.build("mics", "generic/usb-audio-interface-8ch", "alsa:bench8"))
    options: dict[str, Any] = {
        "video": cams,
        "audio": "mics" if audio else None,
        "segment_s": max(60.0, seconds),
        "composite": {"enabled": composite, "width": 1920, "height": 1080, "layout": "1+5"},
        "reserve_mb": 1,
    }
    store = Path(tempfile.mkdtemp(prefix="store-", dir=run_dir))
    recorder = factory.build("rec", "generic/software-recorder", f"dir:{store}", options=options)
    assert isinstance(recorder, SoftwareRecorder)
    factory.link_all()
    for device in devices:
        await device.connect()
    await recorder.connect()
    await asyncio.sleep(WARMUP_S)
    await recorder.execute("record", {"clip": "bench"})
    engine = recorder.engine
    assert engine is not None
    threads = {name: w.thread.native_id for name, w in engine.writers.items()}
    threads["clock"] = engine._thread.native_id
    before, wall, cpu = thread_cpu(threads), time.monotonic(), time.process_time()
    await asyncio.sleep(seconds)
    after, elapsed, used = thread_cpu(threads), time.monotonic() - wall, time.process_time() - cpu
    counters, skew = engine.counters(), engine.stats.max_skew_ms
    await recorder.execute("stop", {})
    written = await asyncio.to_thread(written_bytes, store)
    for device in [recorder, *devices]:
        await device.close()
    per_thread = {name: round(100 * (after[name] - before.get(name, 0.0)) / elapsed, 1) for name in after}
    return {
        "cameras": len(cams),
        "composite": composite,
        "seats": 8 if audio else 0,
        "cpu_pct_per_stream": per_thread,
        "cpu_pct_process": round(100 * used / elapsed, 1),
        "cpu_pct_machine": round(100 * used / elapsed / (os.cpu_count() or 1), 1),
        "dropped_frames": sum(c["dropped"] for c in counters.values()),
        "av_skew_max_ms": round(skew, 1),
        "mb_per_hour": round(written / 1e6 / elapsed * 3600, 1),
    }


async def main(seconds: float, only_room: bool = False) -> dict[str, Any]:
    library = ProfileLibrary()
    with tempfile.TemporaryDirectory(prefix="bench-recording-") as tmp:
        run_dir = Path(tmp)
        os.environ.update(alsa_env(run_dir))
        duration = seconds * (1 if only_room else 4) + 30
        script = AudioScript(channels=8, duration_s=duration, turns=round_robin(list(range(1, 9)), duration))
        mics = SimAudioInput(AlsaEndpoint("alsa:bench8", run_dir), script, {})
        mics.open()
        cams = [f"cam{i}" for i in range(1, 5)]
        sources = [
            SimVideoInput(VideoEndpoint(f"video:{c}", run_dir), VideoScript(c, 1280, 720, 25.0, 8.0)) for c in cams
        ]
        for source in sources:
            source.open()
        try:
            counts = () if only_room else (1, 2, 4)
            runs = [
                await run(library, run_dir, cams[:n], composite=False, audio=False, seconds=seconds) for n in counts
            ]
            runs.append(await run(library, run_dir, cams, composite=True, audio=True, seconds=seconds))
        finally:
            mics.close()
            for source in sources:
                source.close()
    return {
        "seconds_per_run": seconds,
        "cores": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "runs": runs,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="recording time of each run (goal: 600)")
    parser.add_argument("--room-only", action="store_true", help="only the room run (the goal's 10 minutes: 600)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.seconds, args.room_only))))
