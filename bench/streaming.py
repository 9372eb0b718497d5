"""CPU cost of the live stream: the composite composed again, a protected seat pixelated, the overlay, H.264
(libx264 ultrafast + zerolatency) and AAC encoding, and the FLV push over RTMP to a local nginx.

The sources are two simulated 720p cameras (``sim.video`` test patterns with the moving disc and text, a second
of distinct frames cycled) and a 48 kHz mix, fed at 25 fps in real time as the recording's clock feeds the
stream. Measured: the CPU of the stream's own thread (``/proc/self/task``: everything listed above, in percent
of one core), frames sent and dropped, and the time from a cut to the first slate packet handed to the server.
Runs: 720p (the default stream), 720p with a protected seat, 1080p.

Prints one JSON object. Usage: ``.venv/bin/python bench/streaming.py [--seconds S]``.
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

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from controller.streaming.local_server import LocalRtmpServer, missing  # noqa: E402
from drivers.recording.stream import Composed, StreamSink, StreamSpec  # noqa: E402
from sim.video import VideoScript, pattern  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
FPS = 25.0
RATE = 48000
WARMUP_S = 2.0


def thread_cpu_s(tid: int | None) -> float:
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def run(url: str, width: int, height: int, seconds: float, protected: bool) -> dict[str, Any]:
    cams = {name: [pattern(VideoScript(label=name, width=1280, height=720), i) for i in range(25)]
            for name in ("video-judge", "video-witness")}
    failures: list[str] = []
    regions = {"video-witness": [(0.3, 0.1, 0.4, 0.8)]} if protected else {}
    sink = StreamSink(StreamSpec(url, width, height), FPS, RATE, failures.append, regions)
    sink.start()
    silence = np.zeros((int(RATE / FPS), 1), dtype=np.int16)
    start = time.monotonic()
    cpu_from = None
    index = 0
    cut_at = None
    while (now := time.monotonic()) < start + WARMUP_S + seconds + 1.0:
        if cpu_from is None and now >= start + WARMUP_S:
            cpu_from, wall_from = thread_cpu_s(sink.thread.native_id), now
        if cut_at is None and now >= start + WARMUP_S + seconds:
            cpu_to, wall_to = thread_cpu_s(sink.thread.native_id), now
            cut_at = now
            sink.cut()
        pictures = {name: frames[index % 25] for name, frames in cams.items()}
        sink.put_picture(Composed(pictures, list(cams), "1+5", "2026-12-04 14:00:00  第一法庭  (2026)京0105民初1234号"))
        sink.put_audio(silence)
        index += 1
        time.sleep(max(0.0, start + index / FPS - time.monotonic()))
    sink.close()
    assert cpu_from is not None and cut_at is not None
    slate_ms = None if sink.first_slate_at is None else round((sink.first_slate_at - cut_at) * 1000, 1)
    return {
        "size": f"{width}x{height}",
        "protected_seat": protected,
        "cpu_pct_one_core": round(100 * (cpu_to - cpu_from) / (wall_to - wall_from), 1),
        "frames_sent": sink.counters.sent_frames,
        "dropped": sink.counters.dropped,
        "cut_to_slate_sent_ms": slate_ms,
        "failed": failures[0] if failures else None,
    }


async def main(seconds: float) -> dict[str, Any]:
    why = missing()
    if why is not None:
        return {"skipped": why}
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as folder:
        server = LocalRtmpServer(Path(folder) / "nginx")
        await server.start()
        try:
            runs = []
            for width, height, protected in ((1280, 720, False), (1280, 720, True), (1920, 1080, False)):
                runs.append(await asyncio.to_thread(run, server.url(f"b{width}"), width, height, seconds, protected))
        finally:
            await server.stop()
    return {
        "bench": "streaming",
        "seconds_per_run": seconds,
        "fps": FPS,
        "cores": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "runs": runs,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="streaming time of each run")
    print(json.dumps(asyncio.run(main(parser.parse_args().seconds)), ensure_ascii=False))
