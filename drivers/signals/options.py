"""The options of the two signal families, from the protocol file, the model file and the room config.

A room config's device ``options`` override single keys of the profile's (``seats``, thresholds, rates).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AudioOptions(_Options):
    """``signals.audio``: one input device, its channels split into seats."""

    channels: int = Field(1, ge=1, le=64)
    rate: int = Field(48000, ge=8000, le=192000)
    block_s: float = Field(0.1, ge=0.01, le=1.0)  # one measurement (and one meter message) per block
    seats: dict[int, str] = Field(default_factory=dict)  # channel (1-based) -> seat name; empty: ch1..chN
    vad_threshold_dbfs: float = Field(-45.0, le=0)
    vad_attack_s: float = Field(0.2, ge=0)
    vad_hangover_s: float = Field(0.8, ge=0)
    silence_dbfs: float = Field(-70.0, le=0)
    silence_alarm_s: float = Field(30.0, gt=0)  # silence this long raises silent:<seat> while a hearing is open
    clip_dbfs: float = Field(-0.1, le=0)
    clip_samples: int = Field(3, ge=1)
    clip_hold_s: float = Field(1.0, ge=0)
    state_refresh_s: float = Field(5.0, gt=0)  # the state's levels are refreshed this often (the meter: every block)

    @model_validator(mode="after")
    def _seats_fit(self) -> AudioOptions:
        bad = [c for c in self.seats if not 1 <= c <= self.channels]
        if bad:
            raise ValueError(f"seats: channel(s) {bad} outside 1..{self.channels}")
        names = list(self.seats.values())
        if len(set(names)) != len(names) or not all(names):
            raise ValueError("seats: names must be unique and non-empty")
        return self

    def seat_map(self) -> dict[int, str]:
        """Channel -> seat name; every channel as ``ch<N>`` when no seats are configured."""
        return dict(self.seats) or {c: f"ch{c}" for c in range(1, self.channels + 1)}


class VideoOptions(_Options):
    """``signals.video``: one camera, capture card or stream, checked about twice a second."""

    check_hz: float = Field(2.0, gt=0, le=30)
    analysis_width: int = Field(320, ge=16)
    analysis_height: int = Field(180, ge=16)
    black_mean: float = Field(16.0, ge=0)
    black_std: float = Field(4.0, ge=0)
    frozen_diff: float = Field(0.5, ge=0)
    frozen_after_s: float = Field(1.0, ge=0)  # identical frames this long make the signal "frozen"
    no_signal_after_s: float = Field(2.0, gt=0)  # no frame this long makes it "no_signal"
    reopen_s: float = Field(1.0, gt=0)  # retry opening a lost source this often
    pace: Literal["auto", "on", "off"] = "auto"  # auto: files are read at their frame rate, live sources as they come
    fps: float | None = Field(None, gt=0)  # nominal rate when the source does not tell (image sequences)
    open_timeout_ms: int = Field(5000, gt=0)  # streams only
    read_timeout_ms: int = Field(3000, gt=0)
    snapshot_quality: int = Field(85, ge=1, le=100)
    snapshot_max_width: int = Field(1280, ge=16)
    state_refresh_s: float = Field(5.0, gt=0)
