"""The hearing service's base: what the ledger says, and what the hearing writes and tells (its journal rows,
awaited for operations and batched for reports; its events on ``hearing/event``; its macros' failed steps; its
state for ``hearing/state``, published only when it reads differently). ``service.py`` holds the operations,
``reactions.py`` what the devices do to the hearing."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from controller.events import HearingChanged, HearingEventRaised
from controller.hearing.check import recorder_ids
from controller.hearing.ledger import HearingLedger
from controller.hearing.macros import MacroRunner, StepResult, macro_steps
from controller.hearing.reports import RecorderReports, journal_alarm, recording_status
from controller.hearing.rule import HEARING_CAUSE
from controller.hearing.voice_follow import VoiceFollow
from controller.hearing.watchdog import Watchdog
from controller.journal import Actor, Entry, Journal, JournalError, Kind
from controller.model import (
    CheckResult,
    HearingEvent,
    HearingPhase,
    HearingState,
    Interruption,
    RecorderState,
    VoiceFollowStatus,
    now_ms,
)
from controller.room import Room

log = logging.getLogger(__name__)

STATE_KINDS = frozenset(
    {
        Kind.HEARING_CHECK,
        Kind.HEARING_OPEN_REFUSED,
        Kind.HEARING_OPENED,
        Kind.HEARING_INTERRUPTED,
        Kind.HEARING_RESUMED,
        Kind.HEARING_CLOSED,
        Kind.MARK,
        Kind.CONTROLLER_GAP,
        Kind.CONTROLLER_STOPPING,
    }
)
"""Rows after which ``hearing/state`` may read differently (the journal's own alarm comes by its status)."""


class HearingBase(ABC):
    """The parts every piece of the hearing service uses (set by ``HearingService.__init__``)."""

    room: Room
    journal: Journal | None
    ledger: HearingLedger
    voice: VoiceFollow
    watchdog: Watchdog
    macros: MacroRunner
    reports: RecorderReports
    _stopping: bool
    _seq: int
    _published: dict[str, Any] | None

    @abstractmethod
    async def execute(
        self,
        action: str,
        params: Mapping[str, Any],
        actor: Actor | str = "unknown",
        *,
        source: Mapping[str, Any] | None = None,
        note_words: tuple[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Validate and run one hearing command (``HearingService``)."""

    # -- what the ledger says ------------------------------------------------------------------------------
    @property
    def phase(self) -> HearingPhase:
        return self.ledger.phase

    @property
    def since_ms(self) -> int:
        return self.ledger.since_ms

    @property
    def hearing_id(self) -> str | None:
        return self.ledger.hearing_id

    @property
    def case_no(self) -> str | None:
        return self.ledger.case_no

    @property
    def check_result(self) -> CheckResult | None:
        return self.ledger.check

    @property
    def interruption(self) -> Interruption | None:
        span = self.ledger.interruption
        if span is None:
            return None
        return Interruption.model_validate(
            {
                "reason": span.reason,
                "label": span.label,
                "since_ts": span.from_ts,
                "note": span.note,
                "note_key": span.note_key,
                "note_fields": span.note_fields,
            }
        )

    @property
    def marks(self) -> int:
        return len(self.ledger.marks)

    @property
    def expect_recording(self) -> bool:
        return self.ledger.expect_recording

    @property
    def recorded_s(self) -> float:
        """Recording time so far: how long at least one recorder reported recording (from the ledger)."""
        return round(self.ledger.recorded_ms(now_ms()) / 1000, 1)

    def _rows_written(self, entries: list[Entry]) -> None:
        """Every row on disk, in order: the ledger takes it into account."""
        before = self.phase
        for entry in entries:
            try:
                self.ledger.apply(entry)
            except JournalError as exc:  # a row this version cannot read: say so, keep the hearing going
                log.error("%s", exc)
        if self.phase != before:
            self._phase_entered()
        if any(entry.kind in STATE_KINDS for entry in entries):  # not for a device command's row: it is hot
            self._changed()

    def _journal_status(self) -> None:
        assert self.journal is not None
        severity = "critical" if self.journal.status == "unavailable" else "warning"
        if self.journal.status != "ok":
            self._emit(f"journal_{self.journal.status}", severity, {"problem": self.journal.problem})
        self._changed()

    async def _journal(
        self, kind: Kind, data: dict[str, Any], who: Actor | str, severity: str = "info", hearing_id: str | None = None
    ) -> int:
        """Write a row to disk (awaited; the ledger applies it), then tell the listeners; returns its time.
        JournalError when it cannot be written: nothing of the operation has happened."""
        actor = Actor.of(who)
        hearing = hearing_id or self.hearing_id
        if self.journal is not None:
            entry = await self.journal.append(kind, data, actor=actor, hearing_id=hearing)
        else:
            self._seq += 1
            entry = Entry(self._seq, now_ms(), self.room.room_id, hearing, kind, actor.id, data, "", "")
            self._rows_written([entry])
        self._emit(kind, severity, {**data, "actor": actor.id}, entry.ts_ms)
        return entry.ts_ms

    def _record(
        self, kind: Kind, data: dict[str, Any], who: Actor | str, severity: str = "info", soon: bool = False
    ) -> None:
        if self.journal is not None:
            try:
                self.journal.record(kind, data, actor=who, hearing_id=self.hearing_id, soon=soon)
            except JournalError as exc:
                log.error("%s", exc)
        self._emit(kind, severity, {**data, "actor": Actor.of(who).id})

    async def _macro(self, transition: Any, who: Actor, **kwargs: Any) -> list[dict[str, Any]]:
        steps = macro_steps(self.room, transition, **kwargs)
        cause = f"{HEARING_CAUSE}{transition}" + (f":{kwargs['reason']}" if "reason" in kwargs else "")
        results: list[StepResult] = await self.macros.run(steps, who, cause=cause)
        for result in results:
            if not result.ok:
                data = {"transition": transition, **result.as_dict()}
                self._record(Kind.MACRO_STEP_FAILED, data, who, "warning")
        return [r.as_dict() for r in results]

    def _late_step(self, result: StepResult) -> None:
        """A background macro step finished (a display that had to warm up first)."""
        if not result.ok:
            self._record(Kind.MACRO_STEP_FAILED, result.as_dict(), "hearing", "warning")

    def announce(self, kind: str, severity: str, data: dict[str, Any]) -> None:
        """A room service's event on ``hearing/event`` (the live stream's starts, cuts and refusals)."""
        self._emit(kind, severity, data)

    def _emit(self, kind: str, severity: str, data: dict[str, Any], ts: int | None = None) -> None:
        if self._stopping and kind not in (Kind.CONTROLLER_STOPPING,):
            return
        event = HearingEvent.model_validate(
            {"event": kind, "hearing_id": self.hearing_id, "severity": severity, "data": data, "ts": ts or now_ms()}
        )
        self.room.bus.publish(HearingEventRaised(event))

    def _phase_entered(self) -> None:
        armed = self.phase == "in_session"  # silence on a seat matters only while the hearing is in session
        for device_id in self.room.ids_of_kind("audio_input"):
            arm = getattr(self.room.device(device_id), "set_hearing_open", None)
            if callable(arm):
                arm(armed)

    def _voice_status(self) -> VoiceFollowStatus:
        until = self.voice.manual_until
        until_ts = None if until is None else now_ms() + int((until - self.voice.clock()) * 1000)
        return VoiceFollowStatus(
            enabled=self.voice.enabled,
            mode=self.voice.mode,
            seat=self.voice.current,
            speaking=self.voice.speaking,
            manual_until_ts=until_ts,
        )

    def state(self) -> HearingState:
        recorders: dict[str, str | None] = {}
        for rec in recorder_ids(self.room):
            state = self.room.state(rec)
            recorders[rec] = state.transport if isinstance(state, RecorderState) and self.room.online(rec) else None
        ledger = self.ledger
        return HearingState(
            state=ledger.phase,
            hearing_id=ledger.hearing_id,
            case_no=ledger.case_no,
            title=ledger.title,
            parties=list(ledger.parties),
            opened_ts=ledger.opened_ms,
            since_ts=ledger.since_ms,
            recording=recording_status(ledger.phase, ledger.expect_recording, recorders, self.watchdog.alarms),
            recorders=recorders,
            recorded_s=self.recorded_s,
            interruption=self.interruption,
            alarms=[*self.watchdog.alarms, *filter(None, [journal_alarm(self.journal)])],
            check=ledger.check,
            voice_follow=self._voice_status(),
            marks=self.marks,
        )

    def _changed(self) -> None:
        """Tell the listeners when the state (apart from its clock fields) differs from what they last had."""
        state = self.state()
        key = state.model_dump(exclude={"ts", "recorded_s"})
        voice = key.get("voice_follow")
        if isinstance(voice, dict):
            voice.pop("manual_until_ts", None)
        if key != self._published:
            self._published = key
            self.room.bus.publish(HearingChanged())
