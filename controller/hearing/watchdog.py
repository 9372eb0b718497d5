"""The recording watchdog: while a hearing should be recording, "not recording" is the critical alarm.

``evaluate()`` compares what should be true with what the devices report and raises or clears alarms; the
service calls it on every device change and on a timer. A recorder is ``not_recording`` only when its own
transport says so (or a software recording's files stop growing); a recorder whose control line is down is
``recorder_unreachable``: its recording state is unknown, and it may well still be recording. A recorder that
stopped but could record again is told to record (at most every ``recovery_retry_s``) and the attempt is
reported. Warnings (a device offline, a display off) never touch a recording.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from controller.hearing.check import recorder_ids, recorder_problem
from controller.hearing.folders import FolderWatch
from controller.journal import Kind
from controller.model import (
    Alarm,
    AlarmKind,
    AudioInputState,
    DisplayState,
    RecorderState,
    VideoInputState,
    now_ms,
)
from controller.room import Room

Report = Callable[[Kind, str, dict[str, object]], None]
"""report(kind, severity, data): journal and publish one watchdog happening."""
Recover = Callable[[str], Awaitable[str | None]]
"""recover(recorder) -> None on success, else the error message."""
Wanted = dict[str, tuple[AlarmKind, str, str | None, str]]
"""alarm id -> (kind, severity, device, message): the alarms an evaluation wants raised."""
AlarmSource = Callable[[bool, bool], Wanted]
"""source(expect_recording, in_session) -> the alarms another part of the controller wants raised (the software
recording's backup and disk forecast)."""
VIDEO_ALARMS: dict[str, AlarmKind] = {"no_signal": "video_no_signal", "black": "video_black", "frozen": "video_frozen"}
"""A video input's ``signal`` -> the alarm it raises (``ok`` and ``unknown`` raise none)."""


@dataclass
class _Raised:
    alarm: Alarm
    mono: float


class Watchdog:
    """Alarms of one room, raised and cleared by ``evaluate()``."""

    def __init__(self, room: Room, report: Report, recover: Recover) -> None:
        self.room = room
        self.folders = [FolderWatch(folder) for folder in room.config.hearing.recording_folders]
        self.report = report
        self.recover = recover
        self.active: dict[str, _Raised] = {}
        self._last_attempt: dict[str, float] = {}
        self._recovering: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.sources: list[AlarmSource] = []

    @property
    def alarms(self) -> list[Alarm]:
        return [raised.alarm for raised in self.active.values()]

    def evaluate(self, expect_recording: bool, in_session: bool) -> None:
        """``in_session``: also look at the other devices (warnings); both False after a transition settles."""
        wanted: Wanted = {}
        if expect_recording:
            for rec in recorder_ids(self.room):
                state = self.room.state(rec)
                problem = recorder_problem(self.room, rec)
                recording = isinstance(state, RecorderState) and state.transport == "record"
                if not self.room.online(rec):
                    reason = self.room.availability(rec).reason or "no answer"
                    wanted[f"recorder_unreachable:{rec}"] = (
                        "recorder_unreachable",
                        "critical",
                        rec,
                        f"{rec} cannot be reached ({reason}): its recording state is unknown",
                    )
                elif not recording:
                    why = problem or f"transport is {getattr(state, 'transport', None) or 'unknown'}"
                    wanted[f"not_recording:{rec}"] = (
                        "not_recording",
                        "critical",
                        rec,
                        f"{rec} is not recording: {why}",
                    )
                    if problem is None:
                        self._maybe_recover(rec)
                elif problem is not None:
                    wanted[f"disk_low:{rec}"] = ("disk_low", "critical", rec, f"{rec}: {problem}")
            for folder in self.folders:
                problem = folder.problem()
                if problem is not None:
                    message = f"software recording {folder.name} is not recording: {problem}"
                    wanted[f"not_recording:{folder.name}"] = ("not_recording", "critical", None, message)
        if in_session:
            recorders = set(recorder_ids(self.room))
            for dev in self.room.config.devices:
                if dev.id not in recorders and not self.room.online(dev.id):
                    reason = self.room.availability(dev.id).reason or "no answer"
                    wanted[f"device_offline:{dev.id}"] = ("device_offline", "warning", dev.id, f"{dev.id}: {reason}")
            for dev in self.room.config.devices:
                state = self.room.state(dev.id)
                if isinstance(state, AudioInputState) and self.room.online(dev.id):
                    for alarm in state.alarms:  # "silent:witness", "clipping:judge"
                        what, _, seat = alarm.partition(":")
                        kind: AlarmKind = "audio_silent" if what == "silent" else "audio_clipping"
                        message = f"{dev.id}: seat {seat} {'is silent' if what == 'silent' else 'is clipping'}"
                        wanted[f"{kind}:{dev.id}:{seat}"] = (kind, "warning", dev.id, message)
                elif isinstance(state, VideoInputState) and self.room.online(dev.id) and state.signal in VIDEO_ALARMS:
                    message = f"{dev.id}: picture {state.signal.replace('_', ' ')}"
                    kind = VIDEO_ALARMS[state.signal]
                    wanted[f"{kind}:{dev.id}"] = (kind, "warning", dev.id, message)
            for display in self.room.config.hearing.display_inputs:
                state = self.room.state(display)
                if self.room.online(display) and isinstance(state, DisplayState) and state.power is False:
                    wanted[f"display_off:{display}"] = ("display_off", "warning", display, f"{display} is off")
        for source in self.sources:
            for source_id, raised in source(expect_recording, in_session).items():
                wanted.setdefault(source_id, raised)
        for alarm_id in [a for a in self.active if a not in wanted]:
            self._clear(alarm_id)
        for alarm_id, (kind, severity, device, message) in wanted.items():
            if alarm_id not in self.active:
                self._raise(alarm_id, kind, severity, device, message)

    def _raise(self, alarm_id: str, kind: AlarmKind, severity: str, device: str | None, message: str) -> None:
        alarm = Alarm.model_validate(
            {
                "id": alarm_id,
                "kind": kind,
                "severity": severity,
                "device": device,
                "message": message,
                "since_ts": now_ms(),
            }
        )
        self.active[alarm_id] = _Raised(alarm, time.monotonic())
        self.report(Kind.ALARM_RAISED, severity, alarm.model_dump())

    def _clear(self, alarm_id: str) -> None:
        raised = self.active.pop(alarm_id)
        cleared = now_ms()
        data = raised.alarm.model_dump()
        data.update(
            raised_ts=raised.alarm.since_ts,
            cleared_ts=cleared,
            duration_s=round((cleared - raised.alarm.since_ts) / 1000, 1),
        )
        self.report(Kind.ALARM_CLEARED, "info", data)

    def clear_all(self) -> None:
        for alarm_id in list(self.active):
            self._clear(alarm_id)

    def _maybe_recover(self, rec: str) -> None:
        if rec in self._recovering:
            return
        now = time.monotonic()
        if now - self._last_attempt.get(rec, float("-inf")) < self.room.config.hearing.recovery_retry_s:
            return
        self._last_attempt[rec] = now
        self._recovering.add(rec)
        task = asyncio.get_running_loop().create_task(self._recover(rec), name=f"recover:{rec}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _recover(self, rec: str) -> None:
        try:
            error = await self.recover(rec)
        finally:
            self._recovering.discard(rec)
        self.report(
            Kind.RECOVERY_ATTEMPT,
            "warning" if error else "info",
            {"device": rec, "action": "record", "ok": error is None, "error": error},
        )

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
