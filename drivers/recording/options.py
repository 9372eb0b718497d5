"""Options of the ``recording`` family: which inputs it records, how it cuts and encodes them.

From the protocol file, the model file and the room config's device ``options`` (single keys override). The
store is the device's port (``dir:<folder>``); ``backup`` is read by the controller, which copies each closed
segment there (the recorder itself only writes its own store).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Layout = Literal["single", "2x2", "1+5", "3x2"]
LAYOUT_TILES: dict[str, int] = {"single": 1, "2x2": 4, "1+5": 6, "3x2": 6}
"""How many pictures each composite layout shows."""


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CompositeOptions(_Options):
    """The composite picture (画面合成): every recorded camera in one layout, the main tile following the speaker."""

    enabled: bool = True
    width: int = Field(1920, ge=64, le=7680)
    height: int = Field(1080, ge=36, le=4320)
    layout: Layout = "1+5"


class RecordingOptions(_Options):
    """``recording``: the cameras and seats it records, segments, encoding, and the backup store."""

    video: list[str] = Field(default_factory=list)  # video_input device ids, one stream each (tile order)
    audio: str | None = None  # an audio_input device id: one track per seat plus the mix
    segment_s: float = Field(600.0, ge=1.0, le=3600.0)  # a file is closed and sealed this often
    fps: float = Field(25.0, ge=1.0, le=60.0)
    width: int | None = Field(None, ge=16, le=7680)  # camera streams scaled to this size (None: as the source)
    height: int | None = Field(None, ge=16, le=4320)
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = "ultrafast"
    crf: int = Field(26, ge=0, le=51)
    gop_s: float = Field(2.0, gt=0, le=10)  # keyframe interval: a replay seeks to, and a kill -9 loses, at most this
    mix_kbps: int = Field(96, ge=16, le=512)  # the mix (AAC) in every picture's file
    composite: CompositeOptions = CompositeOptions()
    overlay: bool = True  # date, time (room's zone), room name and case number burned into every picture
    stall_s: float = Field(2.0, gt=0)  # an input without a new frame (or audio block) this long is stalled
    queue_s: float = Field(2.0, gt=0, le=30)  # frames an encoder may fall behind before frames are dropped
    backup: Path | None = None  # the backup store (the controller copies and verifies); relative: beside the store
    backup_late_s: float = Field(120.0, gt=0)  # a segment not copied this long after it closed is late
    forecast_warn_s: int = Field(7200, ge=0)  # less recording time than this left at the measured rate: a warning
    reserve_mb: int = Field(64, ge=0)  # free space kept: below it a recording is not started
    nominal_mbph: float = Field(1500.0, gt=0)  # MB an hour assumed for the forecast before a rate is measured
    measure_after_s: float = Field(30.0, gt=0)  # recording time before the measured rate replaces the nominal one

    @model_validator(mode="after")
    def _sizes(self) -> RecordingOptions:
        if (self.width is None) != (self.height is None):
            raise ValueError("width and height: give both or neither")
        if len(set(self.video)) != len(self.video):
            raise ValueError("video: an input is listed twice")
        return self
