"""A recorder in a process of its own, for the kill -9 test: records one simulated camera until it is killed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary


async def record(video: str, store: Path) -> None:
    factory = DeviceFactory(ProfileLibrary())
    camera = factory.build("cam", "generic/hdmi-capture", f"video:{video}")
    options = {"video": ["cam"], "segment_s": 600, "composite": {"enabled": False}, "reserve_mb": 1}
    recorder = factory.build("rec", "generic/software-recorder", f"dir:{store}", options=options)
    factory.link_all()
    await camera.connect()
    await recorder.connect()
    await recorder.execute("record", {"clip": "killed"})
    print("recording", flush=True)
    await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1], Path(sys.argv[2])))
