"""The MQTT contract, v1: every topic and every payload the daemon sends or accepts, as typed models.

This module is the single source of truth; docs/mqtt.md is checked against it by the tests. Timestamps are
``ts`` in epoch milliseconds UTC; keys are snake_case; units live in key names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from controller.model import (
    STATE_MODELS,
    Alarm,
    AudioInputState,
    AudioPointState,
    AudioProcessorState,
    Availability,
    ButtonState,
    CameraState,
    CasesState,
    CheckItem,
    CheckResult,
    DeviceEntry,
    DeviceEvent,
    DisplayState,
    HearingEvent,
    HearingPhase,
    HearingState,
    IndicatorState,
    Interruption,
    Meter,
    MicSystemState,
    Payload,
    Publicity,
    PublicityReason,
    RecorderState,
    RecordingStatus,
    RecordingStream,
    ScheduledCase,
    SeatLevel,
    StreamState,
    VideoInputState,
    VoiceFollowStatus,
    device_state,
    now_ms,
)
from drivers.errors import ErrorCode

# the room's model (controller/model.py) is what this contract maps to topics; its names are read from here too
__all__ = [
    "CONTRACT_VERSION",
    "STATE_MODELS",
    "TOPIC_PREFIX",
    "Alarm",
    "AudioInputState",
    "AudioPointState",
    "AudioProcessorState",
    "Availability",
    "ButtonState",
    "CameraState",
    "CasesState",
    "CheckItem",
    "CheckResult",
    "Command",
    "ControllerInfo",
    "ControllerState",
    "DeviceEntry",
    "DeviceEvent",
    "DeviceList",
    "DisplayState",
    "ErrorBody",
    "ErrorCode",
    "HearingEvent",
    "HearingPhase",
    "HearingState",
    "IndicatorState",
    "Interruption",
    "JournalCheckpoint",
    "Meter",
    "MicSystemState",
    "Payload",
    "Publicity",
    "PublicityReason",
    "RecorderState",
    "RecordingStatus",
    "RecordingStream",
    "Reply",
    "ScheduledCase",
    "SeatLevel",
    "StreamState",
    "Topics",
    "VideoInputState",
    "VoiceFollowStatus",
    "device_state",
    "now_ms",
]

CONTRACT_VERSION = "1.0"
TOPIC_PREFIX = "courtroom/v1"


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


class DeviceList(Payload):
    """`$ctl/devices`: every device of the room."""

    devices: list[DeviceEntry]


# -- replies --
class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str  # one of ErrorCode (drivers/errors.py), left open so a client can read a newer daemon's code
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

    def service_state(self, service: str) -> str:
        """``cases/state``, ``stream/state``: a room service's retained state."""
        return f"{self.root}/{service}/state"

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
    ("cases/state", "out", True, 1, "CasesState"),
    ("stream/state", "out", True, 1, "StreamState"),
    ("<device>/cmd/<action>", "in", False, 1, "Command"),
    ("<device>/cmd/<action>/<user>", "in", False, 1, "Command"),
    ("hearing/cmd/<action>", "in", False, 1, "Command"),
    ("hearing/cmd/<action>/<user>", "in", False, 1, "Command"),
    ("cases/cmd/<action>", "in", False, 1, "Command"),
    ("stream/cmd/<action>", "in", False, 1, "Command"),
    ("<device>/reply/<action>", "out", False, 1, "Reply"),
    ("<device>/reply/<action>/<user>", "out", False, 1, "Reply"),
    ("$ctl/request/<op>", "in", False, 1, "Command"),
    ("$ctl/request/<op>/<user>", "in", False, 1, "Command"),
    ("$ctl/reply/<op>", "out", False, 1, "Reply"),
    ("$ctl/reply/<op>/<user>", "out", False, 1, "Reply"),
]
