"""Sony9PinRecorder against its simulator twin: what the recorder suite does not cover."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from drivers.errors import ConfigError, DeviceNak, NotExecutable, ProfileError
from drivers.factory import DeviceFactory
from drivers.profiles import DEFAULT_PROFILE_DIR, ProfileLibrary
from drivers.sony9pin.device import Sony9PinRecorder
from sim.sony9pin import DeckHandle
from tests.functional.harness import Rig, rig

AJA = "aja/ki-pro-ultra-plus"
SONY = "sony/hvr-1500a"


def parts(r: Rig) -> tuple[Sony9PinRecorder, DeckHandle]:
    assert isinstance(r.device, Sony9PinRecorder) and isinstance(r.handle, DeckHandle)
    return r.device, r.handle


async def test_identity_timecode_and_what_the_9pin_cannot_report(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", AJA) as r:
        rec, handle = parts(r)
        assert rec.info.extra["device_type"] == "0x2024"
        assert rec.info.firmware_label == "all"
        assert rec.state.disk_present is True and rec.state.remote_enabled is True
        assert rec.state.clip is None and rec.state.remaining_s is None
        handle.set_timecode(1, 2, 3, 4)
        await rec.poll()
        assert rec.state.timecode == "01:02:03:04"
        with pytest.raises(NotExecutable, match="cannot name its clips"):
            await rec.record("Court2_0930")
        assert handle.transport == "stopped"


async def test_a_nak_is_device_nak_with_its_code_and_the_line_keeps_quiet_after_it(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", SONY) as r:
        rec, handle = parts(r)
        handle.nak_next(0x80)
        with pytest.raises(DeviceNak, match="timeout") as caught:
            await rec.stop()
        assert type(caught.value) is DeviceNak and caught.value.device_code == 0x80
        nak_sent = handle.line.sent[-1][0]
        await rec.poll()
        next_block = next(t for t, _ in handle.line.received if t > nak_sent)
        assert next_block - nak_sent >= 0.009  # 10 ms of quiet, give or take the clocks' read-out


async def test_record_refused_by_a_nak_of_unknown_cause_stays_a_device_nak(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", AJA) as r:
        rec, handle = parts(r)
        handle.nak_next(0x01)
        with pytest.raises(DeviceNak) as caught:
            await rec.record()
        assert caught.value.device_code == 0x01 and type(caught.value) is DeviceNak
        handle.set_remote(False)
        handle.nak_next(0x01)
        with pytest.raises(NotExecutable, match="local mode"):
            await rec.record()


async def test_a_full_disk_is_found_by_reading_the_status_back(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", AJA) as r:
        rec, handle = parts(r)
        handle.set_disk(True, remaining_s=0)
        with pytest.raises(NotExecutable, match=r"did not start recording \(disk full\?\)"):
            await rec.record()
        assert handle.transport == "stopped" and rec.state.transport == "stopped"


async def test_a_recording_stopped_on_the_panel_is_an_event(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", SONY) as r:
        rec, handle = parts(r)
        events: list[tuple[str, dict[str, Any]]] = []
        rec.add_event_listener(lambda name, data: events.append((name, data)))
        await rec.record()
        assert rec.state.recording
        handle.press_stop()
        await rec.poll()
        await rec.poll()
        assert events == [("recording_stopped", {"transport": "stopped", "disk_present": True})]
        await rec.execute("play", {})
        assert handle.transport == "play" and rec.state.transport == "play"


def test_option_typos_are_refused_with_file_or_device_and_key(tmp_path: Path) -> None:
    factory = DeviceFactory(ProfileLibrary())
    with pytest.raises(ConfigError, match=r"court-rec: options\.nak_pause: unknown key"):
        factory.build("court-rec", AJA, "/dev/ttyUSB9", options={"nak_pause": 5})
    profiles = tmp_path / "profiles"
    (profiles / "protocols").mkdir(parents=True)
    (profiles / "models" / "aja").mkdir(parents=True)
    shutil.copy(DEFAULT_PROFILE_DIR / "protocols" / "sony9pin.yaml", profiles / "protocols")
    model = profiles / "models" / "aja" / "ki-pro-ultra-plus.yaml"
    shutil.copy(DEFAULT_PROFILE_DIR / "models" / f"{AJA}.yaml", model)
    model.write_text(model.read_text().replace("record_confirm_ms:", "record_confirm:"))
    with pytest.raises(ProfileError, match=r"ki-pro-ultra-plus\.yaml: options \(firmware\[0\]\)\.record_confirm"):
        ProfileLibrary(profiles)
