"""A protected seat is pixelated in the live stream and never in the recording; with a broadcast delay, nothing
goes out before the delay and a cut drops what it held, the slate still on the air at once (how soon:
bench/streaming.py)."""

from __future__ import annotations

import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from controller.streaming.local_server import LocalRtmpServer
from controller.streaming.service import StreamService
from tests.recording.conftest import RecordingCourt
from tests.streaming.rtmp import Reader
from tests.streaming.test_stream_policy import CLERK, PUBLIC, wait_for

# 2x2 at 320x180: the judge's tile top left, the witness's top right; below the overlay's box, a margin inside
WITNESS_TILE = (slice(24, 86), slice(164, 316))
JUDGE_TILE = (slice(24, 86), slice(4, 156))


def sharpness(frame: np.ndarray, tile: tuple[slice, slice]) -> float:
    gray = cv2.cvtColor(np.ascontiguousarray(frame[tile]), cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def recorded_composite_frames(store: Path) -> list[np.ndarray]:
    frames = []
    for path in sorted(store.glob("*/*_composite_*.mp4")):
        with av.open(str(path)) as container:
            frames += [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    return frames


async def test_a_protected_witness_is_blurred_in_the_stream_and_not_in_the_recording(
    court: RecordingCourt, stream: StreamService, nginx: LocalRtmpServer
) -> None:
    rec = court.recorder
    await court.hearing.execute("open", PUBLIC, CLERK)
    await court.hearing.execute("voice_follow", {"enabled": False}, CLERK)
    await court.room.execute("rec-soft", "layout", {"layout": "2x2", "main": "video-judge"}, "test")
    await court.until(lambda: rec.state.transport == "record", 10, "recording")
    reader = Reader(nginx.url())
    reader.start()
    try:
        await stream.execute("start", {}, CLERK)
        await wait_for(lambda: len(reader.frames) >= 10, 20, "pictures read back")
        state = await stream.execute("protect", {"seat": "witness", "protected": True}, CLERK)
        assert state["protected"] == ["witness"]
        protected_at = time.monotonic()
        await wait_for(lambda: sum(f.at > protected_at + 0.5 for f in reader.frames) >= 10, 20, "protected frames")
        await court.hearing.execute("close", {}, CLERK)
    finally:
        reader.stop()
    await court.until(lambda: rec.state.transport == "stopped", 10, "stopped")
    await court.recording.settle()
    before = [f.frame for f in reader.frames if f.at < protected_at][2:]
    after = [f.frame for f in reader.frames if f.at > protected_at + 0.5]
    recorded = recorded_composite_frames(rec.store)[-len(after) :]
    witness_open = np.median([sharpness(f, WITNESS_TILE) for f in before])
    witness_stream = np.median([sharpness(f, WITNESS_TILE) for f in after])
    witness_recorded = np.median([sharpness(f, WITNESS_TILE) for f in recorded])
    judge_stream = np.median([sharpness(f, JUDGE_TILE) for f in after])
    judge_recorded = np.median([sharpness(f, JUDGE_TILE) for f in recorded])
    print(f"\nwitness tile sharpness: stream before {witness_open:.0f}, protected {witness_stream:.0f}, "
          f"recorded {witness_recorded:.0f}; judge tile: stream {judge_stream:.0f}, recorded {judge_recorded:.0f}")
    assert witness_stream < witness_recorded / 10  # pixelated on the air
    assert witness_stream < witness_open / 10  # and only since it was protected
    assert judge_stream > judge_recorded / 4  # the rest of the picture is as sharp as recorded


@pytest.mark.parametrize("stream_changes", [{"delay_s": 2.0}])
async def test_a_broadcast_delay_holds_the_pictures_and_a_cut_drops_what_it_held(
    court: RecordingCourt, stream: StreamService, nginx: LocalRtmpServer
) -> None:
    rec = court.recorder
    await court.hearing.execute("open", PUBLIC, CLERK)
    await court.until(lambda: rec.state.transport == "record", 10, "recording")
    reader = Reader(nginx.url())
    reader.start()
    try:
        started = time.monotonic()
        assert (await stream.execute("start", {}, CLERK))["delay_s"] == 2.0
        await wait_for(lambda: len(reader.frames) >= 5, 20, "pictures read back")
        first = reader.frames[0].at - started
        assert first >= 1.9  # nothing went out before the delay
        cut_at = time.monotonic()
        await stream.execute("cut", {"reason": "当事人透露隐私"}, CLERK)
        await wait_for(lambda: any(f.slate for f in reader.frames), 10, "the slate")
        seen = next(f.at for f in reader.frames if f.slate) - cut_at
        print(f"\nwith a 2 s delay: first picture {first:.2f} s after the start, slate {seen * 1000:.0f} ms after cut")
        assert seen < 3.0
        assert stream.sink is not None and stream.sink.counters.discarded >= 25  # ~2 s of pictures never sent
        live_after_cut = [f for f in reader.frames if f.at > cut_at + seen and not f.slate]
        assert not live_after_cut  # the held pictures did not come out after the slate
        await court.hearing.execute("close", {}, CLERK)
    finally:
        reader.stop()
