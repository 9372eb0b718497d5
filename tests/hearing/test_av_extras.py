"""The standard room with the AV extras: the recording light follows the recording, the clerk's foot switch
adds a mark (ignored once the hearing is closed), the audio inputs are armed for silence only in session, and
a lost picture is a warning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controller import texts
from controller.demo import EXAMPLE, demo_config
from controller.events import DeviceEventRaised
from drivers.signals.audio import AudioInput
from drivers.usb.backend import set_backend
from sim.audio import alsa_env
from sim.usb.backend import BUS
from tests.hearing.conftest import Court


@pytest.fixture
def room_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key, value in alsa_env(tmp_path / "sim").items():
        monkeypatch.setenv(key, value)  # PyAudio in this process reads the simulator's ALSA configuration
    set_backend(BUS)  # the USB devices sit on this process's simulated bus
    yield demo_config(EXAMPLE, tmp_path / "room-source.yaml")
    set_backend(None)


async def test_light_foot_switch_and_armed_audio(court: Court) -> None:
    hearing, light = court.hearing, court.handle("rec-light")
    audio = court.room.device("mic-levels")
    assert isinstance(audio, AudioInput)
    assert not light.on and not audio.hearing_open
    await hearing.execute("open", {"case_no": "AV-1"}, "clerk:wang")
    assert light.on and light.color == "red" and audio.hearing_open
    court.handle("foot-switch").tap()
    await court.until(lambda: "mark" in court.kinds(), 3, "a mark from the foot switch")
    mark = next(e for e in court.events if e.event == "mark")
    assert mark.data["actor"] == "button:foot-switch" and mark.data["offset_s"] >= 0
    assert mark.data["text"] == texts.BUTTON_MARK  # shown in each reader's language (texts.mark_text)
    await hearing.execute("interrupt", {"reason": "mediation"}, "clerk:wang")
    assert not light.on and not audio.hearing_open
    await hearing.execute("resume", {}, "clerk:wang")
    assert light.on
    await hearing.execute("close", {}, "clerk:wang")
    assert not light.on
    court.handle("foot-switch").tap()
    await court.until(lambda: "button_ignored" in court.kinds(), 3, "the press ignored once closed")
    assert hearing.marks == 1


async def test_a_lost_picture_is_a_warning_that_never_touches_the_recording(court: Court) -> None:
    hearing = court.hearing
    await hearing.execute("open", {"case_no": "AV-2"}, "clerk:wang")
    court.handle("video-judge").unplug()

    def warned() -> bool:
        return any(a.kind == "video_no_signal" and a.device == "video-judge" for a in hearing.watchdog.alarms)

    await court.until(warned, 8, "the no-signal warning")
    alarm = next(a for a in hearing.watchdog.alarms if a.kind == "video_no_signal")
    assert alarm.severity == "warning"
    assert hearing.state().recording == "recording" and court.handle("rec-main").transport == "record"
    court.handle("video-judge").replug()
    await court.until(lambda: not warned(), 8, "the warning cleared")
    await hearing.execute("close", {}, "clerk:wang")
    kinds = [(e.event, e.data.get("kind")) for e in court.events]
    assert ("alarm_raised", "video_no_signal") in kinds and ("alarm_cleared", "video_no_signal") in kinds


async def test_audio_channels_marked_follow_false_show_levels_but_never_move_a_camera(court: Court) -> None:
    heard: list[str] = []
    court.room.bus.subscribe("test", DeviceEventRaised, lambda e: heard.append(f"{e.device_id}:{e.event.event}"))
    await court.hearing.execute("open", {"case_no": "AV-3"}, "clerk:wang")
    await court.until(lambda: "mic-levels:speech_on" in heard, 8, "voice activity on the audio interface")
    assert court.hearing.voice.speaking == [] and court.hearing.voice.switches == 0
    await court.hearing.execute("close", {}, "clerk:wang")
