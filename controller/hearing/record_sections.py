"""The case-file record's sections that are read from the whole record: where the case came from, its
publicity, the live stream's labels, the Art.4 failure statement (written from the faults and interruptions
that affected the recording) and the journal's verification. ``record.py`` builds the record with them.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from controller.hearing.ledger import HearingLedger
from controller.hearing.record_faults import RecordContext
from controller.hearing.record_text import Lang, duration_text, label, when_json, when_text
from controller.journal import JournalFile, Kind
from controller.journal.checkpoint import Checkpoint, Verification

STREAM_LABELS = {
    "started": ("开始直播", "on the air"),
    "cut": ("暂停直播", "cut (slate)"),
    "stopped": ("停止直播", "off the air"),
    "refused": ("拒绝直播", "refused"),
    "protect": ("遮挡席位", "seat protection"),
}
PUBLICITY_REASONS = {
    "state_secret": ("涉及国家秘密", "state secret"),
    "privacy": ("涉及个人隐私", "privacy"),
    "minor": ("涉及未成年人", "minor"),
    "other": ("其他不公开事由", "other"),
}


def case_source(ledger: HearingLedger, lang: Lang) -> str:
    """Where the case's facts came from: the case system (its key) or typed by hand (and why)."""
    src = ledger.source
    zh = lang == "zh"
    if src.get("kind") == "case_system":
        return f"审判流程管理系统（{src.get('id')}）" if zh else f"the case system ({src.get('id')})"
    state = src.get("case_system")
    if state and state not in ("ok", "not_configured"):
        return f"书记员手工录入（审判流程管理系统：{state}）" if zh else f"typed by the clerk (case system: {state})"
    return "书记员手工录入" if zh else "typed by the clerk"


def publicity(ledger: HearingLedger, lang: Lang) -> str:
    i = 0 if lang == "zh" else 1
    publicity, reason = ledger.case.get("publicity"), ledger.case.get("publicity_reason")
    if publicity == "public":
        return ("公开审理", "public")[i]
    if publicity is None:
        return ("未注明", "not stated")[i]
    why = PUBLICITY_REASONS.get(str(reason), (str(reason or ""), str(reason or "")))[i]
    return f"不公开审理（{why}）" if i == 0 else f"not public ({why})"


def statement(r: RecordContext, record: dict[str, Any]) -> dict[str, Any] | None:
    """Art.4: what the recording staff state when the recording was not complete, in the order it happened."""
    items = [f for f in record["faults"] if f["affects_recording"]]
    for i in record["interruptions"]:
        if i["reason"] == "fault":
            text = r.zh(
                f"因设备故障中断庭审（{i['note'] or '未说明'}，由{i['by']}宣布）",
                f"the hearing was interrupted for an equipment fault ({i['note'] or 'no note'}, declared by {i['by']})",
            )
            items.append(
                {
                    "from": i["from"],
                    "to": i["to"],
                    "duration_ms": i["duration_ms"],
                    "text": text,
                    "effect": r.zh("录像继续进行", "the recording was kept running"),
                }
            )
    if not items:
        return None
    items.sort(key=lambda f: f["from"]["ts"] if f["from"] else 0)
    lines = []
    for f in items:
        start, stop = when_text(f["from"]["ts"] if f["from"] else None, r.zone), None
        if f["to"] is not None:
            stop = when_text(f["to"]["ts"], r.zone)
        span = (
            r.zh(
                f"{start}至{stop}（{duration_text(f['duration_ms'])}）",
                f"{start} to {stop} ({duration_text(f['duration_ms'])})",
            )
            if stop
            else start
        )
        lines.append(span + r.zh("，", ", ") + f["text"] + r.zh("；", "; ") + f["effect"] + r.zh("。", "."))
    opened = when_text(record["opened"]["ts"], r.zone)
    intro = r.zh(
        f"本案（{record['case_no']}）于{opened}在{record['room_name']}开庭审理。经核查庭审控制系统日志，"
        f"庭审录音录像存在以下情况：",
        f"Case {record['case_no']} was heard in {record['room_name']} from {opened}. The courtroom controller's "
        f"journal shows the following about the hearing's recording:",
    )
    return {
        "basis": label("statement_basis", r.lang),
        "intro": intro,
        "items": lines,
        "closing": r.zh("以上情况属实，特此说明。", "We state the above to be true."),
        "signatures": [label("statement_staff", r.lang), label("statement_judge", r.lang)],
    }


def verification_section(
    file: JournalFile, v: Verification | None, closed_seq: int | None, zone: ZoneInfo
) -> dict[str, Any] | None:
    if v is None:
        return None
    covering = None
    if closed_seq is not None:
        row = file.first_after(Kind.CHECKPOINT, closed_seq - 1)
        if row is not None:
            covering = Checkpoint.from_entry(row)

    def cp(c: Checkpoint | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return {
            "seq": c.seq,
            "hash": c.hash,
            "signed": when_json(c.signed_ts, zone),
            "key": c.key,
            "signature": c.signature,
            "row": c.checkpoint_seq,
        }

    return {
        "ok": v.ok,
        "rows": v.rows,
        "head_seq": v.head_seq,
        "head_hash": v.head_hash,
        "checkpoints": v.checkpoints,
        "key": v.key,
        "last_checkpoint": cp(v.last_checkpoint),
        "hearing_checkpoint": cp(covering),
        "problem": v.problem or None,
        "bad_seq": v.bad_seq,
    }
