"""The hearing: 开庭 / 休庭 / 闭庭 as a state machine over the room's devices, journaled before it happens.

idle -> ready (check passed) -> in_session <-> interrupted (recess, non-public evidence, mediation, fault) ->
closed -> (check) ready ... The hearing's state is the ledger (``ledger.py``) over the journal's rows: an
operation writes its row, the ledger applies it once it is on disk, and only then do the scene macro and the
reply follow; a row that cannot be written refuses the operation with nothing of it applied. The macro's
failed steps are journaled and reported, and never stop the transition. The same operations serve MQTT
(``hearing/cmd/<action>``), ``courtroom ctl hearing`` and the console. This module holds the operations;
``base.py`` what the ledger says and what the hearing writes and tells, ``reactions.py`` what the devices do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from controller.events import AvailabilityChanged, DeviceEventRaised, StateChanged
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
from controller.hearing.macros import MacroRunner, clip_name
from controller.hearing.reactions import MARK_ALLOWED, SETTLE_S, DeviceReactions
from controller.hearing.reports import RecorderReports
from controller.hearing.rule import fault_evidence
from controller.hearing.voice_follow import VoiceFollow
from controller.hearing.watchdog import Watchdog
from controller.journal import Actor, Journal, JournalError, Kind
from controller.model import RecorderState, now_ms
from controller.room import Room
from controller.settings import REASON_LABELS
from drivers.devices.base import describe_validation
from drivers.errors import CourtroomError, InvalidArgument

log = logging.getLogger(__name__)

ALLOWED: dict[str, frozenset[str]] = {
    "check": frozenset({"idle", "ready", "closed"}),
    "open": frozenset({"idle", "ready", "closed"}),
    "interrupt": frozenset({"in_session"}),
    "resume": frozenset({"interrupted"}),
    "close": frozenset({"in_session", "interrupted"}),
    "mark": MARK_ALLOWED,
}


class InvalidState(CourtroomError):
    """The operation is not allowed in the hearing's present state."""

    code = "INVALID_STATE"


class CheckFailed(CourtroomError):
    """The pre-hearing check failed and no override reason was given."""

    code = "CHECK_FAILED"


class HearingService(DeviceReactions):
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
        self._note_words: tuple[str, dict[str, Any]] | None = None  # the controller's own note (see ``execute``)
        self.manual_source: Callable[[], dict[str, Any]] = lambda: {}  # the case system's state at a hand entry
        room.bus.subscribe("hearing", DeviceEventRaised, lambda e: self._device_event(e.device_id, e.event))
        room.bus.subscribe("hearing", AvailabilityChanged, lambda e: self._device_changed(e.device_id))
        room.bus.subscribe("hearing", StateChanged, lambda e: self._device_changed(e.device_id))
        room.command_policy = self._policy
        if journal is not None:
            journal.written.append(self._rows_written)
            journal.status_listeners.append(self._journal_status)

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
        note_words: tuple[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Validate and run one hearing command; CourtroomError subclasses name what was wrong. ``source``: where
        an opened case comes from (the case system's hearing), journaled with it; None: typed by hand.
        ``note_words``: an interruption the controller declares itself, its note as the catalogue's
        ``record.note.<key>`` and its fields (device ids, not names), journaled as ``note_key``/``note_fields``
        beside the note's raw English, so the record reads it in its own language."""
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
            self._note_words = (note_words[0], dict(note_words[1])) if note_words is not None else None
            try:
                result = await getattr(self, f"_do_{action}")(parsed, who)
            finally:
                self._source = self._note_words = None
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
        data: dict[str, Any] = {"reason": p.reason, "label": label, "note": p.note, "evidence": evidence}
        if self._note_words is not None:
            data["note_key"], data["note_fields"] = self._note_words
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
