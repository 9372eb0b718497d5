"""The hearing: 开庭 / 休庭 / 闭庭 as a state machine over the room's devices, journaled as it happens.

idle -> ready (check passed) -> in_session <-> interrupted (recess, non-public evidence, mediation, fault) ->
closed -> (check) ready ... Each transition is on disk in the journal before its scene macro runs; the macro's
failed steps are journaled and reported, and never stop the transition. The same operations serve MQTT
(``hearing/cmd/<action>``), ``courtroom ctl hearing`` and the console.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from controller.hearing.check import recorder_ids, run_check
from controller.hearing.commands import (
    COMMANDS,
    InterruptParams,
    MarkParams,
    NoParams,
    OpenParams,
    VoiceFollowParams,
)
from controller.hearing.macros import MacroRunner, StepResult, clip_name, macro_steps
from controller.hearing.voice_follow import VoiceFollow
from controller.hearing.watchdog import Watchdog
from controller.journal import Journal
from controller.mqtt.contract import (
    CheckResult,
    DeviceEvent,
    HearingEvent,
    HearingPhase,
    HearingState,
    Interruption,
    RecorderState,
    RecordingStatus,
    VoiceFollowStatus,
    now_ms,
)
from controller.room import Room
from controller.settings import REASON_LABELS, SeatConfig, Step
from drivers.devices.base import describe_validation
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


EVALUATE_DELAY_S = 0.05
SETTLE_S = 1.0
"""After a transition's macro, how long recorders get to report the transport they were told to take."""


class InvalidState(CourtroomError):
    """The operation is not allowed in the hearing's present state."""

    code = "INVALID_STATE"


class CheckFailed(CourtroomError):
    """The pre-hearing check failed and no override reason was given."""

    code = "CHECK_FAILED"


class HearingService:
    """One room's hearing: state, transitions, marks, voice-follow and the recording watchdog."""

    def __init__(self, room: Room, journal: Journal | None = None) -> None:
        self.room = room
        self.journal = journal
        self.phase: HearingPhase = "idle"
        self.since_ms = now_ms()
        self.hearing_id: str | None = None
        self.case_no: str | None = None
        self.title: str | None = None
        self.parties: list[str] = []
        self.opened_ms: int | None = None
        self.interruption: Interruption | None = None
        self.check_result: CheckResult | None = None
        self.marks = 0
        self.part = 0
        self._recorded_ms = 0
        self._recording_since: int | None = None
        self.on_state: Callable[[], None] = lambda: None
        self.on_event: Callable[[HearingEvent], None] = lambda _event: None
        self.voice = VoiceFollow(room.config.voice_follow, room.config.seats, self._take_shot, self._changed)
        self.watchdog = Watchdog(room, self._watch_report, self._recover)
        self.macros = MacroRunner(room, self._late_step)
        self._lock = asyncio.Lock()
        self._settling_until = 0.0  # recorders told to record get this long to report it before the watchdog looks
        self._evaluate_soon: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._published: dict[str, Any] | None = None
        self._button_tasks: set[asyncio.Task[dict[str, Any]]] = set()
        room.event_hooks.append(self._device_event)
        room.watchers.append(self._device_changed)

    # -- commands --------------------------------------------------------------------------------------------
    async def execute(self, action: str, params: Mapping[str, Any], actor: str = "unknown") -> dict[str, Any]:
        """Validate and run one hearing command; CourtroomError subclasses name what was wrong."""
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
        if action in ("mark", "voice_follow"):
            result: dict[str, Any] = await getattr(self, f"_do_{action}")(parsed, actor)
            return result
        async with self._lock:
            if allowed is not None and self.phase not in allowed:  # changed while waiting for the lock
                raise InvalidState(f"cannot {action}: the hearing became {self.phase} meanwhile")
            self._settling_until = float("inf")
            try:
                result = await getattr(self, f"_do_{action}")(parsed, actor)
            finally:
                self._settling_until = time.monotonic() + SETTLE_S
                self._arm_evaluate(SETTLE_S)
            return result

    async def _do_check(self, _: NoParams, actor: str) -> dict[str, Any]:
        result = run_check(self.room)
        self.check_result = result
        if self.phase == "closed":
            self._forget_hearing()
        self._enter("ready" if result.ok else "idle")
        await self._journal("hearing_check", result.model_dump(), actor, severity="info" if result.ok else "warning")
        return result.model_dump()

    async def _do_open(self, p: OpenParams, actor: str) -> dict[str, Any]:
        result = run_check(self.room)
        self.check_result = result
        failed = [item.model_dump() for item in result.items if not item.ok]
        if failed and p.override_reason is None:
            await self._journal("hearing_open_refused", {"case_no": p.case_no, "failed": failed}, actor, "warning")
            self._changed()
            problems = "; ".join(f"{i['need']} ({i['device'] or '-'}): {i['problem']}" for i in failed)
            raise CheckFailed(f"pre-hearing check failed: {problems}; give override_reason to open anyway")
        self._forget_hearing()
        opened = now_ms()
        self.hearing_id = f"{self.room.room_id}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(opened / 1000))}"
        self.case_no, self.title, self.parties, self.opened_ms = p.case_no, p.title, list(p.parties), opened
        self.part = 1
        clip = clip_name(self.room.room_id, p.case_no, self.part, opened / 1000)
        if failed:
            await self._journal("check_override", {"reason": p.override_reason, "failed": failed}, actor, "warning")
        self._enter("in_session")
        self._recording_since = opened
        data = {"case_no": p.case_no, "title": p.title, "parties": p.parties, "clip": clip}
        await self._journal("hearing_opened", data, actor)
        steps = await self._macro("open", actor, clip=clip)
        self.voice.set_enabled(self.room.config.voice_follow.enabled)
        self._evaluate()
        return {"hearing_id": self.hearing_id, "clip": clip, "steps": steps}

    async def _do_interrupt(self, p: InterruptParams, actor: str) -> dict[str, Any]:
        label = REASON_LABELS[p.reason][0]
        self.interruption = Interruption(reason=p.reason, label=label, since_ts=now_ms(), note=p.note)
        if p.reason != "fault":
            self._stop_accounting()
        self._enter("interrupted")
        await self._journal("hearing_interrupted", {"reason": p.reason, "label": label, "note": p.note}, actor)
        self.voice.set_enabled(False)
        steps = await self._macro("interrupt", actor, reason=p.reason)
        self._evaluate()
        return {"steps": steps}

    async def _do_resume(self, _: NoParams, actor: str) -> dict[str, Any]:
        interruption = self.interruption
        assert interruption is not None
        self.part += 1
        clip = clip_name(self.room.room_id, self.case_no or "case", self.part)
        duration_s = round((now_ms() - interruption.since_ts) / 1000, 1)
        self.interruption = None
        if self._recording_since is None:
            self._recording_since = now_ms()
        self._enter("in_session")
        data = {"reason": interruption.reason, "interrupted_s": duration_s, "clip": clip}
        await self._journal("hearing_resumed", data, actor)
        steps = await self._macro("resume", actor, clip=clip)
        self.voice.set_enabled(self.room.config.voice_follow.enabled)
        self._evaluate()
        return {"clip": clip, "steps": steps}

    async def _do_close(self, _: NoParams, actor: str) -> dict[str, Any]:
        self.voice.set_enabled(False)
        self._stop_accounting()
        interrupted = self.interruption
        self.interruption = None
        self._enter("closed")
        data: dict[str, Any] = {"recorded_s": self.recorded_s, "marks": self.marks}
        if interrupted is not None:
            data["during_interruption"] = interrupted.reason
        await self._journal("hearing_closed", data, actor)
        steps = await self._macro("close", actor)
        self.watchdog.evaluate(False, False)
        return {"hearing_id": self.hearing_id, "recorded_s": self.recorded_s, "steps": steps}

    async def _do_mark(self, p: MarkParams, actor: str) -> dict[str, Any]:
        if p.seat is not None and p.seat not in self.voice.seats:
            raise InvalidArgument(f"seat: '{p.seat}' is not a seat of this room (seats: {', '.join(self.voice.seats)})")
        recorders = {}
        for rec in recorder_ids(self.room):
            state = self.room.state(rec)
            if isinstance(state, RecorderState):
                recorders[rec] = {"clip": state.clip, "timecode": state.timecode}
        mark = {"text": p.text, "seat": p.seat, "offset_s": self.recorded_s, "part": self.part, "recorders": recorders}
        self.marks += 1
        entry = await self._journal("mark", mark, actor)
        self._changed()
        return {**mark, "ts": entry}

    async def _do_voice_follow(self, p: VoiceFollowParams, actor: str) -> dict[str, Any]:
        if p.seat is not None:
            if p.seat not in self.voice.seats:
                raise InvalidArgument(f"seat: '{p.seat}' is not a seat of this room")
            self.voice.manual(p.seat)
        if p.auto:
            self.voice.automatic()
        if p.enabled is not None:
            self.voice.set_enabled(p.enabled)
        status = self._voice_status()
        self._record("voice_follow", {**p.model_dump(exclude_none=True), "mode": status.mode}, actor)
        return status.model_dump()

    # -- state -----------------------------------------------------------------------------------------------
    @property
    def expect_recording(self) -> bool:
        return self.phase == "in_session" or (
            self.phase == "interrupted" and self.interruption is not None and self.interruption.reason == "fault"
        )

    @property
    def recorded_s(self) -> float:
        running = now_ms() - self._recording_since if self._recording_since is not None else 0
        return round((self._recorded_ms + running) / 1000, 1)

    def _stop_accounting(self) -> None:
        if self._recording_since is not None:
            self._recorded_ms += now_ms() - self._recording_since
            self._recording_since = None

    def _forget_hearing(self) -> None:
        self.hearing_id = self.case_no = self.title = None
        self.parties, self.opened_ms, self.interruption = [], None, None
        self.marks, self.part, self._recorded_ms, self._recording_since = 0, 0, 0, None

    def _enter(self, phase: HearingPhase) -> None:
        if phase != self.phase:
            self.phase = phase
            self.since_ms = now_ms()
            armed = phase == "in_session"  # silence on a seat matters only while the hearing is in session
            for device_id in self.room.ids_of_kind("audio_input"):
                arm = getattr(self.room.device(device_id), "set_hearing_open", None)
                if callable(arm):
                    arm(armed)
        self._changed()

    def _recording_status(self, recorders: dict[str, str | None]) -> RecordingStatus:
        any_recording = any(t == "record" for t in recorders.values())
        if self.expect_recording:
            ok = recorders and all(t == "record" and self.room.online(r) for r, t in recorders.items())
            ok = ok and not any(a.kind == "not_recording" for a in self.watchdog.alarms)  # software recordings too
            return "recording" if ok else "not_recording"
        if self.phase == "interrupted":
            return "recording" if any_recording else "paused"
        return "recording" if any_recording else "stopped"

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
        return HearingState(
            state=self.phase,
            hearing_id=self.hearing_id,
            case_no=self.case_no,
            title=self.title,
            parties=list(self.parties),
            opened_ts=self.opened_ms,
            since_ts=self.since_ms,
            recording=self._recording_status(recorders),
            recorders=recorders,
            recorded_s=self.recorded_s,
            interruption=self.interruption,
            alarms=self.watchdog.alarms,
            check=self.check_result,
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
            self.on_state()

    # -- devices ---------------------------------------------------------------------------------------------
    def _device_event(self, device_id: str, event: DeviceEvent) -> None:
        if event.event in ("mic_on", "mic_off", "speech_on", "speech_off"):  # mic systems; audio voice activity
            seat = event.data.get("seat")
            for s in self._seats_for(device_id, seat):
                self.voice.speech(s.id, event.event.endswith("_on"))
        elif event.event == "pressed":
            self._button(device_id)
        elif event.event == "all_off":
            seats = event.data.get("seats")
            for number in seats if isinstance(seats, list) else []:
                for s in self._seats_for(device_id, number):
                    self.voice.speech(s.id, False)

    def _button(self, device_id: str) -> None:
        """A foot switch adds a mark; an alarm button raises a critical event. Neither needs the mouse."""
        cfg = self.room.config.hearing
        if device_id in cfg.alarm_buttons:
            self._record("alarm_button", {"device": device_id}, f"button:{device_id}", "critical")
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
        # a little later, not on the next loop turn: a burst of changes is evaluated once, and the reply the
        # change belongs to goes out first (the alarm's 2 s budget is not touched by 50 ms)
        if self._evaluate_soon is None:
            self._evaluate_soon = asyncio.get_running_loop().call_later(EVALUATE_DELAY_S, self._evaluate)

    def _arm_evaluate(self, delay: float) -> None:
        asyncio.get_running_loop().call_later(delay, self._evaluate)

    def _evaluate(self) -> None:
        self._evaluate_soon = None
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
        self._record("shot", {"seat": seat.id, "why": why, "failed": failed}, "voice-follow")
        for item in failed:
            self._emit("shot_failed", "warning", item)

    async def _recover(self, recorder: str) -> str | None:
        clip = clip_name(self.room.room_id, self.case_no or "case", self.part, None) + "r"
        steps = macro_steps_for_record(self.room, recorder, clip)
        results = await self.macros.run(steps, actor="watchdog")
        return next((r.error for r in results if not r.ok), None)

    def _watch_report(self, kind: str, severity: str, data: dict[str, object]) -> None:
        self._record(kind, dict(data), "watchdog", severity)
        self._changed()

    # -- macros, journal, events -----------------------------------------------------------------------------
    async def _macro(self, transition: Any, actor: str, **kwargs: Any) -> list[dict[str, Any]]:
        results: list[StepResult] = await self.macros.run(macro_steps(self.room, transition, **kwargs), actor)
        for result in results:
            if not result.ok:
                self._record("macro_step_failed", {"transition": transition, **result.as_dict()}, actor, "warning")
        return [r.as_dict() for r in results]

    def _late_step(self, result: StepResult) -> None:
        """A background macro step finished (a display that had to warm up first)."""
        if not result.ok:
            self._record("macro_step_failed", result.as_dict(), "hearing", "warning")

    async def _journal(self, kind: str, data: dict[str, Any], actor: str, severity: str = "info") -> int:
        """Write a transition or mark to disk (awaited), then tell the listeners; returns its time."""
        ts = now_ms()
        if self.journal is not None:
            entry = await self.journal.append(kind, data, actor=actor, hearing_id=self.hearing_id)
            ts = entry.ts_ms
        self._emit(kind, severity, {**data, "actor": actor}, ts)
        return ts

    def _record(self, kind: str, data: dict[str, Any], actor: str, severity: str = "info") -> None:
        if self.journal is not None:
            self.journal.record(kind, data, actor=actor, hearing_id=self.hearing_id)
        self._emit(kind, severity, {**data, "actor": actor})

    def _emit(self, kind: str, severity: str, data: dict[str, Any], ts: int | None = None) -> None:
        event = HearingEvent.model_validate(
            {"event": kind, "hearing_id": self.hearing_id, "severity": severity, "data": data, "ts": ts or now_ms()}
        )
        self.on_event(event)

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
