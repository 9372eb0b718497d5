"""The room configuration: one YAML file per courtroom, validated with messages that name file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from controller.cases.config import CaseSystemConfig
from controller.settings import (
    ConsoleConfig,
    HearingConfig,
    JournalConfig,
    LaxPath,
    OperatorConfig,
    Role,
    SeatConfig,
    VoiceFollowConfig,
)
from controller.streaming.config import StreamingConfig
from drivers.errors import ConfigError, CourtroomError, ProfileError
from drivers.factory import DeviceFactory
from drivers.profiles import DEFAULT_PROFILE_DIR, DeviceClass, ProfileLibrary, SerialOverride
from drivers.validation import did_you_mean, validation_lines
from drivers.yamlfile import read_yaml_mapping

ROOM_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
DEVICE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
RESERVED_IDS = frozenset({"hearing", "cases", "stream"})  # `hearing/cmd/...` is the hearing's, not a device's


class _Strict(BaseModel):
    # strict: a string where a number belongs (`address: "1"`) is named as a mistake, never converted
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RoomInfo(_Strict):
    id: str = Field(pattern=ROOM_ID_PATTERN)
    name: str = ""
    timezone: str = "Asia/Shanghai"  # the room's local time: records, the time overlay, the console

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (an IANA name such as Asia/Shanghai)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class BrokerConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    username: str | None = None
    password_file: LaxPath | None = None
    tls: bool = False
    ca_file: LaxPath | None = None
    keepalive_s: int = Field(30, ge=5, le=3600)
    command_max_age_s: float = Field(30.0, gt=0, le=3600)  # a command whose ts is older is refused (EXPIRED)
    # MQTT users who send commands under their own name (`.../cmd/<action>/<user>`, enforced by the ACL): the
    # name and role the journal and the record give them (a technician may override the recording rule)
    operators: dict[str, OperatorConfig] = Field(default_factory=dict)
    clock_skew_s: float = Field(10.0, ge=0, le=3600)  # a command whose ts is further ahead is refused
    # a device command not on its way to the device this long after the daemon read it is EXPIRED, never sent
    command_max_wait_s: float = Field(0.5, gt=0, le=60)

    def password(self) -> str | None:
        """The password, read from its file when the daemon connects (never kept in the config)."""
        if self.password_file is None:
            return None
        try:
            return self.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"broker.password_file: cannot read {self.password_file}: {exc.strerror}") from exc


class TransportConfig(SerialOverride):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    port: str = Field(min_length=1, max_length=4096)


DeviceKind = DeviceClass  # the device classes the drivers know (drivers/profiles.py), one list for the house


class DeviceConfig(_Strict):
    id: str = Field(pattern=DEVICE_ID_PATTERN)
    kind: DeviceKind
    role: Role | None = None
    name: str = ""
    profile: str
    transport: TransportConfig
    address: int | None = Field(None, ge=0, le=255)
    options: dict[str, Any] = Field(default_factory=dict)  # family-specific (e.g. a PJLink password_file)
    command_queue: int | None = Field(None, ge=1, le=64)  # queue depth; default the profile's timing.command_queue


class RoomConfig(_Strict):
    room: RoomInfo
    broker: BrokerConfig = BrokerConfig()
    state_dir: LaxPath = Path("/var/lib/courtroom")
    signing_key: LaxPath | None = None  # the room's Ed25519 key; default <state_dir>/keys/signing-key.pem
    profiles_dir: LaxPath | None = None
    devices: list[DeviceConfig] = Field(default_factory=list)
    seats: list[SeatConfig] = Field(default_factory=list)
    hearing: HearingConfig = HearingConfig()
    voice_follow: VoiceFollowConfig = VoiceFollowConfig()
    console: ConsoleConfig = ConsoleConfig()
    journal: JournalConfig = JournalConfig()
    cases: CaseSystemConfig | None = None  # the court's case system: today's hearings (docs/cases.md)
    streaming: StreamingConfig | None = None  # live streaming of public hearings (docs/streaming.md)

    @property
    def signing_key_path(self) -> Path:
        """Where the room's signing key lives (``signing_key``, or its default under ``state_dir``)."""
        from controller.signing import default_key_path

        return self.signing_key or default_key_path(self.state_dir)

    @field_validator("devices")
    @classmethod
    def _unique_ids(cls, devices: list[DeviceConfig]) -> list[DeviceConfig]:
        seen: set[str] = set()
        for dev in devices:
            if dev.id in seen:
                raise ValueError(f"device id '{dev.id}' is used twice")
            seen.add(dev.id)
        return devices

    @model_validator(mode="after")
    def _references(self) -> RoomConfig:
        """Seats, macros and the hearing name devices that exist and fit what they are used for."""
        kinds = {dev.id: dev.kind for dev in self.devices}
        problems: list[str] = []

        def need(where: str, device_id: str, kind: str | None = None) -> None:
            if device_id not in kinds:
                problems.append(f"{where}: no device '{device_id}'{did_you_mean(device_id, list(kinds))}")
            elif kind is not None and kinds[device_id] != kind:
                problems.append(f"{where}: '{device_id}' is a {kinds[device_id]}, not a {kind}")

        seat_ids: set[str] = set()
        for i, seat in enumerate(self.seats):
            if seat.id in seat_ids:
                problems.append(f"seats[{i}].id: '{seat.id}' is used twice")
            seat_ids.add(seat.id)
            if seat.camera is not None:
                need(f"seats[{i}].camera", seat.camera, "camera")
            for j, mic in enumerate(seat.mics):
                if mic.device not in kinds:
                    problems.append(
                        f"seats[{i}].mics[{j}].device: no device '{mic.device}'{did_you_mean(mic.device, list(kinds))}"
                    )
                elif kinds[mic.device] not in ("mic_system", "audio_input"):
                    problems.append(
                        f"seats[{i}].mics[{j}].device: '{mic.device}' is a {kinds[mic.device]}, "
                        "not a mic_system or audio_input"
                    )
            for j, step in enumerate(seat.switch):
                need(f"seats[{i}].switch[{j}].device", step.device)
        for i, rec in enumerate(self.hearing.recorders or []):
            need(f"hearing.recorders[{i}]", rec, "recorder")
        for i, light in enumerate(self.hearing.recording_lights or []):
            need(f"hearing.recording_lights[{i}]", light, "indicator")
        for name in ("mark_buttons", "alarm_buttons"):
            for i, button in enumerate(getattr(self.hearing, name)):
                need(f"hearing.{name}[{i}]", button, "button")
        for display in self.hearing.display_inputs:
            need(f"hearing.display_inputs.{display}", display, "display")
        for name in ("open", "interrupt", "resume", "close"):
            for j, step in enumerate(getattr(self.hearing.macros, name)):
                need(f"hearing.macros.{name}[{j}].device", step.device)
        for dev in self.devices:
            if dev.id in RESERVED_IDS:
                problems.append(f"devices: id '{dev.id}' is reserved for the room's own topics")
        if problems:
            raise ValueError("\n".join(problems))  # one line each
        return self

    @model_validator(mode="after")
    def _unique_addresses(self) -> RoomConfig:
        taken: dict[tuple[str, int], str] = {}
        for dev in self.devices:
            if dev.address is None:
                continue
            key = (dev.transport.port, dev.address)
            if key in taken:
                raise ValueError(
                    f"devices '{taken[key]}' and '{dev.id}' both use address {dev.address} on {dev.transport.port}"
                )
            taken[key] = dev.id
        return self

    def device(self, device_id: str) -> DeviceConfig:
        for dev in self.devices:
            if dev.id == device_id:
                return dev
        raise KeyError(device_id)


def parse_config(data: Any, source: str = "<config>") -> RoomConfig:
    """Validate already-parsed YAML; ConfigError lists every problem as ``file: key: what``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: (top level): expected a mapping, got {type(data).__name__}")
    try:
        return RoomConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(validation_lines(exc, source=source, root=RoomConfig, data=data))) from None


def load_config(path: Path) -> RoomConfig:
    """Read and validate a room configuration file."""
    return parse_config(read_yaml_mapping(path, ConfigError), str(path))


def load_profiles(config: RoomConfig, source: str = "<config>") -> ProfileLibrary:
    """Load the profile library and check every device's profile exists and fits its kind and address."""
    library = ProfileLibrary(config.profiles_dir or DEFAULT_PROFILE_DIR)
    problems = []
    for index, dev in enumerate(config.devices):
        where = f"{source}: devices[{index}] ({dev.id})"
        try:
            profile = library.get(dev.profile)
        except ProfileError as exc:
            problems.append(f"{where}.profile: {exc}")
            continue
        if profile.model.device_class != dev.kind:
            problems.append(f"{where}.profile: '{dev.profile}' is a {profile.model.device_class}, not a {dev.kind}")
        if profile.protocol.family == "visca" and (dev.address is None or not 1 <= dev.address <= 7):
            problems.append(f"{where}.address: a VISCA camera needs an address from 1 to 7")
    if problems:
        raise ConfigError("\n".join(problems))
    factory = DeviceFactory(library)  # builds driver objects without opening anything: catches line conflicts
    for index, dev in enumerate(config.devices):
        try:
            factory.build(dev.id, dev.profile, dev.transport.port, dev.address, dev.transport, options=dev.options)
        except CourtroomError as exc:
            problems.append(f"{source}: devices[{index}] ({dev.id}): {exc}")
    if not problems:
        try:
            factory.link_all()  # a software recorder's inputs exist and are of the right kind
        except ConfigError as exc:
            problems.append(f"{source}: {exc}")
    if problems:
        raise ConfigError("\n".join(problems))
    return library
