"""The case-file record against a scripted hearing: every interruption, mark, segment and fault in its place, in
Chinese and English, the same under any TZ of the exporting machine, and as an A4 PDF whose first page is
rendered to a picture. And the recording rule, from every path."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from controller.hearing.record import build_record
from controller.hearing.record_render import render_markdown, render_pdf
from controller.hearing.restore import verify_recording
from controller.journal import Actor, JournalFile, Kind
from controller.mqtt.contract import RecorderState
from tests.hearing.conftest import Court

CLERK = Actor("console:wang", name="王书记员", role="clerk")
TECHNICIAN = Actor("console:li", name="李工", role="technician")


def _recording(court: Court, rec: str) -> bool:
    state = court.room.state(rec)
    return isinstance(state, RecorderState) and state.transport == "record" and court.room.online(rec)


def _alarm(court: Court, kind: str) -> bool:
    return any(a.kind == kind for a in court.hearing.watchdog.alarms)


def _record(court: Court, hearing_id: str, lang: str = "zh") -> dict[str, object]:
    file = JournalFile(court.room.config.state_dir / "journal.sqlite", "b2-cr104")
    try:
        return build_record(file, hearing_id, "en" if lang == "en" else "zh")
    finally:
        file.close()


def _human_facing(record: dict[str, Any]) -> list[str]:
    """Every text of the JSON record a person reads (not the ids, clip names, raw words or machine fields)."""
    out = [str(record[k]) for k in ("room_name", "timezone_text", "opened_by", "closed_by", "case_source")]
    out.append(str(record["publicity"]))
    for s in record["segments"]:
        out += [s["device_name"], s["ended_text"], *s["continued_through"]]
    for i in record["interruptions"]:
        out += [i["label"], i["note"], i["by"]]
    for m in record["marks"]:
        out += [m["seat_name"] or "", m["by"]]
    for f in record["faults"]:
        out += [f["device_name"], f["text"], f["effect"]]
    for r in record["rules"]:
        out += [r["device_name"], r["by"]]
    statement = record["failure_statement"]
    if statement is not None:
        out += [statement["basis"], statement["intro"], *statement["items"], statement["closing"]]
        out += statement["signatures"]
    return out


def _assert_plain_chinese(record: dict[str, Any], court: Court) -> None:
    """No device id and no English sentence (a driver's or the controller's words) where the zh record speaks."""
    ids = [d.id for d in court.room.config.devices]
    for text in _human_facing(record):
        assert not [i for i in ids if i in text], text
        assert not re.search(r"[A-Za-z]{4,}", text.replace("Asia/Shanghai", "")), text


async def test_the_record_states_what_the_scripted_hearing_did(court: Court, tmp_path: Path) -> None:
    hearing = court.hearing
    main = court.handle("rec-main")
    opened = await hearing.execute("open", {"case_no": "(2026)京0105民初88号", "title": "借款合同纠纷"}, CLERK)
    await court.until(lambda: _recording(court, "rec-main") and _recording(court, "rec-backup"), 5, "recording")
    await hearing.execute("mark", {"text": "证人开始陈述", "seat": "witness"}, CLERK)
    await hearing.execute("interrupt", {"reason": "recess", "note": "午休"}, CLERK)
    await court.until(lambda: hearing.state().recording == "paused", 5, "paused")
    resumed = await hearing.execute("resume", {}, CLERK)
    await court.until(lambda: _recording(court, "rec-main") and _recording(court, "rec-backup"), 5, "recording")

    # the recording host's control line is pulled while it records: state unknown, not "not recording"
    main.unplug()
    await court.until(lambda: _alarm(court, "recorder_unreachable"), 5, "recorder_unreachable")
    assert not _alarm(court, "not_recording") and main.transport == "record"
    assert hearing.state().recording == "unknown"
    await asyncio.sleep(1.0)  # the line stays down a moment while the deck records on
    main.replug()
    await court.until(lambda: _recording(court, "rec-main") and not hearing.watchdog.alarms, 10, "back")

    # someone presses stop on the host: not recording, restarted by the controller as ..._p2r
    main.press_stop()
    await court.until(lambda: _alarm(court, "not_recording"), 3, "not_recording")
    await court.until(lambda: _recording(court, "rec-main") and not hearing.watchdog.alarms, 8, "recovered")
    restarted = main.clip
    assert restarted.endswith("_p2r")
    await hearing.execute("mark", {"text": "质证结束"}, CLERK)
    closed = await hearing.execute("close", {}, CLERK)
    await court.journal.flush()

    record = _record(court, closed["hearing_id"])
    assert record["case_no"] == "(2026)京0105民初88号" and record["timezone"] == "Asia/Shanghai"
    assert str(record["opened"]["at"]).endswith("+08:00")  # type: ignore[index]
    assert record["opened_by"] == "王书记员（书记员）" and record["closed_by"] == "王书记员（书记员）"
    interruptions = record["interruptions"]
    assert [(i["label"], i["note"], i["by"]) for i in interruptions] == [("休庭", "午休", "王书记员（书记员）")]
    assert [(m["text"], m["seat_name"], m["part"]) for m in record["marks"]] == [  # type: ignore[attr-defined]
        ("证人开始陈述", "证人", 1),
        ("质证结束", None, 2),
    ]
    segments = record["segments"]
    main_segments = [s for s in segments if s["device"] == "rec-main"]  # type: ignore[attr-defined]
    assert [s["clip"] for s in main_segments] == [opened["clip"], resumed["clip"], restarted]
    assert [s["ended"] for s in main_segments] == ["stopped", "stopped", "hearing_closed"]
    assert len(main_segments[1]["continued_through"]) == 1  # the unplugged stretch, proved recorded
    backup = [s for s in segments if s["device"] == "rec-backup"]  # type: ignore[attr-defined]
    assert len(backup) == 2 and all(s["clip"] is None and "时码" in s["clip_label"] for s in backup)
    assert all(s["device_name"] in ("庭审录像主机", "备份录像机") for s in segments)  # type: ignore[attr-defined]

    faults = {f["kind"]: f for f in record["faults"]}  # type: ignore[attr-defined]
    unreachable = faults["recorder_unreachable"]
    assert "录像状态不明" in unreachable["text"] and not unreachable["affects_recording"]
    assert "同一文件仍在录像，录像未中断" in unreachable["effect"] and "备份录像机在录像" in unreachable["effect"]
    stopped = faults["not_recording"]
    assert stopped["device_name"] == "庭审录像主机" and "该录像中断 0:00:0" in stopped["effect"]
    assert "备份录像机在录像" in stopped["effect"] and stopped["affects_recording"]
    assert faults["recovery_attempt"]["effect"] == "录像恢复"
    for fault in record["faults"]:  # type: ignore[attr-defined]
        assert not re.search(r"[A-Za-z]{4,}", fault["text"] + fault["effect"]), fault  # plain Chinese
    raw = [a["raw"] for a in record["appendix"]]  # type: ignore[attr-defined]
    assert any("is not recording" in text for text in raw)  # the drivers' words, in the appendix
    statement = record["failure_statement"]
    assert statement is not None and len(statement["items"]) == 1  # type: ignore[index]
    assert "庭审录像主机报告未在录像" in statement["items"][0]  # type: ignore[index]
    _assert_plain_chinese(record, court)

    duration, recorded = record["duration_ms"], record["recorded_ms"]
    recess = interruptions[0]["duration_ms"]  # type: ignore[index]
    assert duration - recess - 2500 <= recorded <= duration - recess + 500  # type: ignore[operator]

    md = render_markdown(record)
    assert "时间：Asia/Shanghai（UTC+08:00）" in md and "审判长或独任审判员（审核签名）" in md
    assert "负责录音录像的人员（签名）" in md and "rec-main" not in md.split("## 附录")[0]
    assert re.search(r"录像时长：\d+:\d\d:\d\d", md) and re.search(r"\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \|", md)
    tz = os.environ.get("TZ")
    try:  # the exporting machine's time zone changes nothing: the record is in the room's
        for zone in ("UTC", "America/New_York"):
            os.environ["TZ"] = zone
            time.tzset()
            assert render_markdown(_record(court, closed["hearing_id"])) == md
    finally:
        os.environ.pop("TZ", None) if tz is None else os.environ.__setitem__("TZ", tz)
        time.tzset()

    english = render_markdown(_record(court, closed["hearing_id"], "en"))
    assert "Hearing recording record" in english and "Recording host" in english and "recess" in english
    assert "Presiding judge or sole judge" in english and "庭审录像主机" not in english

    text, picture = await asyncio.to_thread(_print, record, tmp_path)
    for words in ("庭审录音录像记录", "(2026)京0105民初88号", "证人开始陈述", "审判长或独任审判员", "午休"):
        assert words in text, words
    size = picture.stat().st_size
    assert size > 20_000, f"the first page rendered to a {size}-byte picture: blank?"


async def test_the_controllers_own_fault_interruption_reads_in_the_records_language(court: Court) -> None:
    # what the daemon does after a restart: the recorders are judged once they answer, and a recorder that is not
    # recording makes the controller declare a fault interruption itself (here the backup deck was stopped)
    hearing = court.hearing
    await hearing.execute("open", {"case_no": "(2026)京0105民初89号"}, CLERK)
    await court.until(lambda: _recording(court, "rec-main") and _recording(court, "rec-backup"), 5, "recording")
    hearing.hold_recovery()  # as restore() does: nothing is restarted before the judgement
    court.handle("rec-backup").press_stop()
    await court.until(lambda: not _recording(court, "rec-backup"), 5, "backup stopped")
    await verify_recording(hearing, timeout_s=5)
    assert hearing.phase == "interrupted" and hearing.interruption is not None
    await hearing.execute("resume", {}, CLERK)
    closed = await hearing.execute("close", {}, CLERK)
    await court.journal.flush()
    rows = await court.journal.entries()
    row = next(e for e in rows if e.kind == Kind.HEARING_INTERRUPTED)
    assert row.data["note_key"] == "recording_affected"
    assert row.data["note_fields"] == {"recorders": {"rec-backup": "stopped"}}
    assert "rec-backup reports stopped" in row.data["note"]  # the raw line, as the journal keeps it

    record = _record(court, closed["hearing_id"])
    interruption = record["interruptions"][0]  # type: ignore[index]
    assert interruption["by"] == "控制系统"
    assert interruption["note"] == "控制系统未运行期间录像受到影响：备份录像机报告状态为已停止"
    raw = record["appendix"][interruption["raw"] - 1]  # type: ignore[index]
    assert raw["device_name"] == "控制系统" and "rec-backup reports stopped" in raw["raw"]
    statement = record["failure_statement"]
    assert any("备份录像机报告状态为已停止" in item for item in statement["items"])  # type: ignore[index]
    _assert_plain_chinese(record, court)
    md = render_markdown(record)
    assert "rec-backup" not in md.split("## 附录")[0] and "reports stopped" not in md.split("## 附录")[0]
    assert "备份录像机报告状态为已停止（原始信息见附录" in md

    english = _record(court, closed["hearing_id"], "en")
    note = english["interruptions"][0]["note"]  # type: ignore[index]
    assert note == "recording affected while the controller was not running: Backup recorder reports stopped", note


def _print(record: dict[str, object], folder: Path) -> tuple[str, Path]:
    """The record as an A4 PDF: its text (pdftotext) and its first page as a picture (pdftoppm)."""
    pdf = render_pdf(record, folder / "record.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    return text, _first_page(pdf, folder / "record-page1")


def _first_page(pdf: Path, prefix: Path) -> Path:
    """The PDF's first page as a PNG (pdftoppm), for a person to look at and the test to check."""
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                   check=True, capture_output=True)
    out = prefix.with_suffix(".png")
    assert out.read_bytes().startswith(b"\x89PNG")
    return out


async def test_the_recording_rule_from_every_path(court: Court) -> None:
    hearing, room = court.hearing, court.room
    await hearing.execute("open", {"case_no": "R-1"}, CLERK)
    await court.until(lambda: _recording(court, "rec-main"), 5, "recording")
    for action in ("stop", "play"):
        with pytest.raises(Exception, match="recording stops only through a hearing interruption") as info:
            await room.execute("rec-main", action, {}, actor=CLERK)
        assert getattr(info.value, "code", None) == "RECORDING_RULE"
    with pytest.raises(Exception, match="technician's") as info:
        await room.execute("rec-main", "stop", {}, actor=CLERK, override_reason="测试覆盖理由")
    assert court.handle("rec-main").transport == "record"

    with pytest.raises(Exception, match="a fault interruption needs an active recording alarm") as info:
        await hearing.execute("interrupt", {"reason": "fault", "note": "无证据"}, CLERK)
    assert getattr(info.value, "code", None) == "RECORDING_RULE" and hearing.phase == "in_session"

    await room.execute("rec-main", "stop", {}, actor=TECHNICIAN, override_reason="更换硬盘，书面记录见工单 42")
    assert court.handle("rec-main").transport != "record"
    await court.until(lambda: _alarm(court, "not_recording"), 3, "not_recording")
    await hearing.execute("interrupt", {"reason": "fault", "note": "主机停止录像"}, CLERK)  # now with evidence
    await hearing.execute("resume", {}, CLERK)
    await hearing.execute("close", {}, CLERK)
    await court.journal.flush()
    rows = await court.journal.entries()
    refused = [e for e in rows if e.kind == Kind.DEVICE_COMMAND_REFUSED and e.data["outcome"] == "RECORDING_RULE"]
    assert [e.data["action"] for e in refused] == ["stop", "play", "stop"]
    override = [e for e in rows if e.kind == Kind.DEVICE_COMMAND and e.data.get("override_reason")]
    assert [(e.actor, e.data["by"]["role"]) for e in override] == [("console:li", "technician")]
    interrupted = [e for e in rows if e.kind == Kind.HEARING_INTERRUPTED]
    assert interrupted[0].data["evidence"] == ["not_recording:rec-main"]
    record = _record(court, str(hearing.hearing_id))
    rules = record["rules"]
    assert [r["kind"] for r in rules] == ["refused", "refused", "refused", "refused", "override"]  # type: ignore[index]
    assert "越过录像规则" in render_markdown(record)
