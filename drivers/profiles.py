"""Firmware profiles: the schema of `firmware_profiles/` and the loader that validates it.

A protocol family file says how a family is spoken (serial defaults, timing); a model file says what one model
can do and, per firmware range, its quirks. Both are validated when loaded: a bad file raises ProfileError
naming the file, the key and the reason.
"""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from drivers.errors import CourtroomError, ProfileError
from drivers.validation import validation_lines
from drivers.yamlfile import read_yaml_mapping

if TYPE_CHECKING:  # drivers.families imports this module
    from drivers.families import Families

DEFAULT_PROFILE_DIR = Path(__file__).resolve().parent.parent / "firmware_profiles"

_OptionsT = TypeVar("_OptionsT", bound=BaseModel)

DeviceClass = Literal[
    "camera",
    "display",
    "recorder",
    "audio_processor",
    "mic_system",
    "indicator",
    "button",
    "audio_input",
    "video_input",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SerialSettings(_Strict):
    """Serial line settings; a model file or the room config may override single keys."""

    baudrate: int = Field(9600, gt=0)
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: Literal[1, 2] = 1
    rtscts: bool = False  # hardware flow control (DCS 6000 and other conference units)


class SerialOverride(_Strict):
    baudrate: int | None = Field(None, gt=0)
    bytesize: Literal[5, 6, 7, 8] | None = None
    parity: Literal["N", "E", "O", "M", "S"] | None = None
    stopbits: Literal[1, 2] | None = None
    rtscts: bool | None = None


class Timing(_Strict):
    inter_frame_gap_ms: float = Field(1.0, ge=0)
    ack_timeout_ms: float = Field(1000, gt=0)
    completion_timeout_ms: float = Field(15000, gt=0)
    inquiry_timeout_ms: float = Field(1000, gt=0)
    poll_interval_s: float = Field(2.0, gt=0)
    command_queue: int = Field(4, ge=1, le=64)  # commands of clients waiting or running; more are BUSY


Options = dict[str, Any]
"""Family-specific settings (facts protocols.md marks [U]); each family validates them with its own model."""


class ProtocolProfile(_Strict):
    """How one protocol family is spoken."""

    schema_: Literal[1] = Field(alias="schema")
    family: str
    device_class: DeviceClass
    description: str = ""
    link: Literal["serial", "tcp", "udp", "usb", "dir"] = "serial"  # what a room config's transport.port usually names
    default_tcp_port: int | None = Field(None, ge=1, le=65535)
    serial: SerialSettings = SerialSettings()
    timing: Timing = Timing()
    sockets: int = Field(2, ge=1)
    options: Options = Field(default_factory=dict)


class Range(_Strict):
    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.min <= value <= self.max


class CameraRanges(_Strict):
    zoom: Range
    pan: Range
    tilt: Range
    pan_speed: Range
    tilt_speed: Range
    zoom_speed: Range


class Motion(_Strict):
    pan_units_per_s: float = Field(gt=0)
    tilt_units_per_s: float = Field(gt=0)
    zoom_units_per_s: float = Field(gt=0)


class Identity(_Strict):
    vendor_id: int = Field(ge=0, le=0xFFFF)
    model_id: int = Field(ge=0, le=0xFFFF)


class Quirks(_Strict):
    preset_recall_no_completion: bool = False
    ack_timeout_ms: float | None = Field(None, gt=0)
    completion_timeout_ms: float | None = Field(None, gt=0)


class FirmwareEntry(_Strict):
    rom: Range
    label: str = ""
    presets: int | None = Field(None, ge=1, le=256)
    quirks: Quirks = Quirks()
    options: Options = Field(default_factory=dict)  # overrides the model's options for this firmware range


ANY_FIRMWARE = FirmwareEntry(rom=Range(min=0, max=0xFFFF), label="any")


class Simulate(BaseModel):
    """What the simulator plays for this model; families read their own keys (warm-up time, disk size...)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    rom: int | None = Field(None, ge=0, le=0xFFFF)


CAPABILITIES: dict[str, frozenset[str]] = {
    "camera": frozenset(
        {"power", "zoom", "zoom_direct", "pan_tilt", "pan_tilt_absolute", "pan_tilt_relative", "home", "presets"}
    ),
    "display": frozenset({"power", "input", "volume", "mute", "av_mute", "error_status", "lamp"}),
    "recorder": frozenset(
        {"record", "record_named", "stop", "play", "timecode", "slot_info", "notify", "composite", "segments"}
    ),
    "audio_processor": frozenset({"level", "mute", "subscribe"}),
    "mic_system": frozenset({"mic_control", "mic_events", "request_events", "all_off"}),
    "indicator": frozenset({"light", "color", "blink"}),
    "button": frozenset({"press_events"}),
    "audio_input": frozenset({"meter", "vad", "clipping", "silence"}),
    "video_input": frozenset({"health", "snapshot", "fps"}),
}
"""What each device class may list under ``capabilities``; the device class maps each action to one."""


class AudioPoint(_Strict):
    """One named control point of a DSP: an instance tag and channel index, with its level range in dB."""

    tag: str = Field(min_length=1, pattern=r"^\S+$")
    index: int = Field(1, ge=1)
    min_db: float = -100.0
    max_db: float = 12.0


class ModelProfile(_Strict):
    """What one device model can do."""

    schema_: Literal[1] = Field(alias="schema")
    ref: str = ""  # "<vendor>/<model>" path, filled by the loader
    vendor: str
    model: str
    device_class: DeviceClass
    protocol: str
    identity: Identity | None = None
    capabilities: list[str]
    serial: SerialOverride = SerialOverride()
    # camera
    ranges: CameraRanges | None = None
    presets: int | None = Field(None, ge=1, le=256)
    motion: Motion | None = None
    # display: input names (what clients send) mapped to the family's wire code, as the family writes it
    inputs: dict[str, str] = Field(default_factory=dict)
    volume: Range | None = None
    # mic system: the seat (microphone) numbers the system can address
    seats: Range | None = None
    # audio processor: named control points a room can use without naming instance tags itself
    points: dict[str, AudioPoint] = Field(default_factory=dict)
    firmware: list[FirmwareEntry] = Field(default_factory=lambda: [ANY_FIRMWARE], min_length=1)
    options: Options = Field(default_factory=dict)
    simulate: Simulate | None = None

    @model_validator(mode="after")
    def _fits_class(self) -> ModelProfile:
        allowed = CAPABILITIES[self.device_class]
        unknown = [c for c in self.capabilities if c not in allowed]
        if unknown:
            raise ValueError(
                f"capabilities: {', '.join(unknown)} not known for a {self.device_class} "
                f"(known: {', '.join(sorted(allowed))})"
            )
        needs: dict[str, list[str]] = {
            "camera": ["ranges", "presets"],
            "display": ["inputs", "volume"] if "volume" in self.capabilities else ["inputs"],
            "mic_system": ["seats"],
        }
        missing = [key for key in needs.get(self.device_class, []) if not getattr(self, key)]
        if missing:
            raise ValueError(f"a {self.device_class} model needs {', '.join(missing)}")
        return self

    @property
    def camera_ranges(self) -> CameraRanges:
        """The camera ranges (the validator guarantees them for a camera model)."""
        if self.ranges is None:
            raise ProfileError(f"{self.ref}: a {self.device_class} has no camera ranges")
        return self.ranges

    @property
    def preset_count(self) -> int:
        """How many presets a camera model has (the validator guarantees it for a camera model)."""
        if self.presets is None:
            raise ProfileError(f"{self.ref}: a {self.device_class} has no presets")
        return self.presets

    @model_validator(mode="after")
    def _disjoint_firmware(self) -> ModelProfile:
        """Two firmware entries for one ROM version would make its quirks depend on the order in the file."""
        ordered = sorted(range(len(self.firmware)), key=lambda i: self.firmware[i].rom.min)
        for before, after in itertools.pairwise(ordered):
            a, b = self.firmware[before].rom, self.firmware[after].rom
            if b.min <= a.max:
                raise ValueError(
                    f"firmware[{after}].rom: {b.min:#06x}-{b.max:#06x} overlaps firmware[{before}].rom "
                    f"{a.min:#06x}-{a.max:#06x} (each ROM version must fall in one entry)"
                )
        return self

    def firmware_for(self, rom: int) -> FirmwareEntry:
        """The firmware entry whose ROM range holds ``rom``; the last entry when none does."""
        for entry in self.firmware:
            if rom in entry.rom:
                return entry
        return self.firmware[-1]

    def options_for(self, protocol: ProtocolProfile, rom: int | None = None) -> Options:
        """Family options, then the model's, then the firmware entry's for ``rom`` (when known)."""
        merged = {**protocol.options, **self.options}
        if rom is not None:
            merged.update(self.firmware_for(rom).options)
        return merged


class Profile(BaseModel):
    """A model joined with its protocol family: what a driver needs to speak to one device."""

    model_config = ConfigDict(frozen=True)

    model: ModelProfile
    protocol: ProtocolProfile

    def serial_settings(self, override: SerialOverride | None = None) -> SerialSettings:
        """Family defaults, then the model's overrides, then the room config's."""
        merged: dict[str, Any] = self.protocol.serial.model_dump()
        for layer in (self.model.serial, override):
            if layer is not None:
                merged.update(
                    {k: v for k, v in layer.model_dump().items() if v is not None and k in SerialSettings.model_fields}
                )
        return SerialSettings(**merged)

    def options(self, rom: int | None = None) -> Options:
        """The merged family, model and firmware options (see ``ModelProfile.options_for``)."""
        return self.model.options_for(self.protocol, rom)


RENAMED_PROTOCOLS: dict[str, str] = {
    "visca-ip": "visca_ip",
    "pelco-d": "pelco.d",
    "pelco-p": "pelco.p",
    "uvc": "usb.uvc",
    "uac": "usb.uac",
    "hid-light": "usb.hid_light",
    "hid-button": "usb.hid_button",
    "samsung-mdc": "samsung_mdc",
    "lg-rs232": "lg",
    "sony-9pin": "sony9pin",
    "tesira-ttp": "tesira",
    "dis-ccu": "dis_ccu",
    "pyaudio-input": "signals.audio",
    "opencv-video": "signals.video",
    "software-recorder": "recording",
}
"""Protocol ids before they became their family's package name (0.1): a profile naming one is told the new id."""


def _renamed(path: Path, key: str, protocol: str) -> None:
    new = RENAMED_PROTOCOLS.get(protocol)
    if new is not None:
        raise ProfileError(
            f"{path}: {key}: '{protocol}' is now called '{new}' (a protocol's id is its drivers/ package name)"
        )


def parse_options(
    model: type[_OptionsT], options: Options, where: str, error: type[CourtroomError] = ProfileError
) -> _OptionsT:
    """Validate options with ``model``; ``error`` names ``where`` and each bad key."""
    try:
        return model.model_validate(options)
    except ValidationError as exc:
        raise error("; ".join(validation_lines(exc, prefix=where, root=model, data=options))) from None


class ProfileLibrary:
    """Every profile under one folder, validated once; look-ups by model reference.

    ``families`` (default: every family under drivers/) check each model's options against its protocol's.
    """

    def __init__(self, root: Path = DEFAULT_PROFILE_DIR, families: Families | None = None) -> None:
        if families is None:
            from drivers.families import families as found  # drivers.families imports this module

            families = found()
        self.root = root
        self.families = families
        self.protocols: dict[str, ProtocolProfile] = {}
        self.models: dict[str, ModelProfile] = {}
        self._load()

    def _load(self) -> None:
        if not self.root.is_dir():
            raise ProfileError(f"{self.root}: profile folder not found")
        for path in sorted((self.root / "protocols").glob("*.yaml")):
            raw = read_yaml_mapping(path, ProfileError)
            try:
                proto = ProtocolProfile.model_validate(raw)
            except ValidationError as exc:
                lines = validation_lines(exc, source=str(path), root=ProtocolProfile, data=raw)
                raise ProfileError("\n".join(lines)) from None
            _renamed(path, "family", proto.family)
            if proto.family != path.stem:
                raise ProfileError(f"{path}: family: '{proto.family}' does not match the file name")
            self.protocols[proto.family] = proto
        models_dir = self.root / "models"
        for path in sorted(models_dir.glob("*/*.yaml")):
            ref = path.relative_to(models_dir).with_suffix("").as_posix()
            data = read_yaml_mapping(path, ProfileError)
            data["ref"] = ref
            try:
                model = ModelProfile.model_validate(data)
            except ValidationError as exc:
                lines = validation_lines(exc, source=str(path), root=ModelProfile, data=data)
                raise ProfileError("\n".join(lines)) from None
            _renamed(path, "protocol", model.protocol)
            if model.protocol not in self.protocols:
                known = ", ".join(sorted(self.protocols)) or "none"
                raise ProfileError(f"{path}: protocol: unknown family '{model.protocol}' (known: {known})")
            self._check_options(path, model)
            self.models[ref] = model

    def _check_options(self, path: Path, model: ModelProfile) -> None:
        spec = self.families.protocol(model.protocol)
        options_model = spec.options if spec is not None else None
        if options_model is None:
            return
        protocol = self.protocols[model.protocol]
        for index, entry in enumerate(model.firmware):
            merged = {**protocol.options, **model.options, **entry.options}
            parse_options(options_model, merged, f"{path}: options (firmware[{index}])")

    def get(self, ref: str) -> Profile:
        """The model ``ref`` (``vendor/model``) joined with its protocol family."""
        try:
            model = self.models[ref]
        except KeyError:
            close = difflib.get_close_matches(ref, self.models, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            known = ", ".join(sorted(self.models)) or "none"
            raise ProfileError(f"unknown profile '{ref}' ({hint}known: {known})") from None
        return Profile(model=model, protocol=self.protocols[model.protocol])
