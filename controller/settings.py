"""The room's hearing settings: seats (who sits where, their mic and camera shot), the hearing's needs and
scene macros, and voice-follow parameters. Part of the room config (controller/config.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from controller.texts import CATALOGUE

Role = Literal[
    "judge",
    "judge-left",
    "judge-right",
    "clerk",
    "plaintiff",
    "defendant",
    "prosecution",
    "defence",
    "witness",
    "panorama",
    "gallery",
    "evidence",
    "interpreter",
    "other",
]
Reason = Literal["recess", "non_public_evidence", "mediation", "fault"]
# An interruption's reason in words, (zh-CN, en): the catalogue's ``reason.*`` (controller/texts.py is the home of
# words), here for the hearing and the console, which name it by reason.
REASON_LABELS: dict[str, tuple[str, str]] = {reason: CATALOGUE[f"reason.{reason}"] for reason in get_args(Reason)}


DEFAULT_REQUIRED_ROLES: tuple[Role, ...] = ("judge", "plaintiff", "defendant", "witness", "panorama")


class _Strict(BaseModel):
    # strict: `address: "1"` or `port: "8080"` in a config is a mistake to name, not a value to guess at
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


LaxPath = Annotated[Path, Field(strict=False)]
"""A path written as YAML text (strict mode would want a Path object)."""


class MicRef(_Strict):
    """A microphone that serves a seat: a conference system's seat number, or an audio input's channel number."""

    device: str
    seat: int = Field(ge=0, le=65535)
    follow: bool = True  # its speech moves the cameras; False: its levels are shown, voice-follow ignores it


class Step(_Strict):
    """One device operation of a scene macro or a voice-follow output."""

    device: str
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    retry_s: float = Field(0.0, ge=0, le=300)  # retry "not now" refusals (a projector warming up) this long
    background: bool = False  # the transition does not wait for it (its failure is still journaled)


class SeatConfig(_Strict):
    """A place in the room: its role, the camera shot that shows it, and the microphones that hear it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    role: Role
    name: str = ""
    camera: str | None = None
    preset: int = Field(0, ge=0, le=256)
    mics: list[MicRef] = Field(default_factory=list)
    priority: int = Field(0, ge=0, le=100)  # higher wins when several speak; the judge's seats default to 100
    switch: list[Step] = Field(default_factory=list)  # e.g. a recorder or switcher input to take with the shot

    def effective_priority(self) -> int:
        if self.priority:
            return self.priority
        return 100 if self.role.startswith("judge") else 10


class MacroConfig(_Strict):
    """Extra steps per transition, run after the defaults (or instead of them with ``replace_defaults``)."""

    replace_defaults: bool = False
    open: list[Step] = Field(default_factory=list)
    interrupt: list[Step] = Field(default_factory=list)
    resume: list[Step] = Field(default_factory=list)
    close: list[Step] = Field(default_factory=list)


class RecordingFolder(_Strict):
    """Where a software recording host writes its files: recording means the newest file keeps growing."""

    path: LaxPath
    name: str = ""
    pattern: str = "*"
    stall_s: float = Field(5.0, gt=0, le=600)


class HearingConfig(_Strict):
    """What a hearing needs in this room and what its transitions do."""

    required_roles: list[Role] = Field(default_factory=lambda: list(DEFAULT_REQUIRED_ROLES))
    recorders: list[str] | None = None  # None: every recorder of the room
    display_inputs: dict[str, str] = Field(default_factory=dict)  # display id -> input name to take on open
    disk_headroom_s: int = Field(1800, ge=0, le=7 * 86400)  # less recording time left than this is an alarm
    recording_folders: list[RecordingFolder] = Field(default_factory=list)  # software recordings to watch
    recording_lights: list[str] | None = None  # indicators that show "recording"; None: every indicator
    mark_buttons: list[str] = Field(default_factory=list)  # buttons (a foot switch) whose press adds a mark
    alarm_buttons: list[str] = Field(default_factory=list)  # buttons whose press raises a critical hearing event
    display_warmup_s: float = Field(90.0, ge=0, le=300)  # how long an input is retried while a projector warms
    watchdog_interval_s: float = Field(0.5, gt=0, le=2)
    recovery_retry_s: float = Field(5.0, gt=0, le=600)
    macros: MacroConfig = MacroConfig()


class VoiceFollowConfig(_Strict):
    """声像联动: which shot to take when someone speaks."""

    enabled: bool = True  # switched on by opening a hearing
    reaction_ms: int = Field(110, ge=0, le=5000)  # a mic on for less (a tap, a noise burst) never moves a camera
    hold_s: float = Field(2.0, ge=0, le=600)  # a shot is held at least this long before a lower-priority change
    silence_after_s: float = Field(8.0, gt=0, le=3600)  # nobody speaking this long -> the silence shot
    silence_shot: Role = "panorama"
    several_shot: Role = "panorama"  # several speaking at the same top priority
    override_revert_s: float = Field(60.0, gt=0, le=86400)  # a manual shot by the clerk reverts to automatic after this


class ConsoleConfig(_Strict):
    """The clerk console (aiohttp inside the daemon)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)  # 0: any free port (tests)
    users_file: LaxPath | None = None  # default: <state_dir>/console-users.yaml (scrypt hashes; see docs/console.md)
    allowed_origins: list[str] = Field(default_factory=list)  # WebSocket origins besides the console's own
    session_hours: float = Field(12.0, gt=0, le=168)
    language: Literal["zh-CN", "en"] = "zh-CN"


class JournalConfig(_Strict):
    """The journal's room on disk (``state_dir``) and how often its head is signed."""

    reserve_mb: float = Field(8.0, gt=0, le=1024)  # preallocated; given up to write the "cannot write" alarm
    min_free_mb: float = Field(2.0, gt=0, le=1024)  # less free space than this: rows are refused (the alarm)
    low_space_mb: float = Field(256.0, ge=0, le=1024 * 1024)  # less than this: the journal_space_low warning
    checkpoint_interval_s: float = Field(60.0, ge=1, le=3600)  # the head is signed at least this often
    # a device command's row: in the journal file before the command is sent (a crash of the daemon cannot lose
    # it) and fsynced right after, while the command is on the wire ("after"); or fsynced before it is sent
    # ("full": safe against a power cut in those milliseconds too, at the cost of an fsync per command)
    command_sync: Literal["after", "full"] = "after"


class OperatorConfig(_Strict):
    """A platform account that sends commands over MQTT: who it is, for the journal and the record."""

    name: str = Field("", max_length=64)  # e.g. 中心平台值班员 张工
    role: Literal["clerk", "judge", "technician"] = "clerk"
