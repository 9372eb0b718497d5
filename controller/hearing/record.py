"""The case-file record of a hearing's recording, built from the journal (Art.4 and Art.7 of the 2017 rules).

``build_record()`` reads the hearing's rows (and the room's device rows while it ran): start and stop, every
interruption with reason and duration, the recording segments, marks with their offsets, and the faults with
their effect on the recording. ``render_markdown()`` writes it for the case file, with a failure-statement
draft for the presiding judge's signature when equipment failed.
"""

from __future__ import annotations

import time
from typing import Any

from controller.journal import Entry, JournalError, JournalFile
from controller.recording.export import render_files, segment_row
from controller.settings import REASON_LABELS


def _fmt(ts: int | None) -> str:
    if ts is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts / 1000))


def find_hearing(journal: JournalFile, key: str) -> str:
    """A hearing id, or the latest hearing of a case number; JournalError names the known hearings."""
    hearings = journal.hearings()
    for hearing_id, _, _ in hearings:
        if hearing_id == key:
            return hearing_id
    by_case = [h for h in hearings if h[2] == key]
    if by_case:
        return by_case[-1][0]
    known = ", ".join(f"{h[0]} ({h[2]})" for h in hearings[-10:]) or "none"
    raise JournalError(f"no hearing '{key}' in {journal.path} (latest: {known})")


def build_record(journal: JournalFile, hearing_id: str) -> dict[str, Any]:
    rows = list(journal.entries(hearing_id))
    opened = next((r for r in rows if r.kind == "hearing_opened"), None)
    if opened is None:
        raise JournalError(f"hearing {hearing_id}: no 'hearing_opened' row")
    closed = next((r for r in rows if r.kind == "hearing_closed"), None)
    end_seq = closed.seq if closed is not None else None
    device_rows = [
        r
        for r in journal.entries(after_seq=opened.seq)
        if r.hearing_id is None and r.kind == "device_offline" and (end_seq is None or r.seq < end_seq)
    ]
    record: dict[str, Any] = {
        "hearing_id": hearing_id,
        "room_id": opened.room_id,
        "case_no": opened.data.get("case_no"),
        "title": opened.data.get("title"),
        "parties": opened.data.get("parties", []),
        "opened_ts": opened.ts_ms,
        "opened_by": opened.actor,
        "closed_ts": closed.ts_ms if closed else None,
        "recorded_s": closed.data.get("recorded_s") if closed else None,
        "check_override": None,
        "segments": [],
        "interruptions": [],
        "marks": [],
        "faults": [],
        "recording_files": [],  # the software recording's sealed segments
    }
    segment: dict[str, Any] | None = {"part": 1, "clip": opened.data.get("clip"), "from_ts": opened.ts_ms}
    interruption: dict[str, Any] | None = None
    alarms: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r.kind == "check_override":
            record["check_override"] = {"reason": r.data.get("reason"), "failed": r.data.get("failed"), "by": r.actor}
        elif r.kind == "hearing_interrupted":
            reason = str(r.data.get("reason"))
            interruption = {
                "reason": reason,
                "label": REASON_LABELS.get(reason, (reason,))[0],
                "from_ts": r.ts_ms,
                "to_ts": None,
                "duration_s": None,
                "note": r.data.get("note", ""),
                "by": r.actor,
            }
            record["interruptions"].append(interruption)
            if reason != "fault" and segment is not None:
                segment["to_ts"] = r.ts_ms
                record["segments"].append(segment)
                segment = None
        elif r.kind in ("hearing_resumed", "hearing_closed"):
            if interruption is not None:
                interruption["to_ts"] = r.ts_ms
                interruption["duration_s"] = round((r.ts_ms - interruption["from_ts"]) / 1000, 1)
                interruption = None
            if r.kind == "hearing_resumed" and segment is None:
                segment = {"part": len(record["segments"]) + 1, "clip": r.data.get("clip"), "from_ts": r.ts_ms}
            if r.kind == "hearing_closed" and segment is not None:
                segment["to_ts"] = r.ts_ms
                record["segments"].append(segment)
                segment = None
        elif r.kind == "recording_segment":
            record["recording_files"].append(segment_row(r))
        elif r.kind == "mark":
            record["marks"].append(
                {
                    "ts": r.ts_ms,
                    "offset_s": r.data.get("offset_s"),
                    "text": r.data.get("text"),
                    "seat": r.data.get("seat"),
                    "by": r.actor,
                }
            )
        elif r.kind == "alarm_raised":
            fault = _fault(r, r.data.get("kind"), r.data.get("severity"), r.data.get("device"), r.data.get("message"))
            alarms[str(r.data.get("id"))] = fault
            record["faults"].append(fault)
        elif r.kind == "alarm_cleared":
            raised = alarms.pop(str(r.data.get("id")), None)
            if raised is not None:
                raised["cleared_ts"], raised["duration_s"] = r.ts_ms, r.data.get("duration_s")
        elif r.kind in ("macro_step_failed", "shot_failed"):
            what = f"{r.data.get('action')} failed: {r.data.get('error')}"
            record["faults"].append(_fault(r, r.kind, "warning", r.data.get("device"), what))
        elif r.kind == "recovery_attempt":
            ok = bool(r.data.get("ok"))
            what = "recording restarted by the controller" if ok else f"restart failed: {r.data.get('error')}"
            record["faults"].append(
                _fault(r, "recovery_attempt", "info" if ok else "critical", r.data.get("device"), what)
            )
        elif r.kind == "controller_gap":
            how = "clean stop" if r.data.get("clean_stop") else "killed"
            what = f"controller not running for {r.data.get('gap_s')} s ({how})"
            fault = _fault(r, "controller_gap", "critical", None, what)
            fault["ts"], fault["cleared_ts"] = r.data.get("from_ts"), r.data.get("to_ts")
            record["faults"].append(fault)
    for r in device_rows:
        record["faults"].append(_fault(r, "device_offline", "warning", r.data.get("device"), str(r.data.get("reason"))))
    if segment is not None:
        record["segments"].append({**segment, "to_ts": None})
    record["faults"].sort(key=lambda f: f["ts"] or 0)
    for fault in record["faults"]:
        fault["effect"] = _effect(fault)
    record["failure_statement"] = any(f["severity"] == "critical" for f in record["faults"]) or any(
        i["reason"] == "fault" for i in record["interruptions"]
    )
    return record


def _fault(r: Entry, kind: object, severity: object, device: object, message: object) -> dict[str, Any]:
    return {
        "ts": r.ts_ms,
        "kind": kind,
        "severity": severity,
        "device": device,
        "message": message,
        "cleared_ts": None,
        "duration_s": None,
    }


def _effect(fault: dict[str, Any]) -> str:
    kind = fault["kind"]
    if kind == "not_recording":
        span = f"{fault['duration_s']} s" if fault["duration_s"] is not None else "until the end of the record"
        return f"录像中断 {span}（recording stopped on {fault['device']}）"
    if kind == "controller_gap":
        return "控制系统未运行，期间录像状态未受监控（recording not supervised during the gap）"
    if kind == "recovery_attempt":
        ok = fault["severity"] == "info"
        return "录像已恢复（recording restored）" if ok else "录像未能恢复（recording not restored）"
    if kind == "disk_low":
        return "录像未中断，存储空间不足（recording continued; disk space low）"
    return "录像未中断（recording not interrupted）"


def render_markdown(record: dict[str, Any]) -> str:
    lines = [
        f"# 庭审录音录像记录 Hearing recording record — {record['case_no']}",
        "",
        f"- 案号 Case: {record['case_no']}  ",
        f"- 案由/标题 Title: {record['title'] or '—'}  ",
        f"- 当事人 Parties: {'、'.join(record['parties']) or '—'}  ",
        f"- 法庭 Room: {record['room_id']}; 庭审编号 Hearing: {record['hearing_id']}  ",
        f"- 开庭 Opened: {_fmt(record['opened_ts'])} (by {record['opened_by']})  ",
        f"- 闭庭 Closed: {_fmt(record['closed_ts'])}  ",
        f"- 录像时长 Recorded: {record['recorded_s'] if record['recorded_s'] is not None else '—'} s",
        "",
    ]
    if record["check_override"]:
        o = record["check_override"]
        lines += [f"庭前检查未通过，经 {o['by']} 说明理由后开庭：{o['reason']}", ""]
    lines += ["## 录像段 Recording segments", "", "| 段 part | 文件 clip | 开始 from | 结束 to |", "|---|---|---|---|"]
    lines += [
        f"| {s['part']} | {s['clip'] or '—'} | {_fmt(s['from_ts'])} | {_fmt(s.get('to_ts'))} |"
        for s in record["segments"]
    ]
    lines += render_files(record.get("recording_files", []))
    lines += ["", "## 中断 Interruptions", ""]
    if record["interruptions"]:
        lines += ["| 原因 reason | 开始 from | 结束 to | 时长 s | 说明 note | 操作人 by |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {i['label']} ({i['reason']}) | {_fmt(i['from_ts'])} | {_fmt(i['to_ts'])} | {i['duration_s'] or '—'} "
            f"| {i['note'] or ''} | {i['by']} |"
            for i in record["interruptions"]
        ]
    else:
        lines.append("无 None.")
    lines += ["", "## 标记 Marks", ""]
    if record["marks"]:
        lines += ["| 时间 time | 录像位置 offset s | 席位 seat | 内容 text |", "|---|---|---|---|"]
        lines += [f"| {_fmt(m['ts'])} | {m['offset_s']} | {m['seat'] or ''} | {m['text']} |" for m in record["marks"]]
    else:
        lines.append("无 None.")
    lines += ["", "## 设备故障 Equipment faults", ""]
    if record["faults"]:
        lines += [
            "| 时间 time | 设备 device | 情况 what | 恢复 cleared | 对录像的影响 effect |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {_fmt(f['ts'])} | {f['device'] or '—'} | {f['message']} | {_fmt(f['cleared_ts'])} | {f['effect']} |"
            for f in record["faults"]
        ]
    else:
        lines.append("无 None.")
    if record["failure_statement"]:
        lines += [
            "",
            "## 设备故障情况说明（草稿）Failure statement (draft)",
            "",
            f"本案（{record['case_no']}）于 {_fmt(record['opened_ts'])} 开庭审理过程中，庭审录音录像设备发生以下故障：",
            "",
        ]
        for n, f in enumerate([f for f in record["faults"] if f["severity"] == "critical"], 1):
            lines.append(f"{n}. {_fmt(f['ts'])}，{f['device'] or '控制系统'}：{f['message']}；{f['effect']}。")
        for i in record["interruptions"]:
            if i["reason"] == "fault":
                lines.append(f"- {_fmt(i['from_ts'])} 至 {_fmt(i['to_ts'])} 因设备故障中断：{i['note']}")
        lines += [
            "",
            "特此说明。",
            "",
            "审判长（签名）Presiding judge: ____________________    日期 Date: ____________",
        ]
    return "\n".join(lines) + "\n"
