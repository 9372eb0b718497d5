"""The case-file record of a hearing's recording, built from the journal (Art.4 and Art.7 of the 2017 rules).

``build_record()`` replays the hearing's rows through the hearing ledger (the fold the running service uses)
and states only what the controller observed: start and stop; each recorder's segments as the recorder
reported them (its own clip names, or its timecode where the model names no clips); interruptions with reason,
duration and who declared them; marks; faults in plain words with their effect on the recording (a recorder
that cannot be reached is "state unknown", with which other recorder was recording meanwhile; a clean stop of
the controller is the controller's gap, with what the recorders said when it came back) and the drivers' raw
messages in an appendix; the Art.4 statement for the recording staff when the recording was affected; and the
journal's verification (head hash, signed checkpoint). ``record_render.py`` writes it as Markdown, HTML or PDF.

This module folds the rows and lays out the segments, interruptions, rules and marks; the faults table is
``record_faults.py``'s, the failure statement and the source, publicity and verification sections are
``record_sections.py``'s, and the words are the catalogue's (``record_text.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from controller import texts
from controller.hearing.ledger import HearingLedger, InterruptionSpan
from controller.hearing.record_faults import RecordContext
from controller.hearing.record_sections import (
    case_source,
    publicity,
    statement,
    stream_label,
    stream_reason,
    verification_section,
)
from controller.hearing.record_text import (
    CATALOGUE_LANG,
    Lang,
    action_text,
    duration_text,
    ended_text,
    split_name,
    transport_text,
    when_json,
    when_text,
    zone_text,
)
from controller.journal import Actor, JournalError, JournalFile, Kind
from controller.journal.checkpoint import Verification
from controller.model import now_ms
from controller.recording.export import segment_row

if TYPE_CHECKING:
    from controller.config import RoomConfig

DEFAULT_ZONE = "Asia/Shanghai"


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


def reason_label(reason: str, lang: Lang) -> str:
    """An interruption's reason in words (the console's and ctl's words for it: the catalogue's ``reason.*``)."""
    key = f"reason.{reason}"
    return texts.text(key, CATALOGUE_LANG[lang]) if key in texts.CATALOGUE else reason


def interruption_note(r: RecordContext, i: InterruptionSpan) -> tuple[str, int | None]:
    """An interruption's note in the record's language, and the appendix number of its raw words: the
    catalogue's ``record.note.<key>`` with device names when the controller wrote it (its raw English, with the
    device ids, goes to the appendix); otherwise the note as the person typed it."""
    if i.note_key is None or f"record.note.{i.note_key}" not in texts.CATALOGUE:
        return i.note, None
    listed = i.note_fields.get("recorders")
    reports = [
        r.say("note.reports", device=r.dev(str(device)), transport=transport_text(transport, r.lang))
        for device, transport in (listed.items() if isinstance(listed, dict) else [])
    ]
    return r.say(f"note.{i.note_key}", recorders=r.say("and").join(reports)), r.raw(None, i.note)


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
    r = RecordContext(ledger, lang, zone, names, end)
    zh_room, en_room = split_name(room_name or opened.room_id)
    faults = [r.alarm(a) for a in ledger.alarms]
    faults += [r.gap(g) for g in ledger.gaps]
    faults += [r.fault(f) for f in ledger.faults]
    rules = []
    for rule in ledger.rules:
        d, act = r.dev(rule.device), action_text(rule.action, lang)
        if rule.kind == "override":
            text = r.say("rule.override", who=r.who(rule.by), reason=rule.reason, device=d, action=act)
            faults.append(
                r.item(
                    "override",
                    rule.device,
                    (rule.ts, None),
                    text,
                    r.say("rule.override_effect"),
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
    interruptions = []
    for i in ledger.interruptions:
        note, raw = interruption_note(r, i)
        interruptions.append(
            {
                "reason": i.reason,
                "label": reason_label(i.reason, lang),
                "from": when_json(i.from_ts, zone),
                "to": when_json(i.to_ts, zone),
                "duration_ms": None if i.to_ts is None else i.to_ts - i.from_ts,
                "note": note,
                "note_key": i.note_key,
                "note_fields": i.note_fields,
                "raw": raw,
                "evidence": i.evidence,
                "by": r.who(i.by),
            }
        )
    segments = []
    order = {device: n for n, device in enumerate(names)}  # the room config's order of devices, then time
    for s in sorted(ledger.spans, key=lambda s: (order.get(s.device, len(order)), s.device, s.from_ts)):
        tc_from, tc_to = s.timecode_from or "?", s.timecode_to
        clip = s.clip or (
            r.say("segment.timecodes", start=tc_from, end=tc_to)
            if tc_to and tc_to != tc_from
            else r.say("segment.timecode_from", start=tc_from)
        )
        continued = [
            r.say("segment.line_down" if u.why == "unreachable" else "segment.controller_down")
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
            "text": texts.mark_text(m.text, m.by.id, CATALOGUE_LANG[lang]),  # a foot switch's in the record's words
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
        "case_source": case_source(ledger, lang),
        "publicity": publicity(ledger, lang),
        "live_stream": [
            {
                "at": when_json(x.ts, zone),
                "kind": x.kind,
                "label": stream_label(x.kind, lang),
                "reason": stream_reason(x, lang),
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
    record["failure_statement"] = statement(r, record)
    record["verification"] = verification_section(file, verification, closed.seq if closed is not None else None, zone)
    return record
