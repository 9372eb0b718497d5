"""The case-file record's sections that are read from the whole record: where the case came from, its
publicity, the live stream's labels, the Art.4 failure statement (written from the faults and interruptions
that affected the recording) and the journal's verification. ``record.py`` builds the record with them.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from controller import texts
from controller.hearing.ledger import HearingLedger, StreamEvent
from controller.hearing.record_faults import RecordContext
from controller.hearing.record_text import CATALOGUE_LANG, Lang, duration_text, label, say, when_json, when_text
from controller.journal import JournalFile, Kind
from controller.journal.checkpoint import Checkpoint, Verification


def _known(key: str, lang: Lang, fallback: str) -> str:
    """The catalogue's ``record.<key>``, or ``fallback`` (a kind or reason of a newer controller) as it is."""
    return say(key, lang) if f"record.{key}" in texts.CATALOGUE else fallback


def stream_label(kind: str, lang: Lang) -> str:
    """A live stream row's kind in words."""
    return _known(f"stream.{kind}", lang, kind)


def stream_reason(event: StreamEvent, lang: Lang) -> str:
    """A live stream row's reason in the reader's language: the catalogue's words when the row names them (a
    reason of the stream's own), else its raw words (a cut's reason as the clerk typed it, an older row)."""
    if event.reason_key is not None and event.reason_key in texts.CATALOGUE:
        return texts.stream_reason(event.reason_key, event.reason_fields, CATALOGUE_LANG[lang])
    return event.reason


def case_source(ledger: HearingLedger, lang: Lang) -> str:
    """Where the case's facts came from: the case system (its key) or typed by hand (and why)."""
    src = ledger.source
    if src.get("kind") == "case_system":
        return say("source.case_system", lang, id=src.get("id"))
    state = src.get("case_system")
    if state and state not in ("ok", "not_configured"):
        return say("source.typed_while", lang, state=state)
    return say("source.typed", lang)


def publicity(ledger: HearingLedger, lang: Lang) -> str:
    publicity, reason = ledger.case.get("publicity"), ledger.case.get("publicity_reason")
    if publicity == "public":
        return say("publicity.public", lang)
    if publicity is None:
        return say("publicity.not_stated", lang)
    return say("publicity.not_public", lang, why=_known(f"publicity.{reason}", lang, str(reason or "")))


def statement(r: RecordContext, record: dict[str, Any]) -> dict[str, Any] | None:
    """Art.4: what the recording staff state when the recording was not complete, in the order it happened."""
    items = [f for f in record["faults"] if f["affects_recording"]]
    for i in record["interruptions"]:
        if i["reason"] == "fault":
            text = r.say("statement.fault_interruption", note=i["note"] or r.say("statement.no_note"), by=i["by"])
            items.append(
                {
                    "from": i["from"],
                    "to": i["to"],
                    "duration_ms": i["duration_ms"],
                    "text": text,
                    "effect": r.say("statement.kept_running"),
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
        span = start
        if stop:
            span = r.say("statement.span", start=start, stop=stop, length=duration_text(f["duration_ms"]))
        lines.append(r.say("statement.item", span=span, text=f["text"], effect=f["effect"]))
    opened = when_text(record["opened"]["ts"], r.zone)
    intro = r.say("statement.intro", case_no=record["case_no"], opened=opened, room=record["room_name"])
    return {
        "basis": label("statement_basis", r.lang),
        "intro": intro,
        "items": lines,
        "closing": r.say("statement.closing"),
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
