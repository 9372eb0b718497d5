"""What the room's devices do to the hearing: speech moves voice-follow, a foot switch adds a mark, an alarm
button raises an alarm, a device change is judged by the recording watchdog a little later, and a recorder
command passes the recording rule first. Part of ``HearingService``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from controller.hearing.base import HearingBase
from controller.hearing.check import recorder_ids
from controller.hearing.macros import clip_name
from controller.hearing.rule import HEARING_CAUSE, recording_rule
from controller.journal import Kind
from controller.model import DeviceEvent
from controller.room import CommandRequest, Room
from controller.settings import SeatConfig, Step
from controller.texts import BUTTON_MARK
from drivers.devices.events import DeviceEventName
from drivers.errors import CourtroomError

EVALUATE_DELAY_S = 0.05
SETTLE_S = 1.0
"""After a transition's macro, how long recorders get to report the transport they were told to take."""
SPEECH_ON = frozenset({DeviceEventName.MIC_ON, DeviceEventName.SPEECH_ON})  # a seat speaks (mic system, voice activity)
SPEECH = SPEECH_ON | {DeviceEventName.MIC_OFF, DeviceEventName.SPEECH_OFF}
MARK_ALLOWED = frozenset({"in_session", "interrupted"})


class DeviceReactions(HearingBase):
    """The hearing's side of the room's devices (its parts are set by ``HearingService.__init__``)."""

    _settling_until: float
    _evaluate_soon: asyncio.TimerHandle | None
    _button_tasks: set[asyncio.Task[dict[str, Any]]]

    def _policy(self, request: CommandRequest) -> None:
        try:
            recording_rule(self.ledger, recorder_ids(self.room), request)
        except CourtroomError as exc:
            self._emit(
                "recording_rule_refused",
                "warning",
                {"device": request.device_id, "action": request.action, "message": str(exc), "actor": request.actor.id},
            )
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
            if self.phase in MARK_ALLOWED:
                task = asyncio.get_running_loop().create_task(
                    self.execute("mark", {"text": BUTTON_MARK}, actor=f"button:{device_id}")
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


def macro_steps_for_record(room: Room, recorder: str, clip: str) -> list[Step]:
    params: dict[str, object] = {}
    if "record_named" in room.device(recorder).info.capabilities:
        params["clip"] = clip
    return [Step(device=recorder, action="record", params=params)]
