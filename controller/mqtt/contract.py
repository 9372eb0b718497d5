"""The MQTT contract, v1: every topic and every payload the daemon sends or accepts, as typed models.

This module is the single source of truth; docs/mqtt.md is checked against it by the tests. Timestamps are
``ts`` in epoch milliseconds UTC; keys are snake_case; units live in key names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

CONTRACT_VERSION = "1.0"
TOPIC_PREFIX = "courtroom/v1"


def now_ms() -> int:
    """Wall-clock time in epoch milliseconds, the unit of every ``ts``."""
    return int(time.time() * 1000)


class Payload(BaseModel):
    """Base of outbound payloads: ``ts`` is stamped when the message is built."""

    model_config = ConfigDict(extra="forbid")

    ts: int = Field(default_factory=now_ms)

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=False).encode()


# -- retained, outbound --
class ControllerState(Payload):
    """`$ctl/state` (and the last will): the daemon's own liveness; ``session`` grows on every successful connect;
    ``journal`` is ``unavailable`` when the journal cannot write (the state is then ``degraded``)."""

    state: Literal["online", "offline", "degraded"]
    session: int
    offline_devices: list[str] = Field(default_factory=list)
    journal: Literal["ok", "low_space", "unavailable"] = "ok"


class JournalCheckpoint(Payload):
    """`$ctl/journal`: the journal's head (rows 1..``seq`` end in ``hash``) signed with the room's Ed25519 key;
    the central platform keeps these anchors, which the room cannot rewrite afterwards."""

    room_id: str
    seq: int
    hash: str
    signed_ts: int
    key_fingerprint: str
    signature: str
    checkpoint_seq: int | None


class ControllerInfo(Payload):
    """`$ctl/info`: versions and what was loaded."""

    room_id: str
    room_name: str
    daemon_version: str
    contract_version: str = CONTRACT_VERSION
    started_ts: int
    profiles: list[str]


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
    details: dict[str, JsonValue] = Field(default_factory=dict)  # per class: a display's inputs, a DSP's points


class DeviceList(Payload):
    """`$ctl/devices`: every device of the room."""

    devices: list[DeviceEntry]


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
    replayed: bool = False  # true when sent again from the journal after a broker outage


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
    note: str = ""


class Alarm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # "<kind>:<device>", stable while it lasts
    kind: str  # not_recording, disk_low, device_offline, display_off, ...
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
    replayed: bool = False


# -- replies --
ErrorCode = Literal[
    "BAD_REQUEST",  # not JSON, not an object, no usable id
    "NOT_FOUND",  # no such device or request
    "INVALID_ARGUMENT",
    "UNSUPPORTED",
    "OFFLINE",
    "DEVICE_TIMEOUT",
    "DEVICE_NAK",
    "NOT_EXECUTABLE",
    "BUSY",
    "TRANSPORT_LOST",
    "DECODE_ERROR",
    "INVALID_STATE",  # a hearing operation not allowed in the hearing's present state
    "CHECK_FAILED",  # opening refused: the pre-hearing check failed and no override reason was given
    "JOURNAL_ERROR",  # the journal cannot write the operation's row: nothing of it was done
    "RECORDING_RULE",  # a hearing's recording stops only through its interruptions (or a technician's override)
    "EXPIRED",  # older than its expiry, or its deadline passed while it waited in its device's queue
    "SUPERSEDED",  # a newer command of the same coalescing action replaced it while it waited
    "RETAINED",  # a retained message on an inbound topic
    "FORBIDDEN",  # a v5 Response Topic outside the room's reply space: the command was not run
    "INTERNAL",
]


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    message: str


class Reply(Payload):
    """Reply to any inbound request, on the v5 response topic or ``.../reply/<action>``."""

    id: JsonValue
    status: Literal["ok", "error"]
    data: dict[str, JsonValue] | None = None
    error: ErrorBody | None = None


# -- inbound --
class Command(BaseModel):
    """Envelope of `<device>/cmd/<action>` and `$ctl/request/<op>`: ``id``, optional ``ts`` and ``actor`` (the
    person at the sender, as the sender names them).

    Every other key is a parameter of the action, checked by the device class (a device command's
    ``override_reason`` is taken out first: a technician's written reason to override the recording rule).
    """

    model_config = ConfigDict(extra="allow")

    id: str | int = Field(union_mode="left_to_right")
    ts: int | None = None
    actor: str | None = Field(None, max_length=64)

    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


# -- topics --
@dataclass(frozen=True)
class Topics:
    """Topic names of one room."""

    room_id: str

    @property
    def root(self) -> str:
        return f"{TOPIC_PREFIX}/{self.room_id}"

    @property
    def ctl_state(self) -> str:
        return f"{self.root}/$ctl/state"

    @property
    def ctl_info(self) -> str:
        return f"{self.root}/$ctl/info"

    @property
    def ctl_devices(self) -> str:
        return f"{self.root}/$ctl/devices"

    @property
    def ctl_journal(self) -> str:
        return f"{self.root}/$ctl/journal"

    def device_state(self, device_id: str) -> str:
        return f"{self.root}/{device_id}/state"

    def availability(self, device_id: str) -> str:
        return f"{self.root}/{device_id}/availability"

    def event(self, device_id: str) -> str:
        return f"{self.root}/{device_id}/event"

    def meter(self, device_id: str) -> str:
        return f"{self.root}/{device_id}/meter"

    def command(self, device_id: str, action: str) -> str:
        return f"{self.root}/{device_id}/cmd/{action}"

    @property
    def hearing_state(self) -> str:
        return f"{self.root}/hearing/state"

    @property
    def hearing_event(self) -> str:
        return f"{self.root}/hearing/event"

    def request(self, op: str) -> str:
        return f"{self.root}/$ctl/request/{op}"

    @property
    def inbound_filters(self) -> list[str]:
        """What the daemon subscribes to: commands and requests only (bare, and under the sender's MQTT user
        name, which the broker's ACL lets only that user publish), never its own output."""
        return [
            f"{self.root}/+/cmd/+",
            f"{self.root}/+/cmd/+/+",
            f"{self.root}/$ctl/request/+",
            f"{self.root}/$ctl/request/+/+",
        ]

    def sender(self, inbound_topic: str) -> str | None:
        """The MQTT user name an inbound topic carries (``<device>/cmd/<action>/<user>``), or None (bare)."""
        rest = inbound_topic[len(self.root) + 1 :].split("/")
        return rest[3] if len(rest) == 4 else None

    def reply_to(self, inbound_topic: str) -> str:
        """Default reply topic: the inbound path with ``cmd`` (or ``request``) replaced by ``reply``."""
        if inbound_topic.startswith(self.root + "/"):
            rest = inbound_topic[len(self.root) + 1 :].split("/")
            if len(rest) >= 3 and rest[1] in ("cmd", "request"):
                rest[1] = "reply"
                return f"{self.root}/" + "/".join(rest)
        parts = inbound_topic.split("/")
        for i in range(len(parts) - 2, -1, -1):
            if parts[i] in ("cmd", "request"):
                parts[i] = "reply"
                break
        return "/".join(parts)


# What each topic carries: (topic pattern under the root, direction, retained, QoS, payload model name).
# docs/mqtt.md lists exactly these rows; tests/controller/test_contract_doc.py keeps the two in step.
TOPIC_TABLE: list[tuple[str, str, bool, int, str]] = [
    ("$ctl/state", "out", True, 1, "ControllerState"),
    ("$ctl/info", "out", True, 1, "ControllerInfo"),
    ("$ctl/devices", "out", True, 1, "DeviceList"),
    ("$ctl/journal", "out", True, 1, "JournalCheckpoint"),
    ("<device>/state", "out", True, 1, "CameraState"),
    ("<device>/state", "out", True, 1, "DisplayState"),
    ("<device>/state", "out", True, 1, "RecorderState"),
    ("<device>/state", "out", True, 1, "AudioProcessorState"),
    ("<device>/state", "out", True, 1, "MicSystemState"),
    ("<device>/state", "out", True, 1, "IndicatorState"),
    ("<device>/state", "out", True, 1, "ButtonState"),
    ("<device>/state", "out", True, 1, "AudioInputState"),
    ("<device>/state", "out", True, 1, "VideoInputState"),
    ("<device>/availability", "out", True, 1, "Availability"),
    ("<device>/event", "out", False, 1, "DeviceEvent"),
    ("<device>/meter", "out", False, 0, "Meter"),
    ("hearing/state", "out", True, 1, "HearingState"),
    ("hearing/event", "out", False, 1, "HearingEvent"),
    ("<device>/cmd/<action>", "in", False, 1, "Command"),
    ("<device>/cmd/<action>/<user>", "in", False, 1, "Command"),
    ("hearing/cmd/<action>", "in", False, 1, "Command"),
    ("hearing/cmd/<action>/<user>", "in", False, 1, "Command"),
    ("<device>/reply/<action>", "out", False, 1, "Reply"),
    ("<device>/reply/<action>/<user>", "out", False, 1, "Reply"),
    ("$ctl/request/<op>", "in", False, 1, "Command"),
    ("$ctl/request/<op>/<user>", "in", False, 1, "Command"),
    ("$ctl/reply/<op>", "out", False, 1, "Reply"),
    ("$ctl/reply/<op>/<user>", "out", False, 1, "Reply"),
]
