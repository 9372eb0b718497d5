"""The simulator's own reading of a PTZ camera's model profile (firmware_profiles/models/<vendor>/<model>.yaml),
shared by the camera families whose head moves (VISCA, VISCA over IP, Pelco); finding and parsing the file is
sim/models.py's.

Only the keys a simulated camera needs are read: ranges, presets, motion, identity, simulate.rom and the
firmware entries' rom range, preset count and quirks. The drivers validate the full schema; this reader checks
just enough to fail with a message naming the file and key instead of misbehaving later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import SimConfigError
from sim.models import DEFAULT_PROFILES_DIR, model_path, read_model


@dataclass(frozen=True)
class ValueRange:
    """An inclusive range of integers, as the profiles' `ranges` give them."""

    min: int
    max: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.min <= value <= self.max

    def clamp(self, value: float) -> float:
        """The value moved into the range: where a continuous drive stops."""
        return max(float(self.min), min(float(self.max), value))

    def fraction(self, speed: int) -> float:
        """Share of full speed a speed byte asks for: the range's max is 1.0, its min the smallest step."""
        return (speed - self.min + 1) / (self.max - self.min + 1)


@dataclass(frozen=True)
class CameraProfile:
    """What a simulated PTZ camera needs to know about its model and its simulated firmware."""

    ref: str
    protocol: str
    vendor_id: int
    model_id: int
    rom: int
    zoom: ValueRange
    pan: ValueRange
    tilt: ValueRange
    pan_speed: ValueRange
    tilt_speed: ValueRange
    zoom_speed: ValueRange
    preset_count: int
    pan_units_per_s: float
    tilt_units_per_s: float
    zoom_units_per_s: float
    quirks: Mapping[str, Any] = field(default_factory=dict)

    @property
    def preset_recall_no_completion(self) -> bool:
        """The firmware quirk: preset recall is ACKed but never completed."""
        return bool(self.quirks.get("preset_recall_no_completion", False))

    @classmethod
    def load(cls, ref: str, profiles_dir: Path = DEFAULT_PROFILES_DIR, *, rom: int | None = None) -> CameraProfile:
        """Read the model `ref` (`vendor/model`); `rom` overrides the profile's simulate.rom."""
        path = model_path(ref, profiles_dir)
        return cls.from_mapping(read_model(path), ref=ref, source=str(path), rom=rom)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, ref: str, source: str, rom: int | None = None) -> CameraProfile:
        """Build from an already parsed model file; `source` names the file in error messages."""
        get = _Getter(data, source)
        ranges = {
            name: get.range(f"ranges.{name}")
            for name in ("zoom", "pan", "tilt", "pan_speed", "tilt_speed", "zoom_speed")
        }
        firmware = get.sequence("firmware")
        if rom is None:
            sim = data.get("simulate")
            if isinstance(sim, Mapping) and "rom" in sim:
                rom = get.integer("simulate.rom")
            elif firmware:
                rom = get.integer("firmware.0.rom.min")
            else:
                rom = 0
        presets = get.integer("presets")
        quirks: Mapping[str, Any] = {}
        entry_index = _firmware_for(get, len(firmware), rom)
        if entry_index is not None:
            prefix = f"firmware.{entry_index}"
            entry = firmware[entry_index]
            if isinstance(entry, Mapping) and entry.get("presets") is not None:
                presets = get.integer(f"{prefix}.presets")
            raw_quirks = entry.get("quirks") if isinstance(entry, Mapping) else None
            if raw_quirks is not None and not isinstance(raw_quirks, Mapping):
                raise SimConfigError(f"{source}: {prefix}.quirks: expected a mapping")
            quirks = dict(raw_quirks or {})
        if presets < 1:
            raise SimConfigError(f"{source}: presets: must be at least 1, got {presets}")
        return cls(
            ref=ref,
            protocol=get.text("protocol"),
            vendor_id=get.integer("identity.vendor_id") if "identity" in data else 0,
            model_id=get.integer("identity.model_id") if "identity" in data else 0,
            rom=rom,
            preset_count=presets,
            pan_units_per_s=get.positive("motion.pan_units_per_s"),
            tilt_units_per_s=get.positive("motion.tilt_units_per_s"),
            zoom_units_per_s=get.positive("motion.zoom_units_per_s"),
            quirks=quirks,
            **ranges,
        )


def _firmware_for(get: _Getter, count: int, rom: int) -> int | None:
    """Index of the firmware entry whose ROM range holds `rom`; the last entry when none does."""
    for index in range(count):
        if rom in get.range(f"firmware.{index}.rom"):
            return index
    return count - 1 if count else None


class _Getter:
    """Typed look-ups by dotted key with errors that name the file and the key."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self._data = data
        self._source = source

    def _fail(self, key: str, reason: str) -> SimConfigError:
        return SimConfigError(f"{self._source}: {key}: {reason}")

    def raw(self, key: str) -> object:
        node: object = self._data
        for part in key.split("."):
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise self._fail(key, "missing")
        return node

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"expected an integer, got {value!r}")
        return value

    def positive(self, key: str) -> float:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self._fail(key, f"expected a positive number, got {value!r}")
        return float(value)

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise self._fail(key, f"expected a string, got {value!r}")
        return value

    def sequence(self, key: str) -> list[Any]:
        value = self.raw(key)
        if not isinstance(value, list):
            raise self._fail(key, f"expected a list, got {value!r}")
        return value

    def range(self, key: str) -> ValueRange:
        low, high = self.integer(f"{key}.min"), self.integer(f"{key}.max")
        if low > high:
            raise self._fail(key, f"min ({low}) is above max ({high})")
        return ValueRange(low, high)
