"""The case-file record of a hearing's recording, built from the journal (Art.4 and Art.7 of the 2017 rules).

``build_record()`` replays the hearing's rows through the hearing ledger (the fold the running service uses)
and states only what the controller observed: start and stop; each recorder's segments as the recorder
reported them (its own clip names, or its timecode where the model names no clips); interruptions with reason,
duration and who declared them; marks; faults in plain words with their effect on the recording (a recorder
that cannot be reached is "state unknown", with which other recorder was recording meanwhile; a clean stop of
the controller is the controller's gap, with what the recorders said when it came back) and the drivers' raw
messages in an appendix; the Art.4 statement for the recording staff when the recording was affected; and the
journal's verification (head hash, signed checkpoint). ``record_render.py`` writes it as Markdown, HTML or PDF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from controller.hearing.ledger import AlarmSpan, FaultRow, GapSpan, HearingLedger, UnknownSpan
from controller.hearing.record_text import (
    Lang,
    action_text,
    device_name,
    duration_text,
    ended_text,
    label,
    person,
    split_name,
    when_json,
    when_text,
    zone_text,
)
from controller.journal import Actor, JournalError, JournalFile, Kind
from controller.journal.checkpoint import Checkpoint, Verification
from controller.model import now_ms
from controller.recording.export import segment_row
from controller.settings import REASON_LABELS

if TYPE_CHECKING:
    from controller.config import RoomConfig

DEFAULT_ZONE = "Asia/Shanghai"
QUIET = {
    "device_offline",
    "display_off",
    "audio_silent",
    "audio_clipping",
    "video_no_signal",
    "video_black",
    "video_frozen",
}  # alarms about devices other than the recorders: never about the recording


def room_facts(config: RoomConfig) -> dict[str, Any]:
    """What the record needs from the room config, journaled at every start (``daemon_started``): the record
    then names rooms, devices and seats, and tells the time, as they were when the hearing ran."""
    return {
        "devices": [d.id for d in config.devices],
        "names": {d.id: d.name for d in config.devices if d.name},
        "seats": {s.id: s.name for s in config.seats if s.name},
        "room_name": config.room.name,
        "timezone": config.room.timezone,
    }


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


class _Record:
    """What one build needs at hand: the ledger, the language, the zone, the names, the appendix."""

    def __init__(self, ledger: HearingLedger, lang: Lang, zone: ZoneInfo, names: dict[str, str], end: int) -> None:
        self.ledger, self.lang, self.zone, self.names, self.end = ledger, lang, zone, names, end
        self.appendix: list[dict[str, Any]] = []

    def zh(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def dev(self, device: str | None) -> str:
        return device_name(device, self.names, self.lang)

    def who(self, actor: Actor | None) -> str:
        return person(actor, self.lang, self.names)

    def raw(self, device: str | None, text: str | None) -> int | None:
        """Put a driver's own words into the appendix; returns their number."""
        if not text:
            return None
        self.appendix.append(
            {"n": len(self.appendix) + 1, "device": device, "device_name": self.dev(device), "raw": text}
        )
        return len(self.appendix)

    def item(
        self,
        kind: str,
        device: str | None,
        span: tuple[int, int | None],
        text: str,
        effect: str,
        *,
        severity: str,
        raw: int | None = None,
        affects: bool = False,
    ) -> dict[str, Any]:
        """One line of the faults table; ``affects``: it goes into the Art.4 statement."""
        from_ts, to_ts = span
        return {
            "kind": kind,
            "severity": severity,
            "device": device,
            "device_name": self.dev(device),
            "from": when_json(from_ts, self.zone),
            "to": when_json(to_ts, self.zone),
            "duration_ms": None if to_ts is None else to_ts - from_ts,
            "text": text,
            "effect": effect,
            "raw": raw,
            "affects_recording": affects,
        }

    def meanwhile(self, device: str | None, from_ts: int, to_ts: int | None) -> str:
        others = sorted(
            {self.dev(s.device) for s in self.ledger.recording_during(device or "", from_ts, to_ts or self.end)}
        )
        if others:
            return self.zh(f"期间{'、'.join(others)}在录像", f"{', '.join(others)} recorded meanwhile")
        return self.zh("期间没有其他录像机确认在录像", "no other recorder was confirmed recording meanwhile")

    # -- faults -------------------------------------------------------------------------------------------
    def alarm(self, a: AlarmSpan) -> dict[str, Any]:
        d, span = self.dev(a.device), duration_text((a.to_ts or self.end) - a.from_ts)
        raw = self.raw(a.device, a.message)
        if a.kind == "not_recording":
            if a.device is None:
                text = self.zh("软件录像文件停止增长", "a software recording's files stopped growing")
            else:
                text = self.zh(f"{d}报告未在录像", f"{d} reported it was not recording")
            effect = self.zh(f"该录像中断 {span}；", f"this recording stopped for {span}; ") + self.meanwhile(
                a.device, a.from_ts, a.to_ts
            )
            return self.item(
                a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=True
            )
        if a.kind == "recorder_unreachable":
            return self.unreachable(a, raw)
        if a.kind == "disk_low":
            text = self.zh(f"{d}存储空间不足", f"{d} was short of disk space")
            effect = self.zh("录像未中断", "the recording continued")
            return self.item(
                a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=False
            )
        if a.kind == "journal_unavailable":
            text = self.zh("控制系统日志无法写入", "the controller's journal could not write")
            effect = self.zh(
                "期间庭审操作与设备指令均被拒绝；录像本身不受影响",
                "hearing operations and device commands were refused meanwhile; the recording itself was not affected",
            )
            return self.item(
                a.kind, None, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=False
            )
        text = self._quiet_text(a, d)
        effect = self.zh("不影响录像", "no effect on the recording")
        return self.item(
            a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity=a.severity, raw=raw, affects=False
        )

    def _quiet_text(self, a: AlarmSpan, d: str) -> str:
        seat = a.id.rsplit(":", 1)[-1] if a.kind.startswith("audio_") else ""
        texts = {
            "device_offline": (f"{d}无响应（离线）", f"{d} did not answer (offline)"),
            "display_off": (f"{d}处于关闭状态", f"{d} was off"),
            "audio_silent": (f"{d}的“{seat}”席位话筒无声音", f"seat '{seat}' on {d} was silent"),
            "audio_clipping": (f"{d}的“{seat}”席位音量过大（削波）", f"seat '{seat}' on {d} was clipping"),
            "video_no_signal": (f"{d}无画面信号", f"{d} had no picture"),
            "video_black": (f"{d}画面全黑", f"{d}'s picture was black"),
            "video_frozen": (f"{d}画面冻结", f"{d}'s picture was frozen"),
        }
        zh, en = texts.get(a.kind, (f"{d}：{a.kind}", f"{d}: {a.kind}"))
        return self.zh(zh, en)

    def unreachable(self, a: AlarmSpan, raw: int | None) -> dict[str, Any]:
        d = self.dev(a.device)
        text = self.zh(
            f"与{d}的控制连接中断，录像状态不明", f"the control line to {d} was down: recording state unknown"
        )
        unseen = next(
            (
                u
                for u in self.ledger.unknowns
                if u.device == a.device
                and u.why == "unreachable"
                and u.from_ts <= (a.to_ts or self.end)
                and (u.to_ts or self.end) >= a.from_ts
            ),
            None,
        )
        outcome, affects = self.outcome(unseen, a.device)
        effect = outcome + self.zh("；", "; ") + self.meanwhile(a.device, a.from_ts, a.to_ts)
        return self.item(
            a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=affects
        )

    def outcome(self, unseen: UnknownSpan | None, device: str | None) -> tuple[str, bool]:
        """What the recorder said when it was seen again, and whether the recording may have suffered."""
        d = self.dev(device)
        if unseen is None:
            return self.zh(f"{d}此前未在录像", f"{d} was not recording before"), False
        if unseen.outcome == "continued":
            same = unseen.proof == "clip"
            proof = self.zh(
                "同一文件仍在录像" if same else "时码连续走动",
                "the same clip still recording" if same else "its timecode ran on",
            )
            return self.zh(
                f"恢复后{d}报告{proof}，录像未中断",
                f"when seen again {d} reported {proof}: the recording was not interrupted",
            ), False
        if unseen.outcome == "stopped":
            return self.zh(
                f"恢复后{d}报告已停止录像，停止时间不明", f"when seen again {d} had stopped recording, when is unknown"
            ), True
        if unseen.outcome == "other_clip":
            return self.zh(
                f"恢复后{d}报告在录制另一文件，期间录像可能中断",
                f"when seen again {d} was recording another clip: the recording may have been interrupted",
            ), True
        if unseen.outcome == "recording":
            return self.zh(
                f"恢复后{d}报告正在录像，但无法证明期间未曾中断",
                f"when seen again {d} was recording, but nothing proves it recorded throughout",
            ), True
        return self.zh(f"{d}的录像状态直至记录结束仍不明", f"{d}'s state stayed unknown to the end"), True

    def gap(self, g: GapSpan) -> dict[str, Any]:
        text = (
            self.zh("控制系统停止运行（正常停止）", "the controller was stopped (a clean stop)")
            if g.clean
            else self.zh("控制系统意外终止（未正常停止）", "the controller ended abruptly (killed)")
        )
        unseen = [u for u in self.ledger.unknowns if u.why == "controller" and u.from_ts == g.from_ts]
        parts, affects = [], False
        for u in unseen:
            said, bad = self.outcome(u, u.device)
            parts.append(said)
            affects = affects or bad
        if not parts:
            parts.append(self.zh("此时没有录像机在录像", "no recorder was recording at the time"))
        effect = self.zh("期间无人监控录像；", "nobody watched the recording meanwhile; ") + self.zh("；", "; ").join(
            parts
        )
        return self.item(
            "controller_gap",
            None,
            (g.from_ts, g.to_ts),
            text,
            effect,
            severity="critical" if affects else "warning",
            raw=None,
            affects=affects,
        )

    def fault(self, f: FaultRow) -> dict[str, Any]:
        d, act = self.dev(f.device), action_text(f.action, self.lang)
        raw = self.raw(f.device, f.error)
        if f.kind == Kind.RECOVERY_ATTEMPT:
            if f.ok:
                text = self.zh(f"控制系统重新启动了{d}的录像", f"the controller restarted {d}'s recording")
                return self.item(
                    f.kind,
                    f.device,
                    (f.ts, None),
                    text,
                    self.zh("录像恢复", "recording restored"),
                    severity="info",
                    raw=raw,
                    affects=False,
                )
            text = self.zh(f"控制系统重新启动{d}的录像失败", f"the controller could not restart {d}'s recording")
            return self.item(
                f.kind,
                f.device,
                (f.ts, None),
                text,
                self.zh("录像未恢复", "recording not restored"),
                severity="critical",
                raw=raw,
                affects=True,
            )
        text = self.zh(f"向{d}发送“{act}”指令失败", f"the '{act}' command to {d} failed")
        recording = f.action == "record"
        effect = (
            self.zh("该录像机未按指令开始录像", "this recorder did not start recording")
            if recording
            else self.zh("不影响录像", "no effect on the recording")
        )
        return self.item(
            f.kind,
            f.device,
            (f.ts, None),
            text,
            effect,
            severity="critical" if recording else "warning",
            raw=raw,
            affects=recording,
        )


def build_record(
    file: JournalFile,
    hearing_id: str,
    lang: Lang = "zh",
    verification: Verification | None = None,
    zone: ZoneInfo | None = None,
) -> dict[str, Any]:
    """The record of one hearing, from its rows; ``verification`` (of the whole journal) goes in as it is."""
    opened = file.first(Kind.HEARING_OPENED, hearing_id)
    if opened is None:
        raise JournalError(f"hearing {hearing_id}: no 'hearing_opened' row in {file.path}")
    closed = file.first(Kind.HEARING_CLOSED, hearing_id)
    ledger = HearingLedger()
    names: dict[str, str] = {}
    seats: dict[str, str] = {}
    room_name, timezone = "", None
    # a software recording's sealed files, the last ones sealed when its recorder stops after the close
    files = [segment_row(e) for e in file.entries(hearing_id) if e.kind == Kind.RECORDING_SEGMENT]
    started = file.last_before(Kind.DAEMON_STARTED, opened.seq)
    for entry in ([started] if started is not None else []) + list(
        file.entries(after_seq=opened.seq - 1, upto_seq=closed.seq if closed is not None else None)
    ):
        if entry.kind == Kind.DAEMON_STARTED:
            names.update({str(k): str(v) for k, v in (entry.data.get("names") or {}).items()})
            seats.update({str(k): str(v) for k, v in (entry.data.get("seats") or {}).items()})
            room_name = str(entry.data.get("room_name") or room_name)
            timezone = entry.data.get("timezone") or timezone
            continue
        ledger.apply(entry)
    zone = ZoneInfo(str(timezone)) if timezone else (zone or ZoneInfo(DEFAULT_ZONE))
    end = closed.ts_ms if closed is not None else now_ms()
    r = _Record(ledger, lang, zone, names, end)
    zh_room, en_room = split_name(room_name or opened.room_id)
    faults = [r.alarm(a) for a in ledger.alarms]
    faults += [r.gap(g) for g in ledger.gaps]
    faults += [r.fault(f) for f in ledger.faults]
    rules = []
    for rule in ledger.rules:
        d, act = r.dev(rule.device), action_text(rule.action, lang)
        if rule.kind == "override":
            text = r.zh(
                f"{r.who(rule.by)}以书面理由“{rule.reason}”越过录像规则，对{d}执行“{act}”",
                f"{r.who(rule.by)} overrode the recording rule to '{act}' {d}, in writing: {rule.reason}",
            )
            faults.append(
                r.item(
                    "override",
                    rule.device,
                    (rule.ts, None),
                    text,
                    r.zh("录像按该指令变化", "the recording changed as ordered"),
                    severity="critical",
                    raw=None,
                    affects=True,
                )
            )
        rules.append(
            {
                "kind": rule.kind,
                "at": when_json(rule.ts, zone),
                "device": rule.device,
                "device_name": d,
                "action": rule.action,
                "reason": rule.reason,
                "by": r.who(rule.by),
            }
        )
    faults.sort(key=lambda f: f["from"]["ts"] if f["from"] else 0)
    interruptions = [
        {
            "reason": i.reason,
            "label": REASON_LABELS.get(i.reason, (i.reason, i.reason))[0 if lang == "zh" else 1],
            "from": when_json(i.from_ts, zone),
            "to": when_json(i.to_ts, zone),
            "duration_ms": None if i.to_ts is None else i.to_ts - i.from_ts,
            "note": i.note,
            "evidence": i.evidence,
            "by": r.who(i.by),
        }
        for i in ledger.interruptions
    ]
    segments = []
    order = {device: n for n, device in enumerate(names)}  # the room config's order of devices, then time
    for s in sorted(ledger.spans, key=lambda s: (order.get(s.device, len(order)), s.device, s.from_ts)):
        tc_from, tc_to = s.timecode_from or "?", s.timecode_to
        clip = s.clip or (
            r.zh(f"时码 {tc_from} 至 {tc_to}", f"timecode {tc_from} to {tc_to}")
            if tc_to and tc_to != tc_from
            else r.zh(f"时码 {tc_from} 起", f"timecode from {tc_from}")
        )
        continued = [
            r.zh(
                "控制连接中断" if u.why == "unreachable" else "控制系统未运行",
                "control line down" if u.why == "unreachable" else "controller not running",
            )
            + f" {when_text(u.from_ts, zone)}"
            f"–{when_text(u.to_ts, zone)}"
            for u in s.continued
        ]
        segments.append(
            {
                "device": s.device,
                "device_name": r.dev(s.device),
                "clip": s.clip,
                "clip_label": clip,
                "timecode_from": s.timecode_from,
                "timecode_to": s.timecode_to,
                "from": when_json(s.from_ts, zone),
                "to": when_json(s.to_ts, zone),
                "duration_ms": (s.to_ts or end) - s.from_ts,
                "ended": s.ended,
                "ended_text": ended_text(s.ended, lang),
                "continued_through": continued,
            }
        )
    marks = [
        {
            "at": when_json(m.ts, zone),
            "offset_ms": m.offset_ms,
            "offset": duration_text(m.offset_ms),
            "text": m.text,
            "seat": m.seat,
            "seat_name": split_name(seats.get(m.seat, m.seat))[0 if lang == "zh" else 1] if m.seat else None,
            "part": m.part,
            "by": r.who(m.by),
        }
        for m in ledger.marks
    ]
    record: dict[str, Any] = {
        "format": "courtroom-record/2",
        "lang": lang,
        "hearing_id": hearing_id,
        "room_id": opened.room_id,
        "room_name": zh_room if lang == "zh" else en_room,
        "timezone": zone.key,
        "timezone_text": zone_text(zone, opened.ts_ms, lang),
        "case_no": ledger.case_no,
        "title": ledger.title,
        "parties": ledger.parties,
        "opened": when_json(opened.ts_ms, zone),
        "opened_by": r.who(ledger.opened_by),
        "closed": when_json(closed.ts_ms if closed is not None else None, zone),
        "closed_by": r.who(ledger.closed_by) if closed is not None else None,
        "duration_ms": end - opened.ts_ms,
        "recorded_ms": ledger.recorded_ms(end),
        "check_override": None,
        "segments": segments,
        "interruptions": interruptions,
        "marks": marks,
        "faults": faults,
        "rules": rules,
        "case_source": _case_source(ledger, lang),
        "publicity": _publicity(ledger, lang),
        "live_stream": [
            {
                "at": when_json(x.ts, zone),
                "kind": x.kind,
                "label": STREAM_LABELS.get(x.kind, (x.kind, x.kind))[0 if lang == "zh" else 1],
                "reason": x.reason,
                "by": r.who(x.by),
            }
            for x in ledger.streams
        ],
        "recording_files": [
            {**f, "start": when_json(f.get("start_ts"), zone), "end": when_json(f.get("end_ts"), zone)} for f in files
        ],
        "appendix": r.appendix,
    }
    if ledger.check_override is not None:
        o = ledger.check_override
        listed = o.get("failed")
        failed: list[Any] = listed if isinstance(listed, list) else []
        record["check_override"] = {
            "reason": o.get("reason"),
            "failed": [f"{r.dev(f.get('device'))}: {f.get('problem')}" for f in failed if isinstance(f, dict)],
            "by": r.who(o.get("by") if isinstance(o.get("by"), Actor) else None),
        }
    record["failure_statement"] = _statement(r, record)
    record["verification"] = _verification(file, verification, closed.seq if closed is not None else None, zone)
    return record


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


def _case_source(ledger: HearingLedger, lang: Lang) -> str:
    """Where the case's facts came from: the case system (its key) or typed by hand (and why)."""
    src = ledger.source
    zh = lang == "zh"
    if src.get("kind") == "case_system":
        return f"审判流程管理系统（{src.get('id')}）" if zh else f"the case system ({src.get('id')})"
    state = src.get("case_system")
    if state and state not in ("ok", "not_configured"):
        return f"书记员手工录入（审判流程管理系统：{state}）" if zh else f"typed by the clerk (case system: {state})"
    return "书记员手工录入" if zh else "typed by the clerk"


def _publicity(ledger: HearingLedger, lang: Lang) -> str:
    i = 0 if lang == "zh" else 1
    publicity, reason = ledger.case.get("publicity"), ledger.case.get("publicity_reason")
    if publicity == "public":
        return ("公开审理", "public")[i]
    if publicity is None:
        return ("未注明", "not stated")[i]
    why = PUBLICITY_REASONS.get(str(reason), (str(reason or ""), str(reason or "")))[i]
    return f"不公开审理（{why}）" if i == 0 else f"not public ({why})"


def _statement(r: _Record, record: dict[str, Any]) -> dict[str, Any] | None:
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


def _verification(
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
