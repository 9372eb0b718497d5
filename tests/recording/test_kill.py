"""A recorder killed with SIGKILL mid-segment leaves a file that plays (fragmented MP4: a fragment a keyframe)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import av

from sim.video import SimVideoInput, VideoEndpoint, VideoScript
from tests.conftest import REPO


async def test_kill_9_mid_segment_leaves_a_playable_file(tmp_path: Path) -> None:
    camera = SimVideoInput(VideoEndpoint("video:cam", tmp_path), VideoScript("cam", 320, 180, 25.0, 10.0))
    camera.open()
    store = tmp_path / "store"
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("record_child.py")),
        camera.path,
        str(store),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout is not None
        assert await asyncio.wait_for(child.stdout.readline(), 30) == b"recording\n"
        files: list[Path] = []
        for _ in range(200):  # until a few fragments (2 s each) are on disk
            files = list(store.glob("killed/*.mp4"))
            if files and files[0].stat().st_size > 40_000:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # mid-fragment
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
        camera.close()
    assert files, "no segment file was written"
    with av.open(str(files[0])) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 50, f"only {frames} frames play after kill -9"
