"""The hearing ledger: the hearing as one fold over journal rows, shared by every reader of the journal.

``HearingLedger.apply(entry)`` is the only place that says what a row means for the hearing: its phase, the
interruptions, the marks, each recorder's segments as the recorder reported them, the periods nobody could see
(a control line down, the controller stopped), the alarms and the faults. The running service applies each row
once it is on disk (so nothing of an operation counts before its row is kept), restore after a crash replays
the open hearing's rows, and the case-file export replays the hearing's rows; the three cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import ValidationError

from controller.journal import Actor, Entry, JournalError, Kind
from controller.model import AlarmKind, CheckResult, HearingPhase
from controller.settings import REASON_LABELS
from drivers.validation import validation_lines

RECORDING_ALARMS: frozenset[AlarmKind] = frozenset({"not_recording", "recorder_unreachable", "disk_low"})
"""Alarms that say something about the recording itself (evidence for a ``fault`` interruption)."""
TIMECODE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})[:;.](\d{2})$")
CONTINUITY_SLACK_MS = 2000  # a 9-pin deck's timecode may differ this much from the wall clock over a gap


@dataclass
class InterruptionSpan:
    reason: str
    label: str
    from_ts: int
    note: str
    by: Actor
    evidence: list[str] = field(default_factory=list)
    to_ts: int | None = None
    note_key: str | None = None  # the controller's own note: the catalogue's record.note.<key> ...
    note_fields: dict[str, Any] = field(default_factory=dict)  # ... and its fields (``note`` is then raw)


@dataclass
class MarkRow:
    ts: int
    offset_ms: int
    text: str
    seat: str | None
    part: int
    recorders: dict[str, Any]
    by: Actor


@dataclass
class RecorderSpan:
    """A stretch a recorder reported recording: one clip, from its first report to its last."""

    device: str
    clip: str | None
    from_ts: int
    timecode_from: str | None
    to_ts: int | None = None
    timecode_to: str | None = None
    timecode_ts: int = 0  # when ``timecode_to`` was read
    ended: str | None = None  # stopped | new_clip | unknown | hearing_closed
    continued: list[UnknownSpan] = field(default_factory=list)  # unseen stretches it proved to have recorded


@dataclass
class UnknownSpan:
    """A stretch in which a recorder's state could not be seen: its control line was down (``unreachable``) or
    the controller was not running (``controller``). ``outcome`` is what the recorder said when seen again."""

    device: str
    why: str
    from_ts: int
    clip: str | None
    timecode: str | None
    timecode_ts: int  # when ``timecode`` was read (the last time anyone saw the recorder)
    to_ts: int | None = None
    outcome: str | None = None  # continued | stopped | other_clip | recording (continuity not proven)
    proof: str | None = None  # how "continued" was proven: clip (the same name) | timecode (it ran on)


@dataclass
class AlarmSpan:
    id: str
    kind: str
    severity: str
    device: str | None
    message: str
    from_ts: int
    to_ts: int | None = None


@dataclass
class FaultRow:
    """A one-off failure or repair: a step of a macro, a shot, a restart of a recording."""

    ts: int
    kind: str
    device: str | None
    action: str | None
    ok: bool
    error: str | None
    by: Actor


@dataclass
class GapSpan:
    from_ts: int
    to_ts: int
    clean: bool


@dataclass
class RuleEvent:
    """An override of the recording rule, or an operation the rule refused."""

    ts: int
    kind: str  # override | refused
    device: str | None
    action: str
    reason: str
    by: Actor


@dataclass
class StreamEvent:
    """A live-stream row: started, cut, stopped, refused or a seat protected, with who and why."""

    ts: int
    kind: str  # started | cut | stopped | refused | protect
    reason: str  # the row's raw words (the controller's English, or a cut's words as typed)
    by: Actor
    reason_key: str | None = None  # the catalogue's words for it (texts.stream_reason), if the row names them
    reason_fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecorderView:
    reachable: bool
    transport: str | None
    clip: str | None
    timecode: str | None


def _without_by(data: dict[str, Any]) -> dict[str, Any]:
    """A row's data without the journal's ``by`` (who asked), for the models the data was made from."""
    return {k: v for k, v in data.items() if k != "by"}


def timecode_ms(text: str | None, fps: int = 25) -> int | None:
    """``HH:MM:SS:FF`` in milliseconds (frames at ``fps``), None when it is not a timecode."""
    match = TIMECODE.match(text or "")
    if match is None:
        return None
    h, m, s, f = (int(g) for g in match.groups())
    return ((h * 60 + m) * 60 + s) * 1000 + f * 1000 // fps


class HearingLedger:
    """One room's hearing, derived from journal rows by ``apply``; read its fields, never write them."""

    def __init__(self) -> None:
        self.phase: HearingPhase = "idle"
        self.since_ms = 0
        self.check: CheckResult | None = None
        self.last_seq = 0
        self._forget()

    def _forget(self) -> None:
        self.hearing_id: str | None = None
        self.case_no: str | None = None
        self.title: str | None = None
        self.parties: list[str] = []
        self.case: dict[str, Any] = {}  # cause, judges, clerk, publicity, publicity_reason (``hearing_opened``)
        self.source: dict[str, Any] = {}  # where the case came from: {"kind": "case_system" | "manual", ...}
        self.opened_ms: int | None = None
        self.opened_by: Actor | None = None
        self.closed_ms: int | None = None
        self.closed_by: Actor | None = None
        self.check_override: dict[str, Any] | None = None
        self.interruption: InterruptionSpan | None = None
        self.interruptions: list[InterruptionSpan] = []
        self.marks: list[MarkRow] = []
        self.part = 0
        self.clip: str | None = None
        self.recorders: dict[str, RecorderView] = {}
        self.spans: list[RecorderSpan] = []
        self.unknowns: list[UnknownSpan] = []
        self.alarms: list[AlarmSpan] = []
        self.faults: list[FaultRow] = []
        self.gaps: list[GapSpan] = []
        self.rules: list[RuleEvent] = []
        self.streams: list[StreamEvent] = []
        self.stopping_ms: int | None = None

    # -- what the rows say ---------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.phase in ("in_session", "interrupted")

    @property
    def expect_recording(self) -> bool:
        """In session, or interrupted for a fault (the recording is kept running)."""
        return self.phase == "in_session" or (
            self.phase == "interrupted" and self.interruption is not None and self.interruption.reason == "fault"
        )

    def open_span(self, device: str) -> RecorderSpan | None:
        return next((s for s in reversed(self.spans) if s.device == device and s.to_ts is None), None)

    def open_unknown(self, device: str) -> UnknownSpan | None:
        return next((u for u in reversed(self.unknowns) if u.device == device and u.to_ts is None), None)

    def recorded_ms(self, now: int) -> int:
        """How long at least one recorder reported recording (unseen stretches count only where the recorder
        proved it kept recording): the union of the segments."""
        spans = sorted((s.from_ts, s.to_ts if s.to_ts is not None else now) for s in self.spans)
        total, end = 0, None
        for start, stop in spans:
            if end is None or start > end:
                total += max(0, stop - start)
                end = stop
            elif stop > end:
                total += stop - end
                end = stop
        return total

    def recording_during(self, device: str, from_ts: int, to_ts: int) -> list[RecorderSpan]:
        """Segments of the other recorders that cover some of ``from_ts``..``to_ts``."""
        return [
            s for s in self.spans if s.device != device and s.from_ts < to_ts and (s.to_ts is None or s.to_ts > from_ts)
        ]

    # -- apply ---------------------------------------------------------------------------------------------
    def apply(self, entry: Entry) -> None:
        """Take one journal row into account (rows must come in journal order, each once)."""
        if entry.seq <= self.last_seq:
            return
        self.last_seq = entry.seq
        handler = _HANDLERS.get(cast(Kind, entry.kind))
        if handler is None:
            return
        if entry.kind not in _ALWAYS and not self.is_open:
            return
        try:
            handler(self, entry, Actor.from_row(entry.actor, entry.data))
        except (ValidationError, ValueError, TypeError, KeyError) as exc:
            what = f"journal row {entry.seq} ({entry.kind})"
            why = "; ".join(validation_lines(exc)) if isinstance(exc, ValidationError) else str(exc)
            raise JournalError(f"{what} cannot be read for the hearing: {why}") from None

    def _enter(self, phase: HearingPhase, ts: int) -> None:
        if phase != self.phase:
            self.phase, self.since_ms = phase, ts

    def _check(self, e: Entry, _by: Actor) -> None:
        if self.phase not in ("idle", "ready", "closed"):
            return
        if self.phase == "closed":
            self._forget()
        self.check = CheckResult.model_validate(_without_by(e.data))
        self._enter("ready" if self.check.ok else "idle", e.ts_ms)

    def _open_refused(self, e: Entry, _by: Actor) -> None:
        check = e.data.get("check")
        if isinstance(check, dict):
            self.check = CheckResult.model_validate(_without_by(check))

    def _opened(self, e: Entry, by: Actor) -> None:
        self._forget()
        d = e.data
        self.hearing_id, self.opened_ms, self.opened_by = e.hearing_id, e.ts_ms, by
        self.case_no, self.title = str(d.get("case_no", "")), str(d.get("title", ""))
        parties = d.get("parties")
        self.parties = [str(p) for p in parties] if isinstance(parties, list) else []
        self.case = dict(d["case"]) if isinstance(d.get("case"), dict) else {}
        self.source = dict(d["source"]) if isinstance(d.get("source"), dict) else {"kind": "manual"}
        self.part, self.clip = 1, d.get("clip")
        override = d.get("override")
        self.check_override = {**override, "by": by} if isinstance(override, dict) else None
        if isinstance(d.get("check"), dict):
            self.check = CheckResult.model_validate(_without_by(d["check"]))
        self._enter("in_session", e.ts_ms)
        recorders = d.get("recorders")
        for device, view in (recorders if isinstance(recorders, dict) else {}).items():
            self._report(e.ts_ms, device, view)

    def _interrupted(self, e: Entry, by: Actor) -> None:
        reason = str(e.data.get("reason"))
        evidence, key, fields = e.data.get("evidence"), e.data.get("note_key"), e.data.get("note_fields")
        self.interruption = InterruptionSpan(
            reason,
            REASON_LABELS.get(reason, (reason,))[0],
            e.ts_ms,
            str(e.data.get("note", "")),
            by,
            [str(x) for x in evidence] if isinstance(evidence, list) else [],
            note_key=key if isinstance(key, str) else None,
            note_fields=dict(fields) if isinstance(fields, dict) else {},
        )
        self.interruptions.append(self.interruption)
        self._enter("interrupted", e.ts_ms)

    def _resumed(self, e: Entry, _by: Actor) -> None:
        if self.interruption is not None:
            self.interruption.to_ts = e.ts_ms
        self.interruption = None
        self.part += 1
        self.clip = e.data.get("clip")
        self._enter("in_session", e.ts_ms)

    def _closed(self, e: Entry, by: Actor) -> None:
        if self.interruption is not None:
            self.interruption.to_ts = e.ts_ms
        self.interruption = None
        self.closed_ms, self.closed_by = e.ts_ms, by
        for span in self.spans:
            if span.to_ts is None:
                span.to_ts, span.ended = e.ts_ms, "hearing_closed"
        for unknown in self.unknowns:
            if unknown.to_ts is None:
                unknown.to_ts = e.ts_ms
        for alarm in self.alarms:
            if alarm.to_ts is None:
                alarm.to_ts = e.ts_ms
        self._enter("closed", e.ts_ms)

    def _mark(self, e: Entry, by: Actor) -> None:
        d = e.data
        offset_s = d.get("offset_s")
        offset_ms = int(float(offset_s) * 1000) if isinstance(offset_s, int | float) else self.recorded_ms(e.ts_ms)
        recorders = d.get("recorders")
        self.marks.append(
            MarkRow(
                e.ts_ms,
                offset_ms,
                str(d.get("text", "")),
                d.get("seat"),
                int(d.get("part", self.part)),
                recorders if isinstance(recorders, dict) else {},
                by,
            )
        )

    # -- recorders -----------------------------------------------------------------------------------------
    def _recorder(self, e: Entry, _by: Actor) -> None:
        device = e.data.get("device")
        if isinstance(device, str):
            self._report(e.ts_ms, device, e.data)

    def _report(self, ts: int, device: str, d: Any) -> None:
        if not isinstance(d, dict):
            return
        view = RecorderView(bool(d.get("reachable", True)), d.get("transport"), d.get("clip"), d.get("timecode"))
        self.recorders[device] = view
        span = self.open_span(device)
        if not view.reachable:
            if span is not None:  # recording when last seen: from here on nobody knows
                span.to_ts, span.ended = ts, "unknown"
                self.unknowns.append(
                    UnknownSpan(device, "unreachable", ts, span.clip, span.timecode_to, span.timecode_ts)
                )
            return
        unknown = self.open_unknown(device)
        if unknown is not None:
            unknown.to_ts = ts
            last = next((s for s in reversed(self.spans) if s.device == device), None)
            proof = self._continued(unknown, view, ts) if view.transport == "record" and last is not None else None
            if last is not None and proof is not None:
                unknown.outcome, unknown.proof = "continued", proof
                last.to_ts, last.ended = None, None  # the same recording ran on through the unseen stretch
                last.continued.append(unknown)
                last.timecode_to, last.timecode_ts = view.timecode, ts
                return
            if view.transport != "record":
                unknown.outcome = "stopped"
            elif unknown.clip is not None and view.clip is not None:
                unknown.outcome = "other_clip"
            else:
                unknown.outcome = "recording"
        if view.transport == "record":
            if span is not None and span.clip != view.clip:
                span.to_ts, span.ended = ts, "new_clip"
                span = None
            if span is None:
                self.spans.append(RecorderSpan(device, view.clip, ts, view.timecode, None, view.timecode, ts))
            else:
                span.timecode_to, span.timecode_ts = view.timecode, ts
        elif span is not None:
            span.to_ts, span.timecode_to, span.ended = ts, view.timecode, "stopped"

    @staticmethod
    def _continued(unknown: UnknownSpan, view: RecorderView, ts: int) -> str | None:
        """The recorder proves it kept recording: the same clip name, or (where a name is not known on both
        sides, e.g. a deck without names or a unit whose driver was restarted) a timecode that ran on as long
        as the wall clock did."""
        if unknown.clip is not None and view.clip is not None:
            return "clip" if unknown.clip == view.clip else None
        before, after = timecode_ms(unknown.timecode), timecode_ms(view.timecode)
        if before is None or after is None:
            return None
        ran_on = abs((after - before) - (ts - unknown.timecode_ts)) <= CONTINUITY_SLACK_MS
        return "timecode" if ran_on else None

    def _controller_unseen(self, ts: int) -> None:
        """The controller stops watching: every recording open now continues unseen from ``ts``."""
        for span in self.spans:
            if span.to_ts is None:
                span.to_ts, span.ended = ts, "unknown"
                self.unknowns.append(
                    UnknownSpan(span.device, "controller", ts, span.clip, span.timecode_to, span.timecode_ts)
                )
        for alarm in self.alarms:  # nobody watched: what the alarms said ends with the watching
            if alarm.to_ts is None:
                alarm.to_ts = ts

    def _stopping(self, e: Entry, _by: Actor) -> None:
        recorders = e.data.get("recorders")
        for device, view in (recorders if isinstance(recorders, dict) else {}).items():
            if isinstance(view, dict) and view.get("reachable", True):
                span = self.open_span(device)
                if span is not None and view.get("timecode"):
                    span.timecode_to, span.timecode_ts = view.get("timecode"), e.ts_ms
        self.stopping_ms = e.ts_ms
        self._controller_unseen(e.ts_ms)

    def _gap(self, e: Entry, _by: Actor) -> None:
        start = int(e.data.get("from_ts", e.ts_ms))
        self.gaps.append(GapSpan(start, int(e.data.get("to_ts", e.ts_ms)), bool(e.data.get("clean_stop"))))
        if self.stopping_ms is None:  # killed: nothing was seen after its last row
            self._controller_unseen(start)
        self.stopping_ms = None

    # -- alarms, faults, rules -----------------------------------------------------------------------------
    def _alarm_raised(self, e: Entry, _by: Actor) -> None:
        d = e.data
        self.alarms.append(
            AlarmSpan(
                str(d.get("id")),
                str(d.get("kind")),
                str(d.get("severity", "warning")),
                d.get("device"),
                str(d.get("message", "")),
                int(d.get("since_ts", e.ts_ms)),
            )
        )

    def _alarm_cleared(self, e: Entry, _by: Actor) -> None:
        self._clear_alarm(str(e.data.get("id")), int(e.data.get("cleared_ts", e.ts_ms)))

    def _clear_alarm(self, alarm_id: str, ts: int) -> None:
        alarm = next((a for a in reversed(self.alarms) if a.id == alarm_id and a.to_ts is None), None)
        if alarm is not None:
            alarm.to_ts = ts

    def _fault(self, e: Entry, by: Actor) -> None:
        d = e.data
        ok = bool(d.get("ok", False))
        self.faults.append(FaultRow(e.ts_ms, str(e.kind), d.get("device"), d.get("action"), ok, d.get("error"), by))

    def _journal_down(self, e: Entry, _by: Actor) -> None:
        problem = str(e.data.get("problem", ""))
        self.alarms.append(AlarmSpan("journal_unavailable", "journal_unavailable", "critical", None, problem, e.ts_ms))

    def _journal_up(self, e: Entry, _by: Actor) -> None:
        self._clear_alarm("journal_unavailable", e.ts_ms)

    def _command(self, e: Entry, by: Actor) -> None:
        reason = e.data.get("override_reason")
        if reason:
            self.rules.append(
                RuleEvent(e.ts_ms, "override", e.data.get("device"), str(e.data.get("action")), str(reason), by)
            )

    def _refused(self, e: Entry, by: Actor) -> None:
        if e.data.get("outcome") == "RECORDING_RULE" or e.kind == Kind.HEARING_REFUSED:
            action = str(e.data.get("action", ""))
            self.rules.append(
                RuleEvent(e.ts_ms, "refused", e.data.get("device"), action, str(e.data.get("message", "")), by)
            )


def _stream(ledger: HearingLedger, e: Entry, by: Actor) -> None:
    kind = str(e.kind).removeprefix("stream_")
    d = e.data
    key, fields = d.get("reason_key"), d.get("reason_fields")
    if kind == "protect":
        reason = f"{d.get('seat')}: {'protected' if d.get('protected') else 'not protected'}"
        key, fields = f"stream.protect.{'on' if d.get('protected') else 'off'}", {"seat": d.get("seat")}
    else:
        reason = str(d.get("reason") or "")
    known = str(key) if isinstance(key, str) else None
    ledger.streams.append(StreamEvent(e.ts_ms, kind, reason, by, known, fields if isinstance(fields, dict) else {}))


_ALWAYS = frozenset({Kind.HEARING_CHECK, Kind.HEARING_OPEN_REFUSED, Kind.HEARING_OPENED})
_HANDLERS: dict[Kind, Callable[[HearingLedger, Entry, Actor], None]] = {
    Kind.HEARING_CHECK: HearingLedger._check,
    Kind.HEARING_OPEN_REFUSED: HearingLedger._open_refused,
    Kind.HEARING_OPENED: HearingLedger._opened,
    Kind.HEARING_INTERRUPTED: HearingLedger._interrupted,
    Kind.HEARING_RESUMED: HearingLedger._resumed,
    Kind.HEARING_CLOSED: HearingLedger._closed,
    Kind.MARK: HearingLedger._mark,
    Kind.RECORDER_REPORTED: HearingLedger._recorder,
    Kind.CONTROLLER_STOPPING: HearingLedger._stopping,
    Kind.CONTROLLER_GAP: HearingLedger._gap,
    Kind.ALARM_RAISED: HearingLedger._alarm_raised,
    Kind.ALARM_CLEARED: HearingLedger._alarm_cleared,
    Kind.MACRO_STEP_FAILED: HearingLedger._fault,
    Kind.SHOT_FAILED: HearingLedger._fault,
    Kind.RECOVERY_ATTEMPT: HearingLedger._fault,
    Kind.JOURNAL_UNAVAILABLE: HearingLedger._journal_down,
    Kind.JOURNAL_AVAILABLE: HearingLedger._journal_up,
    Kind.DEVICE_COMMAND: HearingLedger._command,
    Kind.DEVICE_COMMAND_REFUSED: HearingLedger._refused,
    Kind.HEARING_REFUSED: HearingLedger._refused,
    Kind.STREAM_STARTED: _stream,
    Kind.STREAM_CUT: _stream,
    Kind.STREAM_STOPPED: _stream,
    Kind.STREAM_REFUSED: _stream,
    Kind.STREAM_PROTECT: _stream,
}
