"""A whole simulated hearing, scripted, against the standard courtroom's simulators; the exported record is
compared with what the script did."""

from __future__ import annotations

import asyncio
import time

import pytest

from controller.hearing.ledger import HearingLedger
from controller.hearing.record import build_record
from controller.hearing.record_render import render_markdown
from controller.journal import Actor, JournalFile
from controller.mqtt.contract import CameraState, DisplayState, RecorderState
from tests.hearing.conftest import Court


def _recording(court: Court, rec: str) -> bool:
    state = court.room.state(rec)
    return isinstance(state, RecorderState) and state.transport == "record"


def _recall_frames(court: Court, camera: str) -> int:
    """Preset-recall frames the simulated bus has seen for this camera (8x 01 04 3F 02 pp FF)."""
    address = court.room.config.device(camera).address
    assert address is not None
    head = bytes([0x80 + address, 0x01, 0x04, 0x3F, 0x02])
    return sum(1 for frame in court.sim.bus_for(camera).frames if frame.startswith(head))


async def test_a_whole_hearing(court: Court) -> None:
    hearing = court.hearing
    check = await hearing.execute("check", {}, actor="clerk:wang")
    assert check["ok"], check
    assert hearing.phase == "ready"

    opened = await hearing.execute(
        "open",
        {"case_no": "(2026)京0105民初1234号", "title": "合同纠纷", "parties": ["甲公司", "乙公司"]},
        "clerk:wang",
    )
    assert all(step["ok"] for step in opened["steps"]), opened["steps"]
    assert hearing.phase == "in_session"
    main, backup = court.handle("rec-main"), court.handle("rec-backup")
    assert main.transport == "record" and backup.transport == "record"
    assert main.clip == opened["clip"] and "b2-cr104_2026-0105-1234" in opened["clip"]
    await court.until(lambda: court.handle("disp-judge").power and court.handle("disp-parties").power, 5, "displays on")
    await court.until(lambda: hearing.state().recording == "recording", 5, "recording status")

    # speakers take turns: each mic press takes that seat's shot
    mics = court.handle("mics")
    for seat_no, seat, camera in ((3, "plaintiff", "cam-plaintiff"), (4, "defendant", "cam-defendant")):
        before = _recall_frames(court, camera)
        mics.press(seat_no)
        await court.until(lambda camera=camera, before=before: _recall_frames(court, camera) > before, 3, camera)
        assert hearing.voice.current == seat
        mics.release(seat_no)
    mark = await hearing.execute("mark", {"text": "证人开始陈述", "seat": "witness"}, "clerk:wang")
    assert mark["offset_s"] > 0 and mark["recorders"]["rec-main"]["clip"] == opened["clip"]

    # recess: recording pauses, and resumes in a new clip
    await hearing.execute("interrupt", {"reason": "recess", "note": "午休"}, "clerk:wang")
    assert hearing.phase == "interrupted" and main.transport != "record" and backup.transport != "record"
    await court.until(lambda: hearing.state().recording == "paused", 5, "paused")
    assert not hearing.watchdog.alarms
    await asyncio.sleep(0.3)
    resumed = await hearing.execute("resume", {}, "clerk:wang")
    assert main.transport == "record" and main.clip == resumed["clip"] and resumed["clip"].endswith("_p2")

    # a recorder fault: the critical alarm within 2 s, the controller restarts the recording, the alarm clears
    await court.until(lambda: _recording(court, "rec-main"), 5, "rec-main recording")
    court.events.clear()
    stopped_at = time.monotonic()
    main.press_stop()
    await court.until(lambda: "alarm_raised" in court.kinds(), 2.0, "the not_recording alarm")
    raised = next(e for e in court.events if e.event == "alarm_raised")
    assert raised.severity == "critical" and raised.data["kind"] == "not_recording"
    assert time.monotonic() - stopped_at < 2.0
    await court.until(lambda: {"alarm_cleared", "recovery_attempt"} <= set(court.kinds()), 8, "recovery")
    attempts = [e for e in court.events if e.event == "recovery_attempt"]
    assert attempts, court.kinds()
    attempt = attempts[0]
    assert attempt.data["ok"] is True and main.transport == "record"

    await hearing.execute("mark", {"text": "质证结束"}, "clerk:wang")
    closed = await hearing.execute("close", {}, "clerk:wang")
    assert hearing.phase == "closed" and main.transport != "record" and backup.transport != "record"
    await court.hearing.macros.settle()
    assert not court.handle("disp-judge").power
    assert closed["recorded_s"] > 0
    await court.journal.flush()

    file = JournalFile(court.room.config.state_dir / "journal.sqlite", "b2-cr104")
    try:
        record = build_record(file, closed["hearing_id"])
        replayed = HearingLedger()
        for entry in file.entries():
            replayed.apply(entry)
    finally:
        file.close()
    # the running service, a replay of the journal and the export read the same ledger
    assert (replayed.phase, replayed.hearing_id, len(replayed.marks)) == ("closed", closed["hearing_id"], 2)
    assert replayed.recorded_ms(replayed.closed_ms or 0) == hearing.ledger.recorded_ms(replayed.closed_ms or 0)
    assert record["recorded_ms"] == replayed.recorded_ms(replayed.closed_ms or 0)
    assert record["case_no"] == "(2026)京0105民初1234号" and record["parties"] == ["甲公司", "乙公司"]
    assert [(i["reason"], i["note"]) for i in record["interruptions"]] == [("recess", "午休")]
    assert record["interruptions"][0]["duration_ms"] >= 300
    assert [m["text"] for m in record["marks"]] == ["证人开始陈述", "质证结束"]
    main_clips = [s["clip"] for s in record["segments"] if s["device"] == "rec-main"]
    assert main_clips[:2] == [opened["clip"], resumed["clip"]] and main_clips[2].endswith("_p2r"), main_clips
    not_recording = [f for f in record["faults"] if f["kind"] == "not_recording"]
    assert len(not_recording) == 1 and not_recording[0]["device"] == "rec-main"
    assert not_recording[0]["duration_ms"] is not None and "该录像中断" in not_recording[0]["effect"]
    assert record["failure_statement"] is not None
    text = render_markdown(record)
    assert "审判长或独任审判员" in text and "午休" in text and "庭审录像主机" in text


async def test_check_failure_refuses_open_unless_overridden(court: Court) -> None:
    hearing = court.hearing
    court.handle("cam-witness").fall_silent()
    await court.until(lambda: not court.room.online("cam-witness"), 10, "cam-witness offline")
    result = await hearing.execute("check", {}, "clerk:wang")
    failed = [i for i in result["items"] if not i["ok"]]
    assert [i["device"] for i in failed] == ["cam-witness"] and hearing.phase == "idle"
    with pytest.raises(Exception, match="pre-hearing check failed: camera for witness") as info:
        await hearing.execute("open", {"case_no": "A1"}, "clerk:wang")
    assert getattr(info.value, "code", None) == "CHECK_FAILED" and hearing.phase == "idle"
    await hearing.execute("open", {"case_no": "A1", "override_reason": "证人缺席，无需证人席画面"}, "clerk:wang")
    assert hearing.phase == "in_session"
    assert "check_override" in court.kinds()
    court.handle("cam-witness").resume()
    await hearing.execute("close", {}, "clerk:wang")


@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("resume", {}, "INVALID_STATE"),
        ("mark", {"text": "x"}, "INVALID_STATE"),
        ("close", {}, "INVALID_STATE"),
        ("interrupt", {"reason": "lunch"}, "INVALID_ARGUMENT"),
        ("open", {"case_no": 1234}, "INVALID_ARGUMENT"),
        ("open", {"case_no": "A1", "judge": "x"}, "INVALID_ARGUMENT"),
        ("adjourn", {}, "INVALID_ARGUMENT"),
        ("voice_follow", {"seat": "nobody"}, "INVALID_ARGUMENT"),
    ],
)
async def test_bad_requests_change_nothing(court: Court, action: str, params: dict[str, object], code: str) -> None:
    hearing = court.hearing
    before = hearing.state().model_dump(exclude={"ts", "since_ts", "recorded_s", "check"})
    with pytest.raises(Exception) as info:
        await hearing.execute(action, params, "clerk:wang")
    assert getattr(info.value, "code", None) == code, info.value
    assert str(info.value)
    assert hearing.state().model_dump(exclude={"ts", "since_ts", "recorded_s", "check"}) == before
    assert court.handle("rec-main").transport != "record"


async def test_interrupt_for_a_fault_keeps_recording(court: Court) -> None:
    hearing = court.hearing
    await hearing.execute("open", {"case_no": "F1"}, "clerk:wang")
    technician = Actor("console:li", name="李工", role="technician")
    await hearing.execute("interrupt", {"reason": "fault", "note": "投影仪故障"}, technician)
    assert court.handle("rec-main").transport == "record"
    assert hearing.expect_recording
    await hearing.execute("resume", {}, "clerk:wang")
    await hearing.execute("close", {}, "clerk:wang")


async def test_displays_and_cameras_take_the_open_scene(court: Court) -> None:
    """Opening puts every display on its input and every seat's camera on the seat's preset: each head, put
    elsewhere first, ends where its preset was stored, and the controller reports it there."""
    hearing = court.hearing
    shots = {}
    for n, seat in enumerate(s for s in court.room.config.seats if s.camera is not None):
        assert seat.camera is not None and seat.preset is not None
        camera = court.handle(seat.camera)
        shots[seat.camera] = (40 * (n + 1), 10 * (n + 1), 100 * (n + 1))
        camera.camera.presets[seat.preset] = shots[seat.camera]
        camera.set_position(pan=0, tilt=0, zoom=0)
    await hearing.execute("open", {"case_no": "S1"}, "clerk:wang")
    for display in ("disp-judge", "disp-parties"):
        await court.until(
            lambda display=display: isinstance(s := court.room.state(display), DisplayState) and s.input == "hdmi1",
            5,
            f"{display} on hdmi1",
        )
    for name, shot in shots.items():
        head = court.handle(name)
        await court.until(lambda head=head, shot=shot: (head.pan, head.tilt, head.zoom) == shot, 10, f"{name} shot")

    def reported() -> bool:
        state = court.room.state("cam-judge")
        return isinstance(state, CameraState) and (state.pan, state.tilt, state.zoom) == shots["cam-judge"]

    await court.until(reported, 10, "cam-judge's state at its shot")
    await hearing.execute("close", {}, "clerk:wang")
