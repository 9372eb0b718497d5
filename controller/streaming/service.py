"""The live stream's rules (庭审公开): when the software recorder's composite may go on the air, and when it must not.

A start is refused (journaled as ``stream_refused`` with the rule, nothing applied) unless: the sender's role is
one of ``streaming.starters`` (the judge's or the clerk's explicit start), the hearing is in session, its case
is public (``publicity: public``, no secret, privacy or minor reason: from the case system or typed by the
clerk; unknown counts as not public), and the recorder is recording. A cut puts the slate on the air at once
and drops what the broadcast delay held; only a new start takes it back on the air. Any interruption of the
hearing (recess, non-public evidence, mediation, fault) and the close stop the stream; a stopped stream stays
off until a new start. Every row is written before what it records happens.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from controller.hearing.service import HearingService
from controller.journal import Actor, Entry, Journal, Kind
from controller.model import StreamState, now_ms
from controller.room import Room
from controller.settings import REASON_LABELS
from controller.streaming.config import StreamingConfig
from drivers.devices.base import describe_validation
from drivers.errors import ConfigError, CourtroomError, InvalidArgument
from drivers.recording.device import SoftwareRecorder
from drivers.recording.stream import Region, StreamSink, StreamSpec, redact_url

log = logging.getLogger(__name__)

REASON_TEXT = {"state_secret": "state secret", "privacy": "privacy", "minor": "minor", "other": "other"}


@dataclass(frozen=True)
class Why:
    """A reason of the stream's own: its raw English (for the technician) and its catalogue key and fields (a
    field naming a catalogue key, or a list of them, is said in the reader's language: texts.stream_reason)."""

    raw: str
    key: str
    fields: dict[str, Any] = dc_field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """The journal row's words: ``reason``, ``reason_key`` and, if any, ``reason_fields``."""
        out: dict[str, Any] = {"reason": self.raw, "reason_key": self.key}
        if self.fields:
            out["reason_fields"] = dict(self.fields)
        return out


class StreamPolicy(CourtroomError):
    """The live stream's rules do not allow this now; the message names the rule."""

    code = "STREAM_POLICY"


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class StartParams(_Params):
    pass


class CutParams(_Params):
    reason: str = Field(min_length=2, max_length=500)  # why: journaled with who


class ProtectParams(_Params):
    seat: str
    protected: bool = True


PARAMS: dict[str, type[_Params]] = {
    "start": StartParams,
    "cut": CutParams,
    "stop": StartParams,
    "protect": ProtectParams,
}


class StreamService:
    """The room's live stream: ``start``, ``cut``, ``stop``, ``protect``; its state retained on ``stream/state``."""

    def __init__(
        self, config: StreamingConfig | None, room: Room, hearing: HearingService, journal: Journal | None
    ) -> None:
        self.config = config
        self.room = room
        self.hearing = hearing
        self.journal = journal
        self.state_listeners: list[Callable[[], None]] = []
        self.status: Literal["off", "live", "cut", "refused"] = "off"
        self.reason: str | None = None
        self.why: Why | None = None
        self.by: str | None = None
        self.since_ts = now_ms()
        self.case_no: str | None = None
        self.sink: StreamSink | None = None
        self.protected: list[str] = []
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.spec: StreamSpec | None = None
        if config is not None:
            self._check_config(config)
            self.protected = list(config.protected)
            self.spec = StreamSpec(
                self._url(config),
                config.width,
                config.height,
                config.video_kbps,
                config.audio_kbps,
                config.gop_s,
                config.preset,
                config.delay_s,
                config.slate_text,
            )
        if journal is not None:
            journal.written.append(self._rows_written)

    def _check_config(self, config: StreamingConfig) -> None:
        problems = []
        try:
            device = self.room.device(config.recorder)
        except CourtroomError:
            device = None
        if not isinstance(device, SoftwareRecorder):
            problems.append(f"streaming.recorder: '{config.recorder}' is not a software recorder of this room")
        seats = {s.id for s in self.room.config.seats}
        videos = set(device.options.video) if isinstance(device, SoftwareRecorder) else set()
        for seat, where in config.seats.items():
            if seat not in seats:
                problems.append(f"streaming.seats: '{seat}' is not a seat of this room")
            if where.video not in videos:
                problems.append(f"streaming.seats.{seat}.video: '{where.video}' is not recorded by {config.recorder}")
        problems += [
            f"streaming.protected: '{s}' has no entry in streaming.seats"
            for s in config.protected
            if s not in config.seats
        ]
        if problems:
            raise ConfigError("; ".join(problems))

    @staticmethod
    def _url(config: StreamingConfig) -> str:
        if config.key_file is None:
            return config.url
        try:
            key = config.key_file.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"streaming.key_file: cannot read {config.key_file}: {exc.strerror}") from None
        return f"{config.url.rstrip('/')}/{key}"

    @property
    def recorder(self) -> SoftwareRecorder:
        assert self.config is not None
        device = self.room.device(self.config.recorder)
        assert isinstance(device, SoftwareRecorder)
        return device

    # -- state ---------------------------------------------------------------------------------------------
    def state(self) -> StreamState:
        sink = self.sink
        return StreamState(
            state=self.status,
            reason=self.reason,
            reason_key=self.why.key if self.why is not None and self.why.key else None,
            reason_fields=dict(self.why.fields) if self.why is not None else {},
            by=self.by,
            since_ts=self.since_ts,
            case_no=self.case_no,
            target=redact_url(self.spec.url) if self.spec is not None else None,
            delay_s=self.spec.delay_s if self.spec is not None else 0.0,
            protected=list(self.protected),
            frames=sink.counters.sent_frames if sink is not None else 0,
        )

    def _set(self, status: Literal["off", "live", "cut", "refused"], reason: Why | None, by: str) -> None:
        self.status, self.why, self.by, self.since_ts = status, reason, by, now_ms()
        self.reason = reason.raw if reason is not None else None
        for listener in list(self.state_listeners):
            listener()

    def regions(self) -> dict[str, list[Region]]:
        """The protected seats' regions, per recorded video input."""
        assert self.config is not None
        out: dict[str, list[Region]] = {}
        for seat in self.protected:
            where = self.config.seats[seat]
            out.setdefault(where.video, []).append(where.region)
        return out

    # -- commands ------------------------------------------------------------------------------------------
    async def execute(self, action: str, params: Mapping[str, Any], actor: Actor | str = "unknown") -> dict[str, Any]:
        who = Actor.of(actor)
        model = PARAMS.get(action)
        if model is None:
            raise InvalidArgument(f"unknown stream action '{action}' (known: {', '.join(PARAMS)})")
        try:
            parsed = model.model_validate(dict(params))
        except ValidationError as exc:
            raise InvalidArgument(describe_validation(exc)) from None
        if self.config is None:
            raise StreamPolicy("live streaming is not configured in this room (streaming: in the room config)")
        async with self._lock:
            await getattr(self, f"_do_{action}")(parsed, who)
        return self.state().model_dump()

    def _refusal(self, who: Actor) -> Why | None:
        """The first rule a start breaks, or None."""
        assert self.config is not None
        if who.role not in self.config.starters:
            role = who.role or "unknown"
            starters = list(self.config.starters)
            return Why(
                f"only {' or '.join(starters)} may start the live stream (sender's role: {role})",
                "stream.refused.role",
                {
                    "starters": [f"role.{r}" for r in starters],
                    "role": f"role.{who.role}" if who.role else "stream.role_unknown",
                },
            )
        if self.hearing.phase != "in_session":
            phase = self.hearing.phase
            return Why(f"the hearing is not in session ({phase})", "stream.refused.phase", {"phase": f"phase.{phase}"})
        case = self.hearing.ledger.case
        publicity, why = case.get("publicity"), case.get("publicity_reason")
        if publicity != "public" or why is not None:
            if publicity is None:
                raw = "the case's publicity is not known (open it from the case system or give publicity)"
                return Why(raw, "stream.refused.publicity_unknown")
            said = f"stream.publicity.{why}" if why is not None else "stream.publicity.not_public"
            return Why(
                f"case not public: {REASON_TEXT.get(str(why), str(why or 'not public'))}",
                "stream.refused.not_public",
                {"why": said},
            )
        if self.recorder.engine is None or self.recorder.state.transport != "record":
            recorder = self.config.recorder
            return Why(f"{recorder} is not recording", "stream.refused.not_recording", {"recorder": recorder})
        return None

    async def _do_start(self, _: StartParams, who: Actor) -> None:
        refused = self._refusal(who)
        if refused is not None:
            await self._journal(Kind.STREAM_REFUSED, refused.data(), who)
            self._set("refused", refused, who.id)
            raise StreamPolicy(f"live stream refused: {refused.raw}")
        self.case_no = self.hearing.case_no
        if self.status == "cut" and self.sink is not None:
            resumed = Why("back on the air", "stream.reason.resumed")
            await self._journal(Kind.STREAM_STARTED, {"resumed": True, **resumed.data()}, who)
            self.sink.resume()
            self._set("live", None, who.id)
            return
        if self.status == "live":
            return
        assert self.spec is not None
        data = {
            "target": redact_url(self.spec.url),
            "delay_s": self.spec.delay_s,
            "protected": self.protected,
            "case_no": self.case_no,
            **Why("start", "stream.reason.start").data(),
        }
        await self._journal(Kind.STREAM_STARTED, data, who)
        self.sink = await self.recorder.start_stream(self.spec, self.regions(), self._ended)
        self._set("live", None, who.id)

    async def _do_cut(self, p: CutParams, who: Actor) -> None:
        if self.status != "live" or self.sink is None:
            raise StreamPolicy(f"nothing to cut: the stream is {self.status}")
        await self._journal(Kind.STREAM_CUT, {"reason": p.reason}, who)
        self.sink.cut()
        self._set("cut", Why(p.reason, ""), who.id)  # the clerk's own words: no catalogue key

    async def _do_stop(self, _: StartParams, who: Actor) -> None:
        stopped = Why("stopped", "stream.reason.stopped")
        if self.sink is None:
            self._set("off", stopped, who.id)
            return
        await self._stop(stopped, who)

    async def _do_protect(self, p: ProtectParams, who: Actor) -> None:
        assert self.config is not None
        if p.seat not in self.config.seats:
            known = ", ".join(self.config.seats) or "none"
            raise InvalidArgument(f"seat: '{p.seat}' has no picture region in streaming.seats (known: {known})")
        await self._journal(Kind.STREAM_PROTECT, {"seat": p.seat, "protected": p.protected}, who)
        self.protected = sorted({*self.protected, p.seat} if p.protected else set(self.protected) - {p.seat})
        if self.sink is not None:
            self.sink.set_regions(self.regions())
        self._set(self.status, self.why, self.by or who.id)

    async def _stop(self, reason: Why, who: Actor | str) -> None:
        """Journal the stop, then end the stream (the recording goes on)."""
        await self._journal(Kind.STREAM_STOPPED, reason.data(), who)
        sink, self.sink = self.sink, None
        self._set("off", reason, Actor.of(who).id)
        if sink is not None:
            await self.recorder.stop_stream()

    # -- by itself -----------------------------------------------------------------------------------------
    def _rows_written(self, entries: list[Entry]) -> None:
        """An interruption or the close stops the stream (its row is on disk; the stop's row follows)."""
        for entry in entries:
            if entry.kind in (Kind.HEARING_INTERRUPTED, Kind.HEARING_CLOSED) and self.sink is not None:
                reason = "close" if entry.kind == Kind.HEARING_CLOSED else str(entry.data.get("reason"))
                label = REASON_LABELS.get(reason, ("闭庭", reason))[0]
                key = "stream.reason.close" if reason == "close" else f"reason.{reason}"
                self._spawn(self._stop_by_hearing(Why(f"{reason} ({label})", key)))

    async def _stop_by_hearing(self, reason: Why) -> None:
        async with self._lock:
            if self.sink is not None:
                await self._stop(reason, "hearing")

    def _ended(self, why: str) -> None:
        """The stream ended by itself (the server failed, the recording stopped)."""
        self._spawn(self._ended_task(why))

    async def _ended_task(self, why: str) -> None:
        async with self._lock:
            if self.sink is not None and self.recorder.stream is None:
                self.sink = None
                ended = Why(why, "stream.reason.ended")
                await self._journal(Kind.STREAM_STOPPED, ended.data(), "system")
                self._set("off", ended, "system")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro, name="stream-rule")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _journal(self, kind: Kind, data: dict[str, Any], who: Actor | str) -> None:
        if self.journal is not None:
            await self.journal.append(kind, data, actor=who, hearing_id=self.hearing.hearing_id)
        severity = "warning" if kind in (Kind.STREAM_CUT, Kind.STREAM_REFUSED) else "info"
        self.hearing.announce(kind, severity, {**data, "actor": Actor.of(who).id})

    async def stop(self) -> None:
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self.sink is not None and self.config is not None:
            self.sink = None
            await self.recorder.stop_stream()
