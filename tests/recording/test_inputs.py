"""What the recorder's inputs do to a running recording, with live sources: a camera (MJPEG over HTTP) and the audio
interface (a pipe ALSA reads) that fall silent while the hearing is recorded are each the watchdog's
``recording_input_stalled`` warning, recorded as black pictures and silence, and the warnings clear when they
send again; an encoder that cannot keep up drops pictures, counted, and that is the ``frames_dropped`` warning."""

from __future__ import annotations

import asyncio
from typing import Any

import av
import numpy as np
import pytest

from controller.recording.manifest import load_manifest, manifest_path
from drivers.recording.overlay import overlay_box
from tests.recording.conftest import RecordingCourt

STALLED = "recording_input_stalled:rec-soft:"


@pytest.fixture
def live_media() -> bool:
    return True


@pytest.fixture
def recorder_changes() -> dict[str, Any]:
    return {"stall_s": 0.5}


def black_pictures(court: RecordingCourt, stream: str) -> int:
    """How many pictures of ``stream``'s files are black below the overlay."""
    rec = court.recorder
    _, y, height, _ = overlay_box(180)
    count = 0
    for path in sorted(rec.store.glob(f"*/*_{stream}_*.mp4")):
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                picture = frame.to_ndarray(format="bgr24")[y + height + 4 :]
                count += int(np.asarray(picture).mean() < 8)
    return count


def longest_silence_s(court: RecordingCourt) -> float:
    """The longest run of zero samples in the judge's seat track (the simulated room has noise on every seat)."""
    longest, run, rate = 0, 0, 16000
    for path in sorted(court.recorder.store.glob("*/*_seats_*.mka")):
        with av.open(str(path)) as container:
            for frame in container.decode(container.streams.audio[0]):
                rate = frame.sample_rate
                for sample in np.asarray(frame.to_ndarray()).reshape(-1).tolist():
                    run = run + 1 if sample == 0 else 0
                    longest = max(longest, run)
    return longest / rate


async def test_a_camera_and_the_audio_interface_that_fall_silent_are_warned_about_then_clear(
    court: RecordingCourt,
) -> None:
    rec = court.recorder
    camera, mics = court.handle("video-judge"), court.handle("mics")
    await court.hearing.execute("open", {"case_no": "S-1"}, "clerk")
    await court.until(lambda: rec.state.transport == "record", 5, "recording")
    assert not [a for a in court.alarms() if a.startswith(STALLED)]

    camera.fall_silent()  # the stream stays open and sends no picture, as a hung encoder
    mics.fall_silent()  # the device stays open and delivers no samples, as a hung audio interface
    await court.until(
        lambda: {STALLED + "video-judge", STALLED + "seats"} <= set(court.alarms()), 10, "both stall warnings"
    )
    alarms = court.alarms()
    assert alarms[STALLED + "video-judge"].severity == "warning"
    assert "video input video-judge sends nothing: black is recorded" in alarms[STALLED + "video-judge"].message
    assert alarms[STALLED + "seats"].severity == "warning"
    assert "audio input mics sends nothing: silence is recorded" in alarms[STALLED + "seats"].message
    assert STALLED + "video-witness" not in alarms, "the other camera still sends"
    streams = rec.snapshot()["streams"]
    assert streams["seats"]["silence_s"] > 0
    assert rec.state.transport == "record" and court.hearing.state().recording == "recording"

    camera.resume()
    mics.resume()
    await court.until(lambda: not [a for a in court.alarms() if a.startswith(STALLED)], 10, "the warnings cleared")
    await court.hearing.execute("close", {}, "clerk")
    await court.until(lambda: rec.state.transport == "stopped", 10, "stopped")
    assert black_pictures(court, "video-judge") >= 5, "the silent camera was recorded black"
    assert longest_silence_s(court) >= 0.2, "the silent audio interface was recorded as silence"
    # the other camera's pictures are not: at most the first, if the clock's first block came before its first frame
    assert black_pictures(court, "video-witness") <= 2


# a composite no PC encodes in time on one thread: 4K at 60 fps with libx264's slowest allowed preset (about a
# tenth of real time here); a small queue, so the pictures left in it are soon encoded at the close; a segment a
# second, so cuts reach the composite while its encoder is behind
HEAVY = {"fps": 60, "preset": "medium", "queue_s": 0.05, "segment_s": 1.0,
         "composite": {"width": 3840, "height": 2160, "layout": "2x2"}}  # fmt: skip


@pytest.mark.parametrize("recorder_changes", [HEAVY], ids=["4k-composite"])
async def test_pictures_an_encoder_cannot_keep_up_with_are_dropped_counted_and_warned_about(
    court: RecordingCourt,
) -> None:
    rec = court.recorder
    await court.hearing.execute("open", {"case_no": "F-1"}, "clerk")
    await court.until(lambda: rec.state.transport == "record", 5, "recording")
    await court.until(lambda: "frames_dropped:rec-soft:composite" in court.alarms(), 10, "the dropped-frames warning")
    alarm = court.alarms()["frames_dropped:rec-soft:composite"]
    assert alarm.severity == "warning" and "frames of composite dropped (the encoder falls behind)" in alarm.message
    assert rec.state.transport == "record" and court.hearing.state().recording == "recording"
    await asyncio.sleep(4)  # a few more one-second segments, cut while the composite's encoder is behind
    await court.hearing.execute("close", {}, "clerk")
    await court.until(lambda: rec.state.transport == "stopped", 30, "stopped")
    streams = rec.snapshot()["streams"]
    composite, judge = streams["composite"], streams["video-judge"]
    assert composite["dropped"] > 0 and judge["dropped"] == 0, "the small camera streams keep up"
    # every picture the clock made for the composite was either encoded or counted as dropped
    assert composite["frames"] + composite["dropped"] == judge["frames"]
    # the cuts were not dropped with the pictures: every stream's segments start on the same sample
    await court.recording.settle()
    segments = load_manifest(manifest_path(rec.store, court.hearing.state().hearing_id))["segments"]
    cuts: dict[str, list[tuple[int, int]]] = {}
    for s in segments:
        cuts.setdefault(s["stream"], []).append((s["index"], s["start_ts"]))
    cuts = {name: sorted(found) for name, found in cuts.items()}
    assert len(cuts["composite"]) >= 4 and all(found == cuts["composite"] for found in cuts.values()), cuts
