"""The hearing: 开庭 / 休庭 / 闭庭 as a state machine over the room's devices, journaled before it happens.

idle -> ready (check passed) -> in_session <-> interrupted (recess, non-public evidence, mediation, fault) ->
closed -> (check) ready ... The hearing's state is the ledger (``ledger.py``) over the journal's rows: an
operation writes its row, the ledger applies it once it is on disk, and only then do the scene macro and the
reply follow; a row that cannot be written refuses the operation with nothing of it applied. The macro's
failed steps are journaled and reported, and never stop the transition. The same operations serve MQTT
(``hearing/cmd/<action>``), ``courtroom ctl hearing`` and the console.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from controller.events import (
    AvailabilityChanged,
    DeviceEventRaised,
    HearingChanged,
    HearingEventRaised,
    StateChanged,
)
from controller.hearing.check import recorder_ids, run_check
from controller.hearing.commands import (
    COMMANDS,
    InterruptParams,
    MarkParams,
    NoParams,
    OpenParams,
    VoiceFollowParams,
)
from controller.hearing.ledger import HearingLedger
from controller.hearing.macros import MacroRunner, StepResult, clip_name, macro_steps
from controller.hearing.reports import RecorderReports, journal_alarm, recording_status
from controller.hearing.rule import HEARING_CAUSE, fault_evidence, recording_rule
from controller.hearing.voice_follow import VoiceFollow
from controller.hearing.watchdog import Watchdog
from controller.journal import Actor, Entry, Journal, JournalError, Kind
from controller.model import (
    CheckResult,
    DeviceEvent,
    HearingEvent,
    HearingPhase,
    HearingState,
    Interruption,
    RecorderState,
    VoiceFollowStatus,
    now_ms,
)
from controller.room import CommandRequest, Room
from controller.settings import REASON_LABELS, SeatConfig, Step
from drivers.devices.base import describe_validation
from drivers.devices.events import DeviceEventName
from drivers.errors import CourtroomError, InvalidArgument

log = logging.getLogger(__name__)

ALLOWED: dict[str, frozenset[str]] = {
    "check": frozenset({"idle", "ready", "closed"}),
    "open": frozenset({"idle", "ready", "closed"}),
    "interrupt": frozenset({"in_session"}),
    "resume": frozenset({"interrupted"}),
    "close": frozenset({"in_session", "interrupted"}),
    "mark": frozenset({"in_session", "interrupted"}),
}


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
EVALUATE_DELAY_S = 0.05
SETTLE_S = 1.0
"""After a transition's macro, how long recorders get to report the transport they were told to take."""


class InvalidState(CourtroomError):
    """The operation is not allowed in the hearing's present state."""

    code = "INVALID_STATE"


class CheckFailed(CourtroomError):
    """The pre-hearing check failed and no override reason was given."""

    code = "CHECK_FAILED"


SPEECH_ON = frozenset({DeviceEventName.MIC_ON, DeviceEventName.SPEECH_ON})  # a seat speaks (mic system, voice activity)
SPEECH = SPEECH_ON | {DeviceEventName.MIC_OFF, DeviceEventName.SPEECH_OFF}


class HearingService:
    """One room's hearing: the ledger, transitions, marks, voice-follow and the recording watchdog."""

    def __init__(self, room: Room, journal: Journal | None = None) -> None:
        self.room = room
        self.journal = journal
        self.ledger = HearingLedger()
        self.ledger.since_ms = now_ms()
        self.voice = VoiceFollow(room.config.voice_follow, room.config.seats, self._take_shot, self._changed)
        self.watchdog = Watchdog(room, self._watch_report, self._recover)
        self.macros = MacroRunner(room, self._late_step)
        self._lock = asyncio.Lock()
        self._settling_until = 0.0  # recorders told to record get this long to report it before the watchdog looks
        self._evaluate_soon: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._published: dict[str, Any] | None = None
        self._button_tasks: set[asyncio.Task[dict[str, Any]]] = set()
        self.reports = RecorderReports(room, self._recorder_reported)
        self._stopping = False
        self._seq = 0  # rows numbered in memory when there is no journal (benchmarks)
        self._source: dict[str, Any] | None = None  # where the case being opened comes from (see ``execute``)
        self.manual_source: Callable[[], dict[str, Any]] = lambda: {}  # the case system's state at a hand entry
        room.bus.subscribe("hearing", DeviceEventRaised, lambda e: self._device_event(e.device_id, e.event))
        room.bus.subscribe("hearing", AvailabilityChanged, lambda e: self._device_changed(e.device_id))
        room.bus.subscribe("hearing", StateChanged, lambda e: self._device_changed(e.device_id))
        room.command_policy = self._policy
        if journal is not None:
            journal.written.append(self._rows_written)
            journal.status_listeners.append(self._journal_status)

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
            {"reason": span.reason, "label": span.label, "since_ts": span.from_ts, "note": span.note}
        )

    @property
    def marks(self) -> int:
        return len(self.ledger.marks)

    def adopt(self, ledger: HearingLedger) -> None:
        """Take over a ledger rebuilt from the journal (restore after a restart)."""
        self.ledger = ledger
        self.reports.reset()
        self._phase_entered()

    def hold_recovery(self) -> None:
        """No recording recovery until ``release_recovery`` (restore: the gap's effect is judged first)."""
        self._settling_until = float("inf")

    def release_recovery(self, after_s: float) -> None:
        self._settling_until = time.monotonic() + after_s

    async def journal_gap(self, gap: dict[str, Any]) -> None:
        """Journal the controller's gap found at restart (a clean stop is a warning, a kill critical)."""
        await self._journal(Kind.CONTROLLER_GAP, gap, "system", "warning" if gap.get("clean_stop") else "critical")

    # -- commands --------------------------------------------------------------------------------------------
    async def execute(
        self,
        action: str,
        params: Mapping[str, Any],
        actor: Actor | str = "unknown",
        *,
        source: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Validate and run one hearing command; CourtroomError subclasses name what was wrong. ``source``: where
        an opened case comes from (the case system's hearing), journaled with it; None: typed by hand."""
        who = Actor.of(actor)
        model = COMMANDS.get(action)
        if model is None:
            raise InvalidArgument(f"unknown hearing action '{action}' (known: {', '.join(sorted(COMMANDS))})")
        try:
            parsed = model.model_validate(dict(params))
        except ValidationError as exc:
            raise InvalidArgument(describe_validation(exc)) from None
        allowed = ALLOWED.get(action)
        if allowed is not None and self.phase not in allowed:
            raise InvalidState(
                f"cannot {action} while the hearing is {self.phase} (allowed in: {', '.join(sorted(allowed))})"
            )
        if self.journal is not None and not self.journal.available:
            raise JournalError(
                f"cannot {action}: the journal cannot write ({self.journal.problem}); hearing operations are "
                f"refused until it can"
            )
        if action in ("mark", "voice_follow"):
            result: dict[str, Any] = await getattr(self, f"_do_{action}")(parsed, who)
            return result
        async with self._lock:
            if allowed is not None and self.phase not in allowed:  # changed while waiting for the lock
                raise InvalidState(f"cannot {action}: the hearing became {self.phase} meanwhile")
            self._settling_until = float("inf")
            self._source = dict(source) if source is not None else None
            try:
                result = await getattr(self, f"_do_{action}")(parsed, who)
            finally:
                self._source = None
                self._settling_until = time.monotonic() + SETTLE_S
                self._arm_evaluate(SETTLE_S)
            return result

    async def _do_check(self, _: NoParams, who: Actor) -> dict[str, Any]:
        result = run_check(self.room)
        await self._journal(Kind.HEARING_CHECK, result.model_dump(), who, "info" if result.ok else "warning")
        return result.model_dump()

    async def _do_open(self, p: OpenParams, who: Actor) -> dict[str, Any]:
        check = run_check(self.room)
        failed = [item.model_dump() for item in check.items if not item.ok]
        if failed and p.override_reason is None:
            refused = {"case_no": p.case_no, "failed": failed, "check": check.model_dump()}
            await self._journal(Kind.HEARING_OPEN_REFUSED, refused, who, "warning")
            self._changed()
            problems = "; ".join(f"{i['need']} ({i['device'] or '-'}): {i['problem']}" for i in failed)
            raise CheckFailed(f"pre-hearing check failed: {problems}; give override_reason to open anyway")
        opened = now_ms()
        stamp = datetime.fromtimestamp(opened / 1000, self.room.config.room.zone).strftime("%Y%m%d-%H%M%S")
        hearing_id = f"{self.room.room_id}-{stamp}"
        clip = clip_name(self.room.room_id, p.case_no, 1, opened / 1000, self.room.config.room.zone)
        data: dict[str, Any] = {
            "case_no": p.case_no,
            "title": p.title,
            "parties": p.parties,
            "clip": clip,
            "check": check.model_dump(),
            "recorders": self.reports.views(),
            "case": {
                "cause": p.cause,
                "judges": p.judges,
                "clerk": p.clerk,
                "publicity": p.publicity,
                "publicity_reason": p.publicity_reason,
            },
            "source": self._source or {"kind": "manual", **self.manual_source()},
        }
        if failed:
            data["override"] = {"reason": p.override_reason, "failed": failed}
        await self._journal(Kind.HEARING_OPENED, data, who, hearing_id=hearing_id)
        self.reports.reset(data["recorders"])
        if failed:
            self._emit(Kind.CHECK_OVERRIDE, "warning", {**data["override"], "actor": who.id})
        steps = await self._macro("open", who, clip=clip)
        self.voice.set_enabled(self.room.config.voice_follow.enabled)
        self._evaluate()
        return {"hearing_id": hearing_id, "clip": clip, "steps": steps}

    async def _do_interrupt(self, p: InterruptParams, who: Actor) -> dict[str, Any]:
        evidence: list[str] = []
        if p.reason == "fault":
            try:
                evidence = fault_evidence(self.watchdog.alarms, who)
            except CourtroomError as exc:
                refused = {"action": "interrupt", "reason": p.reason, "message": str(exc)}
                self._record(Kind.HEARING_REFUSED, refused, who)
                raise
        label = REASON_LABELS[p.reason][0]
        data = {"reason": p.reason, "label": label, "note": p.note, "evidence": evidence}
        await self._journal(Kind.HEARING_INTERRUPTED, data, who)
        self.voice.set_enabled(False)
        steps = await self._macro("interrupt", who, reason=p.reason)
        self._evaluate()
        return {"steps": steps}

    async def _do_resume(self, _: NoParams, who: Actor) -> dict[str, Any]:
        interruption = self.ledger.interruption
        assert interruption is not None
        zone = self.room.config.room.zone
        clip = clip_name(self.room.room_id, self.case_no or "case", self.ledger.part + 1, None, zone)
        duration_s = round((now_ms() - interruption.from_ts) / 1000, 1)
        data = {"reason": interruption.reason, "interrupted_s": duration_s, "clip": clip}
        await self._journal(Kind.HEARING_RESUMED, data, who)
        steps = await self._macro("resume", who, clip=clip)
        self.voice.set_enabled(self.room.config.voice_follow.enabled)
        self._evaluate()
        return {"clip": clip, "steps": steps}

    async def _do_close(self, _: NoParams, who: Actor) -> dict[str, Any]:
        data: dict[str, Any] = {"recorded_s": self.recorded_s, "marks": self.marks}
        if self.ledger.interruption is not None:
            data["during_interruption"] = self.ledger.interruption.reason
        hearing_id = self.hearing_id
        await self._journal(Kind.HEARING_CLOSED, data, who)
        self.voice.set_enabled(False)
        steps = await self._macro("close", who)
        self.watchdog.evaluate(False, False)
        return {"hearing_id": hearing_id, "recorded_s": data["recorded_s"], "steps": steps}

    async def _do_mark(self, p: MarkParams, who: Actor) -> dict[str, Any]:
        if p.seat is not None and p.seat not in self.voice.seats:
            raise InvalidArgument(f"seat: '{p.seat}' is not a seat of this room (seats: {', '.join(self.voice.seats)})")
        recorders = {}
        for rec in recorder_ids(self.room):
            state = self.room.state(rec)
            if isinstance(state, RecorderState):
                recorders[rec] = {"clip": state.clip, "timecode": state.timecode}
        part = self.ledger.part
        mark = {"text": p.text, "seat": p.seat, "offset_s": self.recorded_s, "part": part, "recorders": recorders}
        ts = await self._journal(Kind.MARK, mark, who)
        return {**mark, "ts": ts}

    async def _do_voice_follow(self, p: VoiceFollowParams, who: Actor) -> dict[str, Any]:
        if p.seat is not None:
            if p.seat not in self.voice.seats:
                raise InvalidArgument(f"seat: '{p.seat}' is not a seat of this room")
            self.voice.manual(p.seat)
        if p.auto:
            self.voice.automatic()
        if p.enabled is not None:
            self.voice.set_enabled(p.enabled)
        status = self._voice_status()
        self._record(Kind.VOICE_FOLLOW, {**p.model_dump(exclude_none=True), "mode": status.mode}, who)
        return status.model_dump()

    # -- the recording rule and the recorders' reports ------------------------------------------------------
    def _policy(self, request: CommandRequest) -> None:
        try:
            recording_rule(self.ledger, recorder_ids(self.room), request)
        except CourtroomError as exc:
            self._emit("recording_rule_refused", "warning", {"device": request.device_id, "action": request.action,
                                                              "message": str(exc), "actor": request.actor.id})
            raise
        if request.override_reason is not None and self.ledger.expect_recording:
            data = {"device": request.device_id, "action": request.action, "reason": request.override_reason}
            self._emit("recording_rule_override", "critical", {**data, "actor": request.actor.id})

    def _report_recorders(self, device_id: str) -> None:
        """Journal a hearing recorder's report when it changes (only while the hearing is open)."""
        if not self._stopping and self.ledger.is_open:
            self.reports.changed(device_id)

    def _recorder_reported(self, view: dict[str, Any]) -> None:
        self._record(Kind.RECORDER_REPORTED, view, "system", soon=True)

    async def stopping(self) -> None:
        """A clean stop is coming: journal it with every recorder's last known state, then stop watching (what
        the stop does to the links is the controller going away, not a recording fault)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
        if self.ledger.is_open:  # read the recorders now: their timecodes prove later what ran on meanwhile
            await self.reports.read_back()
        data = {"phase": self.phase, "recorders": self.reports.views()}
        try:
            await self._journal(Kind.CONTROLLER_STOPPING, data, "system", "warning")
        except JournalError as exc:
            log.error("cannot journal the stop: %s", exc)

    # -- journal ---------------------------------------------------------------------------------------------
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

    # -- state -----------------------------------------------------------------------------------------------
    @property
    def expect_recording(self) -> bool:
        return self.ledger.expect_recording

    @property
    def recorded_s(self) -> float:
        """Recording time so far: how long at least one recorder reported recording (from the ledger)."""
        return round(self.ledger.recorded_ms(now_ms()) / 1000, 1)

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

    # -- devices ---------------------------------------------------------------------------------------------
    def _device_event(self, device_id: str, event: DeviceEvent) -> None:
        if event.event in SPEECH:  # mic systems; audio voice activity
            seat = event.data.get("seat")
            for s in self._seats_for(device_id, seat):
                self.voice.speech(s.id, event.event in SPEECH_ON)
        elif event.event == DeviceEventName.PRESSED:
            self._button(device_id)
        elif event.event == DeviceEventName.ALL_OFF:
            seats = event.data.get("seats")
            for number in seats if isinstance(seats, list) else []:
                for s in self._seats_for(device_id, number):
                    self.voice.speech(s.id, False)

    def _button(self, device_id: str) -> None:
        """A foot switch adds a mark; an alarm button raises a critical event. Neither needs the mouse."""
        cfg = self.room.config.hearing
        if device_id in cfg.alarm_buttons:
            self._record(Kind.ALARM_BUTTON, {"device": device_id}, f"button:{device_id}", "critical")
        if device_id in cfg.mark_buttons:
            if self.phase in ALLOWED["mark"]:
                task = asyncio.get_running_loop().create_task(
                    self.execute("mark", {"text": "标记 (foot switch)"}, actor=f"button:{device_id}")
                )
                self._button_tasks.add(task)
                task.add_done_callback(self._button_tasks.discard)
            else:
                self._emit("button_ignored", "info", {"device": device_id, "reason": f"no mark while {self.phase}"})

    def _seats_for(self, device_id: str, number: object) -> list[SeatConfig]:
        return [
            seat
            for seat in self.room.config.seats
            if any(mic.device == device_id and mic.seat == number and mic.follow for mic in seat.mics)
        ]

    def _device_changed(self, device_id: str) -> None:
        self._report_recorders(device_id)
        # a little later, not on the next loop turn: a burst of changes is evaluated once, and the reply the
        # change belongs to goes out first (the alarm's 2 s budget is not touched by 50 ms)
        if self._evaluate_soon is None:
            self._evaluate_soon = asyncio.get_running_loop().call_later(EVALUATE_DELAY_S, self._evaluate)

    def _arm_evaluate(self, delay: float) -> None:
        asyncio.get_running_loop().call_later(delay, self._evaluate)

    def _evaluate(self) -> None:
        self._evaluate_soon = None
        if self._stopping:
            return
        settled = time.monotonic() >= self._settling_until
        self.watchdog.evaluate(self.expect_recording and settled, self.phase == "in_session" and settled)
        self._changed()

    async def _take_shot(self, seat: SeatConfig, why: str) -> None:
        steps: list[Step] = []
        if seat.camera is not None:
            steps.append(Step(device=seat.camera, action="preset_recall", params={"preset": seat.preset}))
        steps.extend(seat.switch)
        results = await self.macros.run(steps, actor="voice-follow")
        failed = [r.as_dict() for r in results if not r.ok]
        self._record(Kind.SHOT, {"seat": seat.id, "why": why, "failed": failed}, "voice-follow")
        for item in failed:
            self._emit("shot_failed", "warning", item)

    async def _recover(self, recorder: str) -> str | None:
        clip = clip_name(self.room.room_id, self.case_no or "case", self.ledger.part, None, self.room.config.room.zone)
        clip += "r"  # a restart by the watchdog: the recorder's own clip name tells it apart
        steps = macro_steps_for_record(self.room, recorder, clip)
        results = await self.macros.run(steps, actor="watchdog", cause=f"{HEARING_CAUSE}watchdog")
        return next((r.error for r in results if not r.ok), None)

    def _watch_report(self, kind: Kind, severity: str, data: dict[str, object]) -> None:
        if self._stopping:
            return
        self._record(kind, dict(data), "watchdog", severity)
        self._changed()

    # -- macros, journal, events -----------------------------------------------------------------------------
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

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._watch_loop(), name="hearing-watchdog")

    async def _watch_loop(self) -> None:
        interval = self.room.config.hearing.watchdog_interval_s
        while True:
            await asyncio.sleep(interval)
            for folder in self.watchdog.folders:
                await folder.sample()
            self._evaluate()

    async def stop(self) -> None:
        self.room.bus.unsubscribe("hearing")
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._evaluate_soon is not None:
            self._evaluate_soon.cancel()
            self._evaluate_soon = None
        for task in list(self._button_tasks):
            task.cancel()
        await asyncio.gather(*self._button_tasks, return_exceptions=True)
        await self.voice.close()
        await self.watchdog.close()
        await self.macros.close()


def macro_steps_for_record(room: Room, recorder: str, clip: str) -> list[Step]:
    params: dict[str, Any] = {}
    if "record_named" in room.device(recorder).info.capabilities:
        params["clip"] = clip
    return [Step(device=recorder, action="record", params=params)]
