"""The room's model: what the room, its devices and its hearing are at a moment, and what happened once.

The domain's own types, which the room (``controller/room.py``), the hearing, the console and the recording unit
speak. The MQTT contract (``controller/mqtt/contract.py``) maps them to topics and payloads and depends on this
module, never the other way round. Each is a pydantic model with ``ts`` (epoch milliseconds UTC) stamped when it
is built, so the same object is what the console and the central platform read.
"""

from __future__ import annotations

import time
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, JsonValue


def now_ms() -> int:
    """Wall-clock time in epoch milliseconds, the unit of every ``ts``."""
    return int(time.time() * 1000)


class Payload(BaseModel):
    """Base of outbound payloads: ``ts`` is stamped when the message is built."""

    model_config = ConfigDict(extra="forbid")

    ts: int = Field(default_factory=now_ms)

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=False).encode()



class DeviceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str
    role: str | None
    name: str
    vendor: str
    model: str
    profile: str
    firmware: str | None
    firmware_label: str | None
    capabilities: list[str]
    actions: list[str]
    events: list[str] = Field(default_factory=list)  # the device events its class may raise (`<device>/event`)
    details: dict[str, JsonValue] = Field(default_factory=dict)  # per class: a display's inputs, a DSP's points


class Availability(Payload):
    """`<device>/availability`: the link, apart from the device's own state."""

    state: Literal["online", "offline"]
    reason: str | None = None


class CameraState(Payload):
    """`<device>/state` of a camera: what it last reported (None until known)."""

    power: bool | None
    zoom: int | None
    pan: int | None
    tilt: int | None
    moving: bool
    preset: int | None


class DisplayState(Payload):
    """`<device>/state` of a display or projector; ``input`` is the profile's input name."""

    power: bool | None
    power_state: Literal["off", "on", "warming", "cooling"] | None
    input: str | None
    volume: int | None
    mute: bool | None
    av_mute: bool | None
    errors: dict[str, Literal["ok", "warning", "error"]]
    lamp_hours: list[int] | None


class RecordingStream(BaseModel):
    """One stream of a software recorder (a camera, ``composite``, ``seats``): what it wrote and how it is fed."""

    model_config = ConfigDict(extra="forbid")

    frames: int  # pictures written (0 for the seat tracks)
    dropped: int  # pictures the encoder could not take in time
    samples: int  # audio samples written
    audio_lost_ms: int = 0  # sound dropped because the encoder was a minute behind (never silently)
    failed: str | None = None  # why the stream stopped (a full disk)
    frames_in: int | None = None  # frames the camera delivered
    repeated: int | None = None  # written pictures that repeat the previous camera frame
    stalled: bool = False  # the input sends nothing: black pictures (or silence) are recorded
    silence_s: float | None = None  # seat tracks: silence written while the audio input stalled


class RecorderState(Payload):
    """`<device>/state` of a recorder: transport, clip, timecode and the disk it records to."""

    transport: (
        Literal[
            "stopped", "record", "play", "preview", "forward", "rewind", "jog", "shuttle", "standby", "eject", "unknown"
        ]
        | None
    )
    clip: str | None
    timecode: str | None
    disk_present: bool | None
    remaining_s: int | None
    remote_enabled: bool | None
    streams: dict[str, RecordingStream] | None = None  # a software recorder's streams; None for hardware


class AudioPointState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level_db: float | None
    mute: bool | None


class AudioProcessorState(Payload):
    """`<device>/state` of a DSP: every named point's level and mute."""

    points: dict[str, AudioPointState]


class MicSystemState(Payload):
    """`<device>/state` of a conference mic system: the seats whose microphone is on, and those asking."""

    active: list[int]
    requests: list[int]


class IndicatorState(Payload):
    """`<device>/state` of an indicator (the recording light): on, colour."""

    on: bool | None
    color: str | None


class ButtonState(Payload):
    """`<device>/state` of a button (the clerk's foot switch, an alarm button): held now, presses counted."""

    pressed: bool | None
    presses: int


class SeatLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: int  # the input's channel (1-based): what a room seat's `mics` entry and `speech_on` events name
    rms_dbfs: float | None
    peak_dbfs: float | None
    speaking: bool
    clipping: bool
    silent_s: float  # how long this seat has been below the silence threshold


class AudioInputState(Payload):
    """`<device>/state` of an audio input: per seat (channel) levels and flags, and its active alarms.

    Changes of ``speaking``/``clipping``/``alarms`` publish it; the levels themselves go to `<device>/meter`."""

    seats: dict[str, SeatLevel]
    alarms: list[str]  # e.g. "silent:witness", "clipping:judge"


class VideoInputState(Payload):
    """`<device>/state` of a video input: signal health at about 2 checks a second."""

    signal: Literal["ok", "no_signal", "black", "frozen", "unknown"]
    fps: float | None
    width: int | None
    height: int | None
    frozen_s: float


class Meter(Payload):
    """`<device>/meter` (QoS 0, not retained, at most 10 a second): audio levels per seat."""

    seats: dict[str, dict[str, JsonValue]]


STATE_MODELS: dict[str, type[Payload]] = {
    "camera": CameraState,
    "display": DisplayState,
    "recorder": RecorderState,
    "audio_processor": AudioProcessorState,
    "mic_system": MicSystemState,
    "indicator": IndicatorState,
    "button": ButtonState,
    "audio_input": AudioInputState,
    "video_input": VideoInputState,
}


class DeviceEvent(Payload):
    """`<device>/event`: something that happened once (``mic_on``, ``mic_off``, ``request_on``, ``fault``...)."""

    event: str
    data: dict[str, JsonValue] = Field(default_factory=dict)
    replayed: bool = False  # delivered late: kept through the daemon's broker outage, or the central link was down
    link_down_ts: int | None = None  # set when the room's link to the central cluster was down (mqtt/link.py)


def device_state(kind: str, snapshot: dict[str, Any]) -> Payload:
    """The typed ``<device>/state`` payload of a device kind, built from its driver's snapshot."""
    return STATE_MODELS[kind].model_validate(snapshot)


# -- the hearing --
HearingPhase = Literal["idle", "ready", "in_session", "interrupted", "closed"]
RecordingStatus = Literal["recording", "not_recording", "unknown", "paused", "stopped"]


class Interruption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["recess", "non_public_evidence", "mediation", "fault"]
    label: str  # the reason in Chinese, as the record names it
    since_ts: int
    note: str = ""  # as typed; for an interruption the controller declared itself, its raw English
    note_key: str | None = None  # that declared note's words: the catalogue's note.<key> (console) ...
    note_fields: dict[str, Any] = Field(default_factory=dict)  # ... and their fields (device ids, not names)


AlarmKind = Literal[
    # critical: the hearing's recording (the watchdog) or the journal (hearing/reports.py)
    "not_recording",
    "recorder_unreachable",
    "disk_low",
    "journal_unavailable",
    # warnings of the watchdog and the journal
    "journal_space_low",
    "device_offline",
    "display_off",
    "audio_silent",
    "audio_clipping",
    "video_no_signal",
    "video_black",
    "video_frozen",
    # warnings of the software recording (controller/recording/service.py)
    "backup_failed",
    "backup_late",
    "disk_forecast",
    "recording_input_stalled",
    "frames_dropped",
]
"""Every kind of alarm the controller raises: an alarm of another kind fails validation (and mypy at the site that
builds it), so the console's and ``courtroom ctl``'s words per kind (``alarm.<kind>`` in the texts) can be
checked against this one list."""

ALARM_KINDS: frozenset[str] = frozenset(get_args(AlarmKind))


class Alarm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # "<kind>:<device>", stable while it lasts
    kind: AlarmKind
    severity: Literal["critical", "warning"]
    device: str | None
    message: str
    since_ts: int


class CheckItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    need: str  # "camera for judge", "microphone for witness", "recorder"
    device: str | None
    ok: bool
    problem: str | None = None


class CheckResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    ts: int
    items: list[CheckItem]


class VoiceFollowStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    mode: Literal["auto", "manual"]
    seat: str | None  # the seat whose shot is on now
    speaking: list[str]  # seats speaking now
    manual_until_ts: int | None = None


class HearingState(Payload):
    """`hearing/state`: where the hearing is, what is recording, what is wrong."""

    state: HearingPhase
    hearing_id: str | None
    case_no: str | None
    title: str | None
    parties: list[str]
    opened_ts: int | None
    since_ts: int  # when ``state`` was entered
    recording: RecordingStatus
    recorders: dict[str, str | None]  # recorder id -> its transport (null: unknown or offline)
    recorded_s: float  # recording time of this hearing so far, interruptions excluded
    interruption: Interruption | None
    alarms: list[Alarm]
    check: CheckResult | None
    voice_follow: VoiceFollowStatus
    marks: int


class HearingEvent(Payload):
    """`hearing/event`: a transition, a mark, an alarm raised or cleared, a macro step that failed."""

    event: str
    hearing_id: str | None
    severity: Literal["info", "warning", "critical"] = "info"
    data: dict[str, JsonValue] = Field(default_factory=dict)
    replayed: bool = False  # as DeviceEvent's
    link_down_ts: int | None = None


Publicity = Literal["public", "not_public"]
PublicityReason = Literal["state_secret", "privacy", "minor", "other"]


class ScheduledCase(BaseModel):
    """A hearing of the day as the court's case system lists it (mapped from its own field names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # the case system's key of this hearing
    case_no: str  # 案号
    cause: str  # 案由
    start: str  # when it is scheduled, as the case system gives it
    parties: list[str]  # "原告 张三", ...
    judges: list[str]
    clerk: str
    publicity: Publicity
    publicity_reason: PublicityReason | None  # why it is not public
    publicity_note: str  # the case system's own words for the reason


class CasesState(Payload):
    """`cases/state`: the room's schedule for the day from the case system, and whether it could be read."""

    status: Literal["ok", "unreachable", "refused", "malformed", "not_configured"]
    problem: str | None  # what went wrong at the last refresh (the schedule shown is then the last one read)
    day: str  # yyyy-mm-dd in the room's time zone
    fetched_ts: int | None  # when the schedule shown was read
    cases: list[ScheduledCase]


class StreamState(Payload):
    """`stream/state`: the live stream (庭审直播): ``off``, ``live``, ``cut`` (the slate is on the air) or
    ``refused`` (the last start was refused: ``reason`` says why), with who did it and the protected seats."""

    state: Literal["off", "live", "cut", "refused"]
    reason: str | None  # why it is cut, stopped or refused (the controller's English, or the clerk's words of a cut)
    reason_key: str | None = None  # the catalogue's key of a reason of the stream's own (None: a cut's words)
    reason_fields: dict[str, Any] = Field(default_factory=dict)  # its fields (texts.stream_reason)
    by: str | None  # who started, cut or stopped it (``hearing`` when a transition stopped it)
    since_ts: int
    case_no: str | None
    target: str | None  # the server it goes to, without its stream key
    delay_s: float  # the broadcast delay: what is younger than this has not been sent yet
    protected: list[str]  # seats whose pictures are blurred on the air
    frames: int  # frames sent to the server in this stream
