"""Firmware profiles: the schema of `firmware_profiles/` and the loader that validates it.

A protocol family file says how a family is spoken (serial defaults, timing); a model file says what one model
can do and, per firmware range, its quirks. Both are validated when loaded: a bad file raises ProfileError
naming the file, the key and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from drivers.errors import CourtroomError, ProfileError

DEFAULT_PROFILE_DIR = Path(__file__).resolve().parent.parent / "firmware_profiles"

DeviceClass = Literal["camera", "display", "recorder", "audio_processor", "mic_system"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SerialSettings(_Strict):
    """Serial line settings; a model file or the room config may override single keys."""

    baudrate: int = Field(9600, gt=0)
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: Literal[1, 2] = 1


class SerialOverride(_Strict):
    baudrate: int | None = Field(None, gt=0)
    bytesize: Literal[5, 6, 7, 8] | None = None
    parity: Literal["N", "E", "O", "M", "S"] | None = None
    stopbits: Literal[1, 2] | None = None


class Timing(_Strict):
    inter_frame_gap_ms: float = Field(1.0, ge=0)
    ack_timeout_ms: float = Field(1000, gt=0)
    completion_timeout_ms: float = Field(15000, gt=0)
    inquiry_timeout_ms: float = Field(1000, gt=0)
    poll_interval_s: float = Field(2.0, gt=0)


class ProtocolProfile(_Strict):
    """How one protocol family is spoken."""

    schema_: Literal[1] = Field(alias="schema")
    family: str
    device_class: DeviceClass
    description: str = ""
    serial: SerialSettings = SerialSettings()
    timing: Timing = Timing()
    sockets: int = Field(2, ge=1)


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


class Simulate(_Strict):
    rom: int = Field(ge=0, le=0xFFFF)


CameraCapability = Literal[
    "power", "zoom", "zoom_direct", "pan_tilt", "pan_tilt_absolute", "pan_tilt_relative", "home", "presets"
]


class ModelProfile(_Strict):
    """What one device model can do."""

    schema_: Literal[1] = Field(alias="schema")
    ref: str = ""  # "<vendor>/<model>" path, filled by the loader
    vendor: str
    model: str
    device_class: DeviceClass
    protocol: str
    identity: Identity | None = None
    capabilities: list[CameraCapability]
    serial: SerialOverride = SerialOverride()
    ranges: CameraRanges
    presets: int = Field(ge=1, le=256)
    motion: Motion | None = None
    firmware: list[FirmwareEntry] = Field(min_length=1)
    simulate: Simulate | None = None

    def firmware_for(self, rom: int) -> FirmwareEntry:
        """The firmware entry whose ROM range holds ``rom``; the last entry when none does."""
        for entry in self.firmware:
            if rom in entry.rom:
                return entry
        return self.firmware[-1]


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
                    {
                        k: v
                        for k, v in layer.model_dump().items()
                        if v is not None and k in SerialSettings.model_fields
                    }
                )
        return SerialSettings(**merged)


def _format_validation(path: Path, err: ValidationError) -> str:
    lines = []
    for item in err.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        lines.append(f"{path}: {key}: {item['msg']}")
    return "\n".join(lines)


def read_yaml_mapping(path: Path, error: type[CourtroomError] = ProfileError) -> dict[str, Any]:
    """A YAML file whose top level is a mapping; ``error`` names the file and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{path}: (top level): expected a mapping, got {type(data).__name__}")
    return data


class ProfileLibrary:
    """Every profile under one folder, validated once; look-ups by model reference."""

    def __init__(self, root: Path = DEFAULT_PROFILE_DIR) -> None:
        self.root = root
        self.protocols: dict[str, ProtocolProfile] = {}
        self.models: dict[str, ModelProfile] = {}
        self._load()

    def _load(self) -> None:
        if not self.root.is_dir():
            raise ProfileError(f"{self.root}: profile folder not found")
        for path in sorted((self.root / "protocols").glob("*.yaml")):
            try:
                proto = ProtocolProfile.model_validate(read_yaml_mapping(path))
            except ValidationError as exc:
                raise ProfileError(_format_validation(path, exc)) from None
            if proto.family != path.stem:
                raise ProfileError(f"{path}: family: '{proto.family}' does not match the file name")
            self.protocols[proto.family] = proto
        models_dir = self.root / "models"
        for path in sorted(models_dir.glob("*/*.yaml")):
            ref = path.relative_to(models_dir).with_suffix("").as_posix()
            data = read_yaml_mapping(path)
            data["ref"] = ref
            try:
                model = ModelProfile.model_validate(data)
            except ValidationError as exc:
                raise ProfileError(_format_validation(path, exc)) from None
            if model.protocol not in self.protocols:
                known = ", ".join(sorted(self.protocols)) or "none"
                raise ProfileError(f"{path}: protocol: unknown family '{model.protocol}' (known: {known})")
            self.models[ref] = model

    def get(self, ref: str) -> Profile:
        """The model ``ref`` (``vendor/model``) joined with its protocol family."""
        try:
            model = self.models[ref]
        except KeyError:
            known = ", ".join(sorted(self.models)) or "none"
            raise ProfileError(f"unknown profile '{ref}' (known: {known})") from None
        return Profile(model=model, protocol=self.protocols[model.protocol])
