"""The record's recorded time over scripted journal rows with exact times: a stretch in which no recorder
reported recording (stopped, or its control line down and its state unknown) is not recorded time; an unseen
stretch counts only where the recorder proved, when seen again, that the same recording ran on through it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from controller.hearing.record import build_record
from controller.journal import Actor, JournalFile, Kind
from controller.journal.writer import make_row

ROOM = "b2-cr104"
HEARING = "b2-cr104-20260303-090000"
T0 = 1_772_499_600_000  # 2026-03-03 09:00:00 +08:00
CLERK = Actor("console:wang", name="王书记员", role="clerk")


def _scripted(path: Path, rows: list[tuple[int, Kind, dict[str, Any], Actor | str]]) -> JournalFile:
    """A journal holding ``rows`` (seconds after T0, kind, data, actor), each stamped at exactly its time."""
    file = JournalFile(path, ROOM)
    facts = {"devices": ["rec-main"], "names": {"rec-main": "庭审录像主机 Recording host"}, "room_name": "第四法庭"}
    made = [replace(make_row(Kind.DAEMON_STARTED, facts, "system", None), ts_ms=T0 - 60_000)]
    for at_s, kind, data, actor in rows:
        made.append(replace(make_row(kind, data, actor, HEARING), ts_ms=T0 + at_s * 1000))
    file.append_many(made)
    return file


def _report(
    transport: str | None, clip: str | None = None, *, reachable: bool = True, device: str = "rec-main"
) -> dict[str, Any]:
    if not reachable:
        return {"device": device, "reachable": False, "reason": "connection refused"}
    return {"device": device, "reachable": True, "transport": transport, "clip": clip, "timecode": None}


def _alarm(kind: str, at_s: int, message: str) -> dict[str, Any]:
    return {
        "id": f"{kind}:rec-main",
        "kind": kind,
        "severity": "critical",
        "device": "rec-main",
        "message": message,
        "since_ts": T0 + at_s * 1000,
    }


def _cleared(kind: str, at_s: int) -> dict[str, Any]:
    return {"id": f"{kind}:rec-main", "cleared_ts": T0 + at_s * 1000}


def test_recorded_time_excludes_stops_and_unknown_stretches_exactly(tmp_path: Path) -> None:
    # one recorder, so nothing else covers its gaps; 100 s of hearing of which it proved 60 s recorded:
    #   0-10 recording (p1)                  10-25 stopped (someone pressed stop)      -> not recorded
    #   25-40 recording (p1r)                40-55 line down, seen again in another clip -> unknown: not recorded
    #   55-70 recording (p1x)                70-80 line down, seen again in the same clip -> proved: recorded
    #   80-90 recording (p1x)                90-100 line down until the close            -> unknown: not recorded
    opened = {
        "case_no": "(2026)京0105民初7号",
        "title": "",
        "parties": [],
        "clip": "c_p1",
        "recorders": {"rec-main": {"reachable": True, "transport": "record", "clip": "c_p1", "timecode": None}},
    }
    rows: list[tuple[int, Kind, dict[str, Any], Actor | str]] = [
        (0, Kind.HEARING_OPENED, opened, CLERK),
        (10, Kind.RECORDER_REPORTED, _report("stop"), "hearing"),
        (10, Kind.ALARM_RAISED, _alarm("not_recording", 10, "rec-main is not recording (transport stop)"), "watchdog"),
        (25, Kind.RECORDER_REPORTED, _report("record", "c_p1r"), "hearing"),
        (25, Kind.ALARM_CLEARED, _cleared("not_recording", 25), "watchdog"),
        (40, Kind.RECORDER_REPORTED, _report(None, reachable=False), "hearing"),
        (40, Kind.ALARM_RAISED, _alarm("recorder_unreachable", 40, "rec-main: connection refused"), "watchdog"),
        (55, Kind.RECORDER_REPORTED, _report("record", "c_p1x"), "hearing"),
        (55, Kind.ALARM_CLEARED, _cleared("recorder_unreachable", 55), "watchdog"),
        (70, Kind.RECORDER_REPORTED, _report(None, reachable=False), "hearing"),
        (80, Kind.RECORDER_REPORTED, _report("record", "c_p1x"), "hearing"),
        (90, Kind.RECORDER_REPORTED, _report(None, reachable=False), "hearing"),
        (90, Kind.ALARM_RAISED, _alarm("recorder_unreachable", 90, "rec-main: connection refused"), "watchdog"),
        (100, Kind.HEARING_CLOSED, {"recorded_s": 60.0, "marks": 0}, CLERK),
    ]
    file = _scripted(tmp_path / "journal.sqlite", rows)
    try:
        record = build_record(file, HEARING)
    finally:
        file.close()

    assert record["duration_ms"] == 100_000
    assert record["recorded_ms"] == 60_000  # 10 + 15 + 35: the stop and both unknown stretches are left out
    segments = [(s["clip"], s["from"]["ts"] - T0, s["to"]["ts"] - T0, s["ended"]) for s in record["segments"]]
    assert segments == [
        ("c_p1", 0, 10_000, "stopped"),
        ("c_p1r", 25_000, 40_000, "unknown"),
        ("c_p1x", 55_000, 90_000, "unknown"),  # through 70-80, proved by the same clip
    ]
    faults = [(f["kind"], f["from"]["ts"] - T0, f["affects_recording"]) for f in record["faults"]]
    assert faults == [
        ("not_recording", 10_000, True),
        ("recorder_unreachable", 40_000, True),  # seen again in another clip: the stretch is not proved
        ("recorder_unreachable", 90_000, True),  # never seen again: unknown to the end
    ]
    unknown = [f for f in record["faults"] if f["kind"] == "recorder_unreachable"]
    assert all("录像状态不明" in f["text"] for f in unknown)  # the record says "unknown", not "recording"
    assert "直至记录结束仍不明" in unknown[1]["effect"]
    assert "期间没有其他录像机确认在录像" in unknown[0]["effect"]
    assert record["failure_statement"] is not None and len(record["failure_statement"]["items"]) == 3


def test_a_stop_covered_by_another_recorder_is_recorded_time(tmp_path: Path) -> None:
    # the main unit stops 10-25 while the backup deck records 5-20: recorded is the union, 0-20 and 25-30
    opened = {
        "case_no": "(2026)京0105民初8号",
        "clip": "c_p1",
        "recorders": {"rec-main": {"reachable": True, "transport": "record", "clip": "c_p1", "timecode": None}},
    }
    rows: list[tuple[int, Kind, dict[str, Any], Actor | str]] = [
        (0, Kind.HEARING_OPENED, opened, CLERK),
        (5, Kind.RECORDER_REPORTED, _report("record", device="rec-backup"), "hearing"),
        (10, Kind.RECORDER_REPORTED, _report("stop"), "hearing"),
        (20, Kind.RECORDER_REPORTED, _report("stop", device="rec-backup"), "hearing"),
        (25, Kind.RECORDER_REPORTED, _report("record", "c_p1r"), "hearing"),
        (30, Kind.HEARING_CLOSED, {}, CLERK),
    ]
    file = _scripted(tmp_path / "journal.sqlite", rows)
    try:
        record = build_record(file, HEARING)
    finally:
        file.close()
    assert (record["duration_ms"], record["recorded_ms"]) == (30_000, 25_000)
